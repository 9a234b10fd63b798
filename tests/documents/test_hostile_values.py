"""Values that once ended in exit 4 are located exit-3 messages: a date that does not exist, a
number whose exponent overflows decimal arithmetic, an xlsx cell that reads as infinity, and a
JSON document with more values than any submission has."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from conftest import run_cli as run

from engine.documents import fast_json

ROOT = Path(__file__).resolve().parents[2]
HUASHAN = ROOT / "examples" / "huashan-2012.json"
RULES = ROOT / "rules" / "demo-district-2013.yaml"


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_a_date_that_does_not_exist_in_a_submission(capsys, tmp_path):
    text = HUASHAN.read_text(encoding="utf-8").replace('"2012-04-27"', "2012-02-30")
    sub = tmp_path / "s.yaml"
    sub.write_text(text, encoding="utf-8")
    code, err = run(capsys, [sub, "--format", "json"])
    assert code == 3, err
    assert f"{sub}:{line_of(text, '2012-02-30')}:19: 日期不存在（2012-02-30）" in err


def test_a_date_that_does_not_exist_in_a_rules_file(capsys, tmp_path):
    text = RULES.read_text(encoding="utf-8").replace("规则集:\n", "规则集:\n  发布日期: 2013-02-30\n", 1)
    rules = tmp_path / "r.yaml"
    rules.write_text(text, encoding="utf-8")
    code, err = run(capsys, [HUASHAN, "--rules", rules, "--format", "json"])
    assert code == 3, err
    assert f"{rules}:{line_of(text, '2013-02-30')}:" in err and "日期不存在（2013-02-30）" in err


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_a_number_with_a_huge_exponent(capsys, tmp_path, suffix):
    text = HUASHAN.read_text(encoding="utf-8").replace('"法制工作人员数": 3', '"法制工作人员数": 1e999999999999')
    sub = tmp_path / f"s{suffix}"
    sub.write_text(text, encoding="utf-8")
    code, err = run(capsys, [sub, "--format", "json"])
    assert code == 3, err
    assert f"{sub}:{line_of(text, '1e999999999999')}:16: 数字超出范围（1e999999999999）" in err


def _form_with(tmp_path: Path, capsys, edit) -> Path:
    """A 填报表 of the example with its 指标 sheet's XML passed through edit."""
    form = tmp_path / "填报表.xlsx"
    assert run(capsys, ["template", RULES, "--from", HUASHAN, "-o", form])[0] == 0
    hostile = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(form) as src, zipfile.ZipFile(hostile, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info, edit(data) if info.filename == "xl/worksheets/sheet1.xml" else data)
    return hostile


def _value(cell: str, value: bytes):
    def edit(data: bytes) -> bytes:
        at = data.index(f'r="{cell}"'.encode())
        start, end = data.index(b"<v>", at) + 3, data.index(b"</v>", at)
        return data[:start] + value + data[end:]

    return edit


def test_a_form_with_a_cell_at_row_a_million_is_refused_before_it_is_read(capsys, tmp_path):
    far = b'<row r="1000000"><c r="A1000000"><v>1</v></c></row></sheetData>'
    form = _form_with(tmp_path, capsys, lambda data: data.replace(b"</sheetData>", far))
    code, err = run(capsys, [form, "--format", "json"])
    assert code == 3 and f"{form}!指标!A1000000: 工作表有第 1000000 行的内容，超过上限 20000 行" in err


def test_an_infinite_count_in_a_form(capsys, tmp_path):
    form = _form_with(tmp_path, capsys, _value("G14", b"1e400"))  # 材料迟报次数
    code, err = run(capsys, [form, "--format", "json"])
    assert code == 3, err
    assert f"{form}!指标!G14: 数字超出范围（Excel 也无法表示）" in err


def test_an_infinite_year_in_a_form(capsys, tmp_path):
    form = _form_with(tmp_path, capsys, _value("G6", b"1e400"))  # 考核年度
    code, err = run(capsys, [form, "--format", "json"])
    assert code == 3, err
    assert f"{form}!指标!G6: 考核年度" in err


def test_a_json_document_with_too_many_values_is_refused_before_it_is_located(capsys, tmp_path, monkeypatch):
    data = json.loads(HUASHAN.read_text(encoding="utf-8"))
    data["指标"]["行政诉讼案件"] = [{"案号": str(i), "结果": "胜诉"} for i in range(20_000)]
    sub = tmp_path / "s.json"
    sub.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    monkeypatch.setattr(fast_json.LazyDocument, "located", property(lambda self: pytest.fail("ruamel parse")))
    code, err = run(capsys, [sub, "--format", "json"])
    assert code == 3, err
    assert "指标.行政诉讼案件: 数据过多（" in err and f"上限 {fast_json.MAX_VALUES}）；最长的列表有 20000 项" in err


def test_a_submission_over_the_size_limit_is_refused(capsys, tmp_path):
    sub = tmp_path / "s.json"
    sub.write_bytes(b" " * (4 * 1024 * 1024 + 1))
    code, err = run(capsys, [sub, "--format", "json"])
    assert code == 3 and f"{sub}: 文件过大（4194305 字节），上限为 4194304 字节" in err


def test_deeply_nested_flow_yaml_is_refused_before_it_is_parsed(capsys, tmp_path):
    """ruamel's scanner is quadratic in flow depth: 50,000 nested [ took minutes before the check."""
    sub = tmp_path / "s.yaml"
    sub.write_text("单位名称: " + "[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")
    code, err = run(capsys, [sub, "--rules", RULES, "--format", "json"])
    assert code == 3, err
    assert f"{sub}:1:107: 嵌套层次过深（上限 100 层）" in err


def _damaged(path: Path, member: str) -> Path:
    """The workbook with the first byte of one member's compressed data flipped (inflate fails)."""
    raw = bytearray(path.read_bytes())
    raw[raw.index(member.encode()) + len(member)] ^= 0xFF
    out = path.with_name("damaged-" + member.replace("/", "_") + ".xlsx")
    out.write_bytes(bytes(raw))
    return out


@pytest.mark.parametrize("member", ["xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/styles.xml"])
def test_a_form_with_damaged_compressed_data_is_refused(capsys, tmp_path, member):
    form = tmp_path / "填报表.xlsx"
    assert run(capsys, ["template", RULES, "--from", HUASHAN, "-o", form])[0] == 0
    damaged = _damaged(form, member)
    code, err = run(capsys, [damaged, "--format", "json"])
    assert code == 3, err
    assert f"{damaged}" in err and "内部错误" not in err


@pytest.mark.parametrize(("member", "exit_code"), [("docProps/app.xml", 1), ("_rels/.rels", 1), ("xl/workbook.xml", 3)])
def test_verify_reports_a_scoresheet_with_damaged_compressed_data(capsys, tmp_path, member, exit_code):
    """openpyxl never reads app.xml: a damaged one passed as 一致 while Excel offers to repair the file."""
    sheet = tmp_path / "评分表.xlsx"
    assert run(capsys, [HUASHAN, "-o", sheet])[0] == 0
    damaged = _damaged(sheet, member)
    code, err = run(capsys, ["verify", damaged, HUASHAN])
    assert code == exit_code and "内部错误" not in err
