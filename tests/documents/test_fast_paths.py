"""The per-unit fast paths give exactly what the full paths give: stdlib-json submissions, one compile
per ruleset per process, named styles applied from a per-workbook cache."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import GOOD_MINI, with_values

from engine import assessment as evaluate
from engine.api import load_submission_for
from engine.documents.fast_json import LazyDocument, load_data_document
from engine.documents.source import parse_document
from engine.errors import SubmissionError
from engine.evaluation import checks as compiler
from engine.intake.submission import load_submission, validate_submission

ROOT = Path(__file__).resolve().parents[2]


def _both(ruleset, text: str, tmp_path: Path):
    """(fast result, full result): a Submission or the list of problem strings."""
    path = tmp_path / "unit.json"
    path.write_text(text, encoding="utf-8")

    def run(load):
        try:
            return load()
        except SubmissionError as exc:
            return [str(p) for p in exc.problems]

    fast = run(lambda: load_submission(path, ruleset))
    digest = hashlib.sha256(text.encode()).hexdigest()
    full = run(lambda: validate_submission(parse_document(text, str(path), digest, SubmissionError), ruleset))
    return fast, full


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"备案率": "96", "专题学法次数": 3.5, "制定工作要点": "是", "报告报送日期": "2013/03/01"},
        {"备案率": 101, "获评示范": "国家级", "未报备件数": -1},
        {"备按率": 100},
        {"备案率": 99.1234567},
        {"未报备件数": 10**13},
    ],
)
def test_json_submissions_read_fast_give_the_same_values_and_messages(mini, tmp_path, changes):
    text = json.dumps(with_values(GOOD_MINI, **changes), ensure_ascii=False, indent=2)
    fast, full = _both(mini, text, tmp_path)
    assert fast == full
    if changes:
        assert isinstance(fast, list) and fast and all(p.startswith(f"{tmp_path / 'unit.json'}:") for p in fast)
        line, col = fast[0].split(".json:")[1].split(":")[:2]
        assert int(line) > 1 and int(col) > 1


def test_duplicate_keys_nan_and_tabs_take_the_full_parser(mini, tmp_path):
    good = json.dumps(GOOD_MINI, ensure_ascii=False, indent=2)
    dup = good.replace('"未报备件数": 0,', '"未报备件数": 0,\n    "未报备件数": 1,')
    fast, full = _both(mini, dup, tmp_path)
    assert fast == full == [f"{tmp_path / 'unit.json'}:7:5: 重复的键 “未报备件数”（第一次出现在第 6 行第 5 列）"]
    fast, full = _both(mini, good.replace('"备案率": 100', '"备案率": NaN'), tmp_path)
    assert fast == full and isinstance(fast, list)
    tabbed = json.dumps(GOOD_MINI, ensure_ascii=False, indent="\t")
    fast, full = _both(mini, tabbed, tmp_path)
    assert fast == full
    (tmp_path / "t.json").write_text(tabbed, encoding="utf-8")
    assert not isinstance(load_data_document(tmp_path / "t.json", SubmissionError), LazyDocument)


def test_a_valid_json_file_is_never_parsed_by_ruamel(mini, tmp_path):
    path = tmp_path / "unit.json"
    path.write_text(json.dumps(GOOD_MINI, ensure_ascii=False), encoding="utf-8")
    doc = load_data_document(path, SubmissionError)
    assert isinstance(doc, LazyDocument)
    validate_submission(doc, mini)
    assert "located" not in doc.__dict__  # no position was needed
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(with_values(GOOD_MINI, 备案率="96"), ensure_ascii=False, indent=2), encoding="utf-8")
    doc = load_data_document(bad, SubmissionError)
    with pytest.raises(SubmissionError) as info:
        validate_submission(doc, mini)
    assert "located" in doc.__dict__
    assert str(info.value.problems[0]).startswith(f"{bad}:8:12: 指标.备案率:")


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "examples").glob("*.json")))
def test_examples_load_identically_on_both_paths(name):
    path = ROOT / "examples" / name
    ruleset, fast = load_submission_for(path, ROOT / "rules")
    text = path.read_text(encoding="utf-8-sig")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    full = validate_submission(parse_document(text, str(path), digest, SubmissionError), ruleset)
    assert fast == full


def test_assessing_many_units_compiles_each_ruleset_once(mini, monkeypatch):
    from conftest import score

    calls: list[str] = []
    real = compiler.compile_ruleset

    def counting(ruleset):
        calls.append(ruleset.sha256)
        return real(ruleset)

    monkeypatch.setattr(evaluate, "compile_ruleset", counting)
    monkeypatch.setattr(evaluate, "_COMPILED", {})
    totals = {score(mini, with_values(GOOD_MINI, 未报备件数=n)).total for n in range(6)}
    assert calls == [mini.sha256]
    assert len(totals) > 1  # the units really differ


def test_the_non_printable_check_is_ruamels_for_every_code_point():
    from ruamel.yaml.reader import Reader

    from engine.documents import fast_json

    every = "".join(map(chr, range(0x110000)))
    ours = [m.start() for m in fast_json._NON_PRINTABLE.finditer(every)]
    assert ours == [m.start() for m in Reader.NON_PRINTABLE.finditer(every)]
    assert 0 in ours and 0x85 not in ours and 0xFFFE in ours and 0x10FFFF not in ours  # the set is not empty
