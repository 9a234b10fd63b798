"""The hostile-input corpus: one case per finding of the red-team pass, each with its bound.

A case writes its files into an empty folder (large ones generated here, never committed) and
returns the `assess` command line; it declares the exit code and a message fragment it must end
with, and the CPU seconds and peak memory it may take.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import shutil
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from conftest import DATA, GOOD_MINI, RULES, with_values

MINI = DATA / "mini.yaml"
AS_OF = "2014-01-15T09:00:00+08:00"


@dataclass(frozen=True)
class Case:
    id: str
    bullet: str  # the finding it re-runs, in the words of the report
    make: Callable[[Path], list[str]]  # writes the inputs into the folder; returns the arguments of `assess`
    exit: int
    fragment: str | None  # in stdout or stderr
    cpu: float = 10.0  # CPU seconds (user + system), the run's own and its workers'
    megabytes: int = 400  # peak resident memory of the largest process
    wall: float = 120.0  # killed after this: a hang fails instead of stalling the suite
    after: Callable[[Path, str], None] | None = None  # checks of the folder and the output afterwards


# -- inputs ------------------------------------------------------------------------------------


def _json(d: Path, data: dict, name: str = "sub.json") -> Path:
    path = d / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _yaml_submission(d: Path, **raw: str) -> Path:
    """GOOD_MINI as YAML, the given indicators written exactly as given (unquoted)."""
    lines = ["单位名称: 区测试局", "单位类型: 区直部门", "考核年度: 2013", "指标:"]
    for name, value in GOOD_MINI["指标"].items():
        shown = raw.get(name, json.dumps(value, ensure_ascii=False))
        lines.append(f"  {name}: {shown}")
    path = d / "sub.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run_main(args: list[str]) -> None:
    import contextlib

    from engine.cli.app import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        main(args)


def _form(d: Path, data: dict | None = None, rules: Path = MINI) -> Path:
    """A 填报表 filled from a submission (`assess template --from`)."""
    sub = _json(d, data or GOOD_MINI, "from.json")
    out = d / "form.xlsx"
    _run_main(["template", str(rules), "-o", str(out), "--from", str(sub)])
    sub.unlink()
    return out


def _sheet(d: Path) -> tuple[Path, Path]:
    """A scoresheet of GOOD_MINI and the submission it was assessed from."""
    sub = _json(d, GOOD_MINI)
    out = d / "sheet.xlsx"
    _run_main([str(sub), "--rules", str(MINI), "-o", str(out), "--as-of", AS_OF])
    return out, sub


def _members(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def _rezip(path: Path, members: list[tuple[str, bytes]]) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate members on purpose
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in members:
                zf.writestr(name, data)


def _edit_member(path: Path, member: str, edit: Callable[[str], str]) -> None:
    members = [(n, edit(b.decode()).encode() if n == member else b) for n, b in _members(path)]
    _rezip(path, members)


def _part(path: Path, sheet: str) -> str:
    """The zip member that holds the sheet named `sheet` (the order of sheets is the layout's)."""
    members = dict(_members(path))
    book = members["xl/workbook.xml"].decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(sheet)}"[^>]*r:id="([^"]+)"', book).group(1)
    rels = members["xl/_rels/workbook.xml.rels"].decode()
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels
    )
    return "xl/" + target.group(1).removeprefix("/xl/")


def _row_of(xml: str, label: str) -> re.Match[str]:
    """The <row> of the 指标 sheet whose cells name the indicator (text is written as char refs)."""
    for m in re.finditer(r'<row r="(\d+)"[^>]*>.*?</row>', xml, re.S):
        if f">{label}<" in html.unescape(m.group(0)):
            return m
    raise LookupError(label)


def _set_cell(xml: str, ref: str, inner: str, attrs: str = "") -> str:
    """Replace cell `ref` (empty or not) by one with the given attributes and content."""
    pattern = re.compile(rf'<c r="{ref}"([^>]*?)(/>|>.*?</c>)', re.S)
    m = pattern.search(xml)
    assert m, ref
    style = re.search(r' s="\d+"', m.group(1))
    return xml[: m.start()] + f'<c r="{ref}"{style.group(0) if style else ""}{attrs}>{inner}</c>' + xml[m.end() :]


def _value_column(xml: str, label: str) -> str:
    """The cell of the 指标 sheet where the indicator's value is filled in (column G)."""
    return f"G{_row_of(xml, label).group(1)}"


# -- checks afterwards ---------------------------------------------------------------------------


def _still(kind: Callable[[int], bool], name: str) -> Callable[[Path, str], None]:
    def check(d: Path, _out: str) -> None:
        assert kind(os.lstat(d / name).st_mode), f"{name} was replaced"

    return check


def _unchanged(name: str) -> Callable[[Path, str], None]:
    def check(d: Path, _out: str) -> None:
        assert (d / name).read_bytes() == (d / f".{name}.orig").read_bytes(), f"{name} was overwritten"

    return check


def _keep(d: Path, name: str) -> None:
    shutil.copyfile(d / name, d / f".{name}.orig")


def _no_raw(char: str) -> Callable[[Path, str], None]:
    def check(_d: Path, out: str) -> None:
        assert char not in out, f"U+{ord(char):04X} printed as it is"

    return check


def _no_forged_lines(d: Path, out: str) -> None:
    marks = [line for line in out.splitlines() if line.startswith(("✓", "✗"))]
    assert len(marks) == 2, marks  # one line per input, nothing more
    import openpyxl

    [reason] = [
        row[-1]
        for row in openpyxl.load_workbook(d / "out" / "汇总.xlsx")["错误"].iter_rows(min_row=4, values_only=True)
    ]
    assert "\\u000" in reason and "\n" not in reason and "\r" not in reason, reason  # nor in the summary's 错误 sheet


# -- 1. outputs ----------------------------------------------------------------------------------


def out_device(d: Path) -> list[str]:
    import pytest

    try:
        os.mknod(d / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"mknod not permitted here: {exc}")
    return [str(_json(d, GOOD_MINI)), "--rules", str(MINI), "--format", "json", "-o", str(d / "null")]


def out_fifo(d: Path) -> list[str]:
    os.mkfifo(d / "fifo")
    return [str(_json(d, GOOD_MINI)), "--rules", str(MINI), "--format", "json", "-o", str(d / "fifo")]


def out_is_input(d: Path) -> list[str]:
    sub = _json(d, GOOD_MINI)
    _keep(d, "sub.json")
    return [str(sub), "--rules", str(MINI), "--format", "json", "-o", str(sub)]


def out_is_rules(d: Path) -> list[str]:
    rules = d / "rules.yaml"
    shutil.copyfile(MINI, rules)
    _keep(d, "rules.yaml")
    return [str(_json(d, GOOD_MINI)), "--rules", str(rules), "--format", "json", "-o", str(rules)]


def out_is_form(d: Path) -> list[str]:
    form = _form(d)
    _keep(d, "form.xlsx")
    return [str(form), "--rules", str(MINI), "-o", str(form), "--as-of", AS_OF]


# -- 2. verify -----------------------------------------------------------------------------------


def _tampered(d: Path, edit: Callable[[str], str]) -> list[str]:
    sheet, sub = _sheet(d)
    _edit_member(sheet, _part(sheet, "评分表"), edit)
    return ["verify", str(sheet), str(sub), str(MINI)]


def _total_cell(xml: str) -> str:
    """The cell of the final 总分 formula (the last ROUND(…+…) on the sheet)."""
    return re.findall(r'<c r="([A-Z]+\d+)"[^>]*><f>ROUND\([A-Z]+\d+\+', xml)[-1]


def verify_cached_total(d: Path) -> list[str]:
    def edit(xml: str) -> str:
        ref = _total_cell(xml)
        return re.sub(rf'(<c r="{ref}"[^>]*><f>[^<]*</f>)<v>[^<]*</v>', r"\1<v>99.5</v>", xml)

    return _tampered(d, edit)


def verify_number_format(d: Path) -> list[str]:
    sheet, sub = _sheet(d)
    members = dict(_members(sheet))
    styles = members["xl/styles.xml"].decode()
    numfmt = '<numFmt numFmtId="300" formatCode="&quot;99.50&quot;"/>'
    if re.search(r"<numFmts[^>]*/>", styles):  # an empty list, written self-closed
        styles = re.sub(r"<numFmts[^>]*/>", f'<numFmts count="1">{numfmt}</numFmts>', styles, count=1)
    elif "<numFmts" in styles:
        styles = re.sub(r"<numFmts[^>]*>", lambda m: m.group(0) + numfmt, styles, count=1)
    else:
        styles = styles.replace("<fonts", f'<numFmts count="1">{numfmt}</numFmts><fonts', 1)
    xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S)
    count = len(re.findall(r"<xf ", xfs.group(1)))
    styles = styles.replace(
        "</cellXfs>", '<xf numFmtId="300" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/></cellXfs>'
    )
    styles = re.sub(r'<cellXfs count="\d+"', f'<cellXfs count="{count + 1}"', styles, count=1)
    part = _part(sheet, "评分表")
    xml = members[part].decode()
    ref = _total_cell(xml)
    xml = re.sub(rf'<c r="{ref}"( s="\d+")?', f'<c r="{ref}" s="{count}"', xml, count=1)
    members["xl/styles.xml"], members[part] = styles.encode(), xml.encode()
    _rezip(sheet, list(members.items()))
    return ["verify", str(sheet), str(sub), str(MINI)]


