"""A sentence longer than MAX_SENTENCE_CHARS is read in pieces cut after a clause mark, so each
look around a match costs at most that much and extraction is linear in a report's length
(benchmarks/hostile.py times it); the pieces keep their columns and a figure in them is found."""

from __future__ import annotations

from pathlib import Path

from engine.extract.extractor import extract
from engine.extract.report import MAX_SENTENCE_CHARS, read_report, split_sentences
from engine.ruleset.load import load_rules

ROOT = Path(__file__).resolve().parents[2]


def test_a_long_line_is_cut_after_clause_marks_and_keeps_its_columns():
    line = "政务服务办理审批1件，" * 500  # 5,500 characters, no sentence end
    pieces = split_sentences([line])
    assert all(len(s.text) <= MAX_SENTENCE_CHARS for s in pieces)
    assert "".join(s.text for s in pieces) == line
    assert all(s.text.endswith("，") for s in pieces[:-1])
    assert [s.col for s in pieces] == [1 + sum(len(p.text) for p in pieces[:i]) for i in range(len(pieces))]


def test_a_line_without_any_mark_is_cut_at_the_limit():
    pieces = split_sentences(["法" * (MAX_SENTENCE_CHARS * 2 + 5)])
    assert [len(s.text) for s in pieces] == [MAX_SENTENCE_CHARS, MAX_SENTENCE_CHARS, 5]


def test_a_figure_in_a_long_one_sentence_report_is_found(tmp_path):
    report = tmp_path / "报告.txt"
    report.write_text("某区2021年度法治政府建设工作报告\n" + "政务服务办理审批1件" * 3000, encoding="utf-8")
    found = extract(read_report(report), load_rules(ROOT / "rules" / "national-model-2021.yaml")).findings
    assert found["审批办件数"].value == 1
    assert len(found["审批办件数"].citations) == 3000