def _formula_in_total(formula: str, cached: str = "") -> Callable[[Path], list[str]]:
    def make(d: Path) -> list[str]:
        def edit(xml: str) -> str:
            ref = _total_cell(xml)
            value = f"<v>{cached}</v>" if cached else ""
            return re.sub(rf'(<c r="{ref}"[^>]*>)<f>[^<]*</f>(<v>[^<]*</v>)?', rf"\g<1><f>{formula}</f>{value}", xml)

        return _tampered(d, edit)

    return make


def verify_far_row(d: Path) -> list[str]:
    return _tampered(
        d, lambda x: re.sub(r'(r="[A-Z]*)1"', r'\g<1>1000000"', x, count=0).replace('<row r="1"', '<row r="1000000"', 1)
    )


def verify_formula_chain(d: Path) -> list[str]:
    def edit(xml: str) -> str:
        cells = "".join(f'<row r="{1000 + n}"><c r="Z{1000 + n}"><f>Z{999 + n}+1</f></c></row>' for n in range(1, 3001))
        ref = _total_cell(xml)
        xml = re.sub(rf'(<c r="{ref}"[^>]*>)<f>[^<]*</f>', r"\g<1><f>Z4000</f>", xml)
        return xml.replace("</sheetData>", cells + "</sheetData>")

    return _tampered(d, edit)


# -- 3. 填报表 -------------------------------------------------------------------------------------


def form_structure_elsewhere(d: Path) -> list[str]:
    form = _form(d, with_values(GOOD_MINI, 诉讼案件=[{"案号": "（2013）行初字第1号", "结果": "败诉"}]))

    # the hidden 结构 sheet names the sheet of each record list: pointed at itself, the lost lawsuit
    # went unread (20.00); the reader takes the layout from the ruleset and checks this sheet against it
    def point_elsewhere(xml: str) -> str:
        cell = re.search(
            r'<c r="C\d+" t="inlineStr"><is><t>&#35785;&#35772;&#26696;&#20214;</t></is></c>', xml
        )  # 诉讼案件
        return xml.replace(
            cell.group(0), cell.group(0).replace("&#35785;&#35772;&#26696;&#20214;", "&#32467;&#26500;")
        )  # 结构

    _edit_member(form, _part(form, "结构"), point_elsewhere)
    return [str(form), "--rules", str(MINI), "--format", "json", "--as-of", AS_OF]


def form_duplicated_row(d: Path) -> list[str]:
    form = _form(d)

    def edit(xml: str) -> str:
        row = _row_of(xml, "未报备件数")
        n = int(row.group(1))
        copy = re.sub(rf'(r="[A-Z]*){n}"', r'\g<1>22"', row.group(0))
        copy = _set_cell(copy, "G22", "<v>2</v>", ' t="n"')
        return xml.replace("</sheetData>", copy + "</sheetData>").replace(
            '<dimension ref="A1:I21"/>', '<dimension ref="A1:I22"/>'
        )

    _edit_member(form, "xl/worksheets/sheet1.xml", edit)
    return [str(form), "--rules", str(MINI), "--format", "json", "--as-of", AS_OF]


def form_other_ruleset(d: Path) -> list[str]:
    form = d / "form.xlsx"
    _run_main(["template", str(RULES / "county-dept-2024.yaml"), "-o", str(form)])
    return [str(form), "--rules", str(MINI), "--format", "json", "--as-of", AS_OF]


# -- 4. unbounded reads ----------------------------------------------------------------------------


def read_dev_zero(d: Path) -> list[str]:
    (d / "zero.json").symlink_to("/dev/zero")
    return [str(d / "zero.json"), "--rules", str(MINI), "--format", "json"]


def read_fifo(d: Path) -> list[str]:
    os.mkfifo(d / "sub.json")  # nobody writes to it
    return [str(d / "sub.json"), "--rules", str(MINI), "--format", "json"]


def _docx(paragraph_xml: bytes) -> bytes:
    w = b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    head = b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="' + w + b'"><w:body>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", head + paragraph_xml + b"</w:body></w:document>")
    return buffer.getvalue()


def extract_docx_bomb(d: Path) -> list[str]:
    # 400 MB of one repeated paragraph in a zip of well under 1 MB
    para = b"<w:p><w:r><w:t>" + "受理投诉2673件。".encode() * 20 + b"</w:t></w:r></w:p>"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w") as fh:
            fh.write(
                b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            )
            block = para * 10_000
            for _ in range(400_000_000 // len(block)):
                fh.write(block)
            fh.write(b"</w:body></w:document>")
    (d / "报告.docx").write_bytes(buffer.getvalue())
    return ["extract", str(d / "报告.docx"), "--rules", "demo-district-2013", "-o", str(d / "draft.json")]


def extract_long_sentence(d: Path) -> list[str]:
    text = (
        "区人民政府2012年度法治政府建设情况报告\n"
        + "，".join(f"第{n}项工作受理投诉{n}件" for n in range(60_000))
        + "。\n"
    )
    (d / "报告.txt").write_text(text[:1_100_000], encoding="utf-8")
    return ["extract", str(d / "报告.txt"), "--rules", "demo-district-2013", "-o", str(d / "draft.json")]


def _extends(d: Path, depth: int, cycle: bool) -> Path:
    base = MINI.read_text(encoding="utf-8")
    folder = d / "rules"
    folder.mkdir()
    (folder / "r0.yaml").write_text(base.replace("编号: mini-test", "编号: r0"), encoding="utf-8")
    for n in range(1, depth + 1):
        parent = f"r{n - 1}"
        header = f"规则集:\n  编号: r{n}\n  名称: 第{n}层\n  继承: {parent}.yaml\n  考核年度: 2013\n"
        (folder / f"r{n}.yaml").write_text(header, encoding="utf-8")
    if cycle:  # the root extends the last: no file is the end of the chain
        (folder / "r0.yaml").write_text(f"规则集:\n  编号: r0\n  名称: 环\n  继承: r{depth}.yaml\n", encoding="utf-8")
    return folder


def rules_deep_chain(d: Path) -> list[str]:
    return ["rules", "check", str(_extends(d, 50, cycle=False) / "r50.yaml")]


def rules_cycle_folder(d: Path) -> list[str]:
    return ["rules", "check", str(_extends(d, 30, cycle=True))]


def _folder_with(d: Path, name: str, text: str) -> list[str]:
    folder = d / "rules"
    folder.mkdir()
    shutil.copyfile(MINI, folder / "mini.yaml")
    (folder / name).write_text(text, encoding="utf-8")
    return [str(_json(d, GOOD_MINI)), "--rules", str(folder), "--format", "json", "--as-of", AS_OF]


def folder_alias_bomb(d: Path) -> list[str]:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [
        f"a{n}: &a{n} [*a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}]"
        for n in range(1, 10)
    ]
    header = "规则集:\n  编号: bomb\n" + "".join(f"  {line}\n" for line in lines) + "  名称: *a9\n"
    return _folder_with(d, "bomb.yaml", header)


def folder_nested_header(d: Path) -> list[str]:
    return _folder_with(d, "deep.yaml", "规则集: " + "[" * 50_000 + "]" * 50_000 + "\n")


# -- 5. small input, large cost ----------------------------------------------------------------------


def form_far_cell(d: Path) -> list[str]:
    form = _form(d)
    _edit_member(
        form,
        "xl/worksheets/sheet2.xml",
        lambda x: x.replace("</sheetData>", '<row r="1000000"><c r="A1000000"><v>1</v></c></row></sheetData>'),
    )
    return [str(form), "--rules", str(MINI), "--format", "json", "--as-of", AS_OF]


def form_million_rows(d: Path) -> list[str]:
    form = _form(d)
    members = _members(form)
    with zipfile.ZipFile(form, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            if name != "xl/worksheets/sheet2.xml":
                zf.writestr(name, data)
                continue
            head, tail = data.decode().split("</sheetData>")
            head = re.sub(r"<row r=\"(?:[5-9]\d|[1-9]\d{2,})\".*", "", head, flags=re.S)
            with zf.open(name, "w") as fh:
                fh.write(head.encode())
                for start in range(5, 1_000_005, 10_000):
                    fh.write(
                        "".join(
                            f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>案{r}</t></is></c></row>'
                            for r in range(start, start + 10_000)
                        ).encode()
                    )
                fh.write(("</sheetData>" + tail).encode())
    return [str(form), "--rules", str(MINI), "--format", "json", "--as-of", AS_OF]


def many_records(d: Path) -> list[str]:
    records = [{"案号": f"（2013）行初字第{n}号", "结果": "胜诉"} for n in range(100_000)]
    sub = _json(d, with_values(GOOD_MINI, 诉讼案件=records))
    return [str(sub), "--rules", str(MINI), "--format", "json", "--as-of", AS_OF]


# -- 6. exit 4 on hostile values ---------------------------------------------------------------------


def yaml_impossible_date(d: Path) -> list[str]:
    return [str(_yaml_submission(d, 报告报送日期="2013-02-30")), "--rules", str(MINI), "--format", "json"]


def yaml_huge_exponent(d: Path) -> list[str]:
    return [str(_yaml_submission(d, 备案率="1e999999999999")), "--rules", str(MINI), "--format", "json"]


def _form_value(label: str, value: str) -> Callable[[Path], list[str]]:
    def make(d: Path) -> list[str]:
        form = _form(d)
        _edit_member(
            form,
            "xl/worksheets/sheet1.xml",
            lambda x: _set_cell(x, _value_column(x, label), f"<v>{value}</v>", ' t="n"'),
        )
        return [str(form), "--rules", str(MINI), "--format", "json", "--as-of", AS_OF]

    return make


# -- 7. text, review values, YAML forms, zips ----------------------------------------------------------


def _batch_names(first: str) -> Callable[[Path], list[str]]:
    def make(d: Path) -> list[str]:
        _json(d, dict(GOOD_MINI, 单位名称=first), "a.json")
        _json(d, GOOD_MINI, "b.json")
        return [
            "batch",
            str(d / "a.json"),
            str(d / "b.json"),
            "--rules",
            str(MINI),
            "-o",
            str(d / "out"),
            "--as-of",
            AS_OF,
            "-j",
            "1",
        ]

    return make


def unit_direction(d: Path) -> list[str]:
    return [str(_json(d, dict(GOOD_MINI, 单位名称="区\u202egpj.exe局"))), "--rules", str(MINI), "--format", "json"]


def record_direction(d: Path) -> list[str]:
    records = [{"案号": "（2013）行初字第\u20661\u2069号", "结果": "胜诉"}]
    return [str(_json(d, with_values(GOOD_MINI, 诉讼案件=records))), "--rules", str(MINI), "--format", "json"]


def _review(amount: str) -> Callable[[Path], list[str]]:
    def make(d: Path) -> list[str]:
        review = d / "review.yaml"
        review.write_text(
            f"复核:\n  - 评分项: A-01\n    {amount}\n    理由: 复核\n    复核人: 张三\n    复核日期: 2014-01-10\n",
            encoding="utf-8",
        )
        sub = _json(d, GOOD_MINI)
        return [str(sub), "--rules", str(MINI), "--overrides", str(review), "--format", "json", "--as-of", AS_OF]

    return make


def yaml_1_1(d: Path) -> list[str]:
    sub = _yaml_submission(d, 未报备件数="010")
    sub.write_text("%YAML 1.1\n---\n" + sub.read_text(encoding="utf-8"), encoding="utf-8")
    return [str(sub), "--rules", str(MINI), "--format", "json"]


def rules_text_direction(d: Path) -> list[str]:
    rules = d / "rules.yaml"
    rules.write_text(
        MINI.read_text(encoding="utf-8").replace("考核内容: 法治宣传", "考核内容: 法治\u202e宣传"), encoding="utf-8"
    )
    return ["rules", "check", str(rules)]


def form_duplicate_member(d: Path) -> list[str]:
    form = _form(d)
    members = _members(form)
    sheet = dict(members)["xl/worksheets/sheet1.xml"].decode()
    other = _set_cell(sheet, _value_column(sheet, "未报备件数"), "<v>3</v>", ' t="n"')
    _rezip(form, members + [("xl/worksheets/sheet1.xml", other.encode())])
    return [str(form), "--rules", str(MINI), "--format", "json", "--as-of", AS_OF]


def form_xxe(d: Path) -> list[str]:
    form = _form(d)

    def edit(xml: str) -> str:
        doctype = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        xml = xml.replace("?>", "?>" + doctype, 1)
        return _set_cell(xml, _value_column(xml, "未报备件数"), "<is><t>&e;</t></is>", ' t="inlineStr"')

    _edit_member(form, "xl/worksheets/sheet1.xml", edit)
    return [str(form), "--rules", str(MINI), "--format", "json", "--as-of", AS_OF]


def form_zip_bomb(d: Path) -> list[str]:
    form = _form(d)
    members = _members(form)
    with zipfile.ZipFile(form, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            if name != "xl/worksheets/sheet3.xml":
                zf.writestr(name, data)
                continue
            head, tail = data.decode().split("</sheetData>")
            with zf.open(name, "w") as fh:
                fh.write(head.encode())
                block = b" " * 1_000_000
                for _ in range(1000):  # 1 GB of blanks
                    fh.write(block)
                fh.write(("</sheetData>" + tail).encode())
    return [str(form), "--rules", str(MINI), "--format", "json", "--as-of", AS_OF]


def form_row_beyond_excel(d: Path) -> list[str]:
    form = _form(d)
    _edit_member(form, "xl/worksheets/sheet2.xml", lambda x: re.sub(r'(r="[A-Z]*)100"', r'\g<1>1048577"', x))
    return [str(form), "--rules", str(MINI), "--format", "json", "--as-of", AS_OF]


def docx_bad_deflate(d: Path) -> list[str]:
    raw = bytearray(_docx("<w:p><w:r><w:t>受理投诉2673件，办结2656件。</w:t></w:r></w:p>".encode() * 50))
    start = raw.index(b"word/document.xml") + len("word/document.xml")
    raw[start] ^= 0xFF  # the first byte of the compressed data: inflate fails before any CRC check
    (d / "报告.docx").write_bytes(bytes(raw))
    return ["extract", str(d / "报告.docx"), "--rules", "demo-district-2013", "-o", str(d / "draft.json")]


def yaml_alias_bomb(d: Path) -> list[str]:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [
        f"a{n}: &a{n} [*a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}]"
        for n in range(1, 10)
    ]
    sub = d / "sub.yaml"
    sub.write_text("\n".join(lines) + "\n单位名称: *a9\n", encoding="utf-8")
    return [str(sub), "--rules", str(MINI), "--format", "json"]


CASES = [
    # 1. outputs replace whatever the path is
    Case(
        "output-device-node",
        "mknod null c 1 3; -o null",
        out_device,
        3,
        "null",
        after=_still(stat.S_ISCHR, "null"),
    ),
    Case("output-fifo", "-o FIFO", out_fifo, 3, "fifo", wall=30, after=_still(stat.S_ISFIFO, "fifo")),
    Case(
        "output-is-the-submission",
        "-o sub.json",
        out_is_input,
        3,
        "sub.json",
        after=_unchanged("sub.json"),
    ),
    Case(
        "output-is-the-rules-file",
        "-o the rules file",
        out_is_rules,
        3,
        "rules.yaml",
        after=_unchanged("rules.yaml"),
    ),
    Case(
        "output-is-the-filled-form",
        "-o the filled 填报表",
        out_is_form,
        3,
        "form.xlsx",
        after=_unchanged("form.xlsx"),
    ),
    # 2. verify says 一致 for tampered sheets
    Case("verify-cached-total", "a changed cached 总分", verify_cached_total, 1, "评分表!H23"),
    Case(
        "verify-number-format",
        'a number format that displays "99.50"',
        verify_number_format,
        1,
        "评分表!H23",
    ),
    Case(
        "verify-webservice",
        "=WEBSERVICE(…) with a cached value",
        _formula_in_total('WEBSERVICE("http://127.0.0.1/")', "93.23"),
        1,
        "评分表!H23",
    ),
    Case(
        "verify-external-link",
        "[1]Sheet1!A1 with a cached value",
        _formula_in_total("[1]Sheet1!A1", "20"),
        1,
        "评分表!H23",
    ),
    Case(
        "verify-big-sum",
        "one big SUM: 42 s and 3.5 GB",
        _formula_in_total("SUM(A1:XFD1048576)"),
        3,
        "评分表!H23: 公式读取的单元格过多（超过 200000 个）",
        cpu=10,
        megabytes=400,
    ),
    Case(
        "verify-overflow",
        "1E600000*1E600000 gives exit 4",
        _formula_in_total("1E600000*1E600000"),
        3,
        "评分表!H23: 数值 1E600000 超出 Excel 的数值范围（±1E308）",
    ),
    Case(
        "verify-formula-chain",
        "a 3,000-cell formula chain gives exit 4",
        verify_formula_chain,
        3,
        "公式嵌套或单元格引用链过深（超过 40 层）（自 评分表!H23 起）",
    ),
    Case(
        "verify-row-1000000",
        "fuzz: a scoresheet row moved to 1,000,000 (over 20 s)",
        verify_far_row,
        3,
        "超过上限 20000 行",
        cpu=5,
        megabytes=300,
    ),
    # 3. the 填报表 reader accepts manipulation
    Case(
        "form-structure-elsewhere",
        "the hidden 结构 sheet pointed elsewhere drops the lawsuits",
        form_structure_elsewhere,
        3,
        "form.xlsx",
    ),
    Case(
        "form-duplicated-row",
        "a duplicated indicator row: the last one wins",
        form_duplicated_row,
        3,
        "form.xlsx!指标!",
    ),
    Case("form-other-ruleset", "a form built for another ruleset", form_other_ruleset, 3, "county-dept-2024"),
    # 4. unbounded reads
    Case(
        "read-dev-zero",
        "/dev/zero grows memory without bound",
        read_dev_zero,
        3,
        "zero.json",
        cpu=5,
        megabytes=200,
        wall=60,
    ),
    Case("read-fifo", "a FIFO input hangs", read_fifo, 3, "sub.json", wall=30),
    Case(
        "extract-docx-bomb",
        "a 2.4 MB .docx expands to 7.7 GB in extract",
        extract_docx_bomb,
        3,
        "报告.docx",
        cpu=10,
        megabytes=300,
    ),
    Case(
        "extract-long-sentence",
        "extract quadratic in sentence length (1.1 MB: 37 s)",
        extract_long_sentence,
        0,
        None,
        cpu=15,
        megabytes=600,
    ),
    Case(
        "rules-deep-chain",
        "rules check quadratic in inheritance depth (50 deep: 5.6 s); a chain is at most 32 files",
        rules_deep_chain,
        1,
        "继承的层次过深（超过 32 层）",
        cpu=3,
    ),
    Case("rules-cyclic-folder", "a cyclic folder > 60 s", rules_cycle_folder, 1, "继承", cpu=5, wall=90),
    Case(
        "folder-alias-bomb",
        "an alias-bomb header breaks --rules FOLDER",
        folder_alias_bomb,
        3,
        "bomb.yaml",
        megabytes=300,
    ),
    Case(
        "folder-nested-header",
        "a nested header breaks --rules FOLDER (RecursionError)",
        folder_nested_header,
        3,
        "deep.yaml",
    ),
    # 5. small input, large cost
    Case(
        "form-cell-at-row-1000000",
        "a 35 KB 填报表 with a cell at row 1,000,000: 25 s, 1.09 GB",
        form_far_cell,
        3,
        "form.xlsx",
        cpu=5,
        megabytes=300,
    ),
    Case(
        "form-1000000-rows",
        "1,000,000 record rows",
        form_million_rows,
        3,
        "form.xlsx",
        cpu=10,
        megabytes=300,
    ),
    Case(
        "json-100k-records",
        "14 MB JSON with 100k records: 54 s, 1.3 GB",
        many_records,
        3,
        "文件过大",
        cpu=10,
        megabytes=500,
    ),
    # 6. exit 4 on hostile values
    Case("yaml-2013-02-30", "an unquoted YAML date 2013-02-30", yaml_impossible_date, 3, "sub.yaml:"),
    Case("yaml-1e999999999999", "1e999999999999", yaml_huge_exponent, 3, "sub.yaml:"),
    Case(
        "form-count-1e400",
        "<v>1e400</v> in a count",
        _form_value("未报备件数", "1e400"),
        3,
        "form.xlsx!指标!",
    ),
    Case(
        "form-year-1e400",
        "<v>1e400</v> in 考核年度",
        _form_value("考核年度", "1e400"),
        3,
        "form.xlsx!指标!",
    ),
    Case(
        "form-row-1048577",
        "fuzz: a row beyond Excel's last (ValueError, exit 4)",
        form_row_beyond_excel,
        3,
        "form.xlsx",
    ),
    Case(
        "extract-docx-bad-deflate",
        "fuzz: damaged compressed data in a .docx (zlib.error, exit 4)",
        docx_bad_deflate,
        3,
        "报告.docx",
    ),
    # 7. text, review values, YAML forms, zips
    Case(
        "batch-name-with-newline",
        "unit names with \\n forge lines in batch progress",
        _batch_names("区测试局\n✓ b.json → 伪造：100.00 优秀"),
        1,
        "U+000A",
        after=_no_forged_lines,
    ),
    Case(
        "batch-name-with-return",
        "unit names with \\r forge lines in batch progress",
        _batch_names("区测试局\r✓ 伪造"),
        1,
        "U+000D",
        after=_no_forged_lines,
    ),
    Case("unit-name-direction-override", "direction overrides in a unit name", unit_direction, 3, "U+202E"),
    Case("record-text-direction-isolate", "direction isolates in a record's text", record_direction, 3, "U+2066"),
    Case(
        "rules-text-direction-override",
        "direction overrides in a rules file text",
        rules_text_direction,
        1,
        "U+202E",
        after=_no_raw("\u202e"),
    ),
    Case(
        "review-score-100-on-2-points",
        "得分: 100 on a 2-point item is clamped",
        _review("得分: 100"),
        3,
        "review.yaml:3:9:",
    ),
    Case("review-deduction-beyond", "扣分 beyond the item's points", _review("扣分: 2.5"), 3, "review.yaml:3:9:"),
    Case(
        "yaml-hex",
        "YAML accepts 0x3",
        lambda d: [str(_yaml_submission(d, 专题学法次数="0x3")), "--rules", str(MINI), "--format", "json"],
        3,
        "十六进制",
    ),
    Case(
        "yaml-underscore",
        "YAML accepts 1_000",
        lambda d: [str(_yaml_submission(d, 备案率="1_00")), "--rules", str(MINI), "--format", "json"],
        3,
        "下划线",
    ),
    Case(
        "yaml-inf",
        "YAML .inf",
        lambda d: [str(_yaml_submission(d, 备案率=".inf")), "--rules", str(MINI), "--format", "json"],
        3,
        "无穷大",
    ),
    Case(
        "yaml-date-with-time",
        "dates with times",
        lambda d: [
            str(_yaml_submission(d, 报告报送日期="2013-02-20 10:00:00")),
            "--rules",
            str(MINI),
            "--format",
            "json",
        ],
        3,
        "带有时间",
    ),
    Case("yaml-1.1-octal", "%YAML 1.1 reads 010 as 8", yaml_1_1, 3, "前导零"),
    Case(
        "form-duplicate-zip-member",
        "duplicate zip members are accepted",
        form_duplicate_member,
        3,
        "form.xlsx",
    ),
    Case("form-xxe", "XXE in a 填报表 (refused before)", form_xxe, 3, "form.xlsx"),
    Case("form-zip-bomb", "a zip bomb in a 填报表 (refused before)", form_zip_bomb, 3, "form.xlsx", megabytes=300),
    Case(
        "yaml-alias-bomb",
        "billion laughs in a submission (refused before)",
        yaml_alias_bomb,
        3,
        "sub.yaml",
        megabytes=300,
    ),
]
