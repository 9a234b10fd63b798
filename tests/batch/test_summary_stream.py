"""The 汇总 as `assess batch` writes it — rows read back from a file on disk, counted as they go by,
the workbook streamed row by row — reads back exactly as the 汇总 built whole in memory from the
rows kept in a list: every sheet's cells, styles, merges, widths, heights, print set-up, freeze
panes, filters, charts and defined names."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import os
import shutil
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from batch_helpers import AS_OF, EXAMPLES
from openpyxl import load_workbook
from workbook_facts import differences, workbook_facts

from engine.batch import run as batch
from engine.tools.summary import NAMES_SHOWN, build_summary
from scoresheets.reproducible import stamp, workbook_bytes
from scoresheets.summary import build_summary_workbook, write_summary_workbook

WHEN = dt.datetime.fromisoformat(AS_OF)
REPORT = """花山区人民政府2012年度法治政府建设情况报告
一年来，区政府常务会议专题研究法治建设4次。
"""


def _rows(inputs: list[str], out: Path, rules: str | None = None, **options):
    items, missing = batch.discover(inputs)
    with batch.output_folder(out):
        rows, failures = batch.run(items, missing, rules=rules, as_of=WHEN, folder=out, jobs=1, **options)
    return batch.relative_files(rows, failures, [i.path for i in items] + [f.file for f in missing]), len(items) + len(
        missing
    )


def _both(tmp_path: Path, rows: list, failures: list, inputs: int) -> tuple[Path, Path]:
    """The 汇总 built whole from rows in a list, and streamed from the same rows in a RowFile."""
    whole, streamed = tmp_path / "whole.xlsx", tmp_path / "streamed.xlsx"
    summary = build_summary(rows, failures, inputs=inputs, assessed_at=AS_OF)
    wb = build_summary_workbook(summary, stream=False)
    stamp(wb, WHEN, "汇总")
    whole.write_bytes(workbook_bytes(wb, WHEN))
    with batch.RowFile(tmp_path) as kept:
        for row in rows:
            kept.append(row)
        summary = build_summary(kept, failures, inputs=inputs, assessed_at=AS_OF, names=NAMES_SHOWN)
        write_summary_workbook(summary, streamed)
    return whole, streamed


def _same(whole: Path, streamed: Path) -> None:
    assert differences(workbook_facts(whole), workbook_facts(streamed)) == []


@pytest.mark.parametrize(
    ("inputs", "options"),
    [
        (["examples"], {}),  # every shipped ruleset, a submission that fails, bad records, vetoes
        (["examples/responsibility"], {}),  # 责任分解
        (
            ["examples/history/2013"],
            {"rules": "examples/history/history-demo.yaml", "history": "examples/history/2012.json"},
        ),  # 上年总分, 变化, 等次后果
    ],
    ids=["examples", "responsibility", "history"],
)
def test_the_streamed_summary_reads_back_as_the_one_built_in_memory(tmp_path, monkeypatch, inputs, options):
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    (rows, failures), n = _rows(inputs, tmp_path / "out", **options)
    assert rows
    _same(*_both(tmp_path, rows, failures, n))


def test_a_report_beside_a_submission_is_checked_alike(tmp_path, monkeypatch):
    folder = tmp_path / "申报"
    folder.mkdir()
    shutil.copy(EXAMPLES / "huashan-2012.json", folder / "甲.json")
    (folder / "甲-报告.txt").write_text(REPORT, encoding="utf-8")
    shutil.copy(EXAMPLES / "gaizhou-2016.json", folder / "乙.json")
    monkeypatch.chdir(tmp_path)
    (rows, failures), n = _rows(["申报"], tmp_path / "out")
    assert any(r.report for r in rows)
    whole, streamed = _both(tmp_path, rows, failures, n)
    _same(whole, streamed)
    assert "报告核对" in load_workbook(streamed).sheetnames


def test_many_units_more_names_than_shown_and_equal_totals(tmp_path, monkeypatch):
    """120 units: each item names 30 units and says how many more; equal totals share a rank."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    (rows, failures), _ = _rows(
        [f"examples/{n}.json" for n in ("national-bureau-2022", "gaizhou-2016")], tmp_path / "o"
    )
    many = [
        dataclasses.replace(
            rows[k % 2],
            index=k,
            unit=f"单位{k}",
            file=f"单位{k}.json",
            sheet=f"单位{k}-评分表.xlsx",
            total=rows[k % 2].total - Decimal(k % 7),
        )
        for k in range(120)
    ]
    whole, streamed = _both(tmp_path, many, [], 120)
    _same(whole, streamed)
    names = [c.value for c in load_workbook(streamed)["失分分析"]["L"] if c.value and "等" in str(c.value)]
    assert names and all(n.endswith("个单位") and n.count("、") == NAMES_SHOWN - 1 for n in names)


def test_the_streamed_summary_is_the_same_bytes_every_time(tmp_path, monkeypatch):
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    (rows, failures), n = _rows(["examples"], tmp_path / "out")
    written = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        written.append(_both(tmp_path / name, rows, failures, n)[1].read_bytes())
    assert written[0] == written[1]


def test_rows_on_disk_leave_no_file_and_come_back_whole(tmp_path):
    (rows, _), _ = _rows([str(EXAMPLES / "huashan-2012.json"), str(EXAMPLES / "gaizhou-2016.json")], tmp_path / "o")
    folder = tmp_path / "rows"
    folder.mkdir()
    with batch.RowFile(folder) as kept:
        for row in rows:
            kept.append(row)
        assert os.listdir(folder) == []  # no name: nothing to find, nothing left behind
        assert len(kept) == 2 and list(kept) == rows and kept.row_at(1) == rows[1]
    assert os.listdir(folder) == []


def test_the_bad_records_sheet_written_by_a_copy_of_the_process_is_the_same(tmp_path, monkeypatch):
    """From ASIDE_FROM records the 不良记录汇总 is written by a forked copy while the parent writes the
    sheets before it: the same bytes as written in one process, and the same workbook as built whole."""
    import scoresheets.summary as summary_xlsx

    shutil.copytree(EXAMPLES, tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    (rows, failures), n = _rows(["examples"], tmp_path / "out")
    assert sum(len(r.bad_records) for r in rows) >= 2
    monkeypatch.setattr(summary_xlsx, "ASIDE_FROM", 1)
    joined = []
    join = summary_xlsx._Aside.join
    monkeypatch.setattr(summary_xlsx._Aside, "join", lambda self, wb: joined.append(join(self, wb)) or joined[-1])
    (tmp_path / "a").mkdir()
    whole, aside = _both(tmp_path / "a", rows, failures, n)
    _same(whole, aside)
    if sys.platform.startswith("linux"):
        assert joined == [True]  # a copy wrote it
    monkeypatch.setattr(summary_xlsx._Aside, "start", staticmethod(lambda wb, s: None))
    (tmp_path / "b").mkdir()
    _, here = _both(tmp_path / "b", rows, failures, n)
    assert aside.read_bytes() == here.read_bytes()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="copies of the process only on Linux")
def test_a_copy_that_cannot_write_the_sheet_leaves_it_to_the_parent(tmp_path, monkeypatch):
    import scoresheets.summary as summary_xlsx

    shutil.copytree(EXAMPLES, tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    (rows, failures), n = _rows(["examples"], tmp_path / "out")
    monkeypatch.setattr(summary_xlsx, "ASIDE_FROM", 1)
    (tmp_path / "b").mkdir()
    _, here = _both(tmp_path / "b", rows, failures, n)
    # the copy finds a style the seeding missed: it writes nothing, and the parent writes the sheet
    monkeypatch.setattr(summary_xlsx, "_seed_bad_record_styles", lambda wb, summary: None)
    joined = []
    join = summary_xlsx._Aside.join
    monkeypatch.setattr(summary_xlsx._Aside, "join", lambda self, wb: joined.append(join(self, wb)) or joined[-1])
    (tmp_path / "c").mkdir()
    _, fallback = _both(tmp_path / "c", rows, failures, n)
    assert load_workbook(fallback)["不良记录汇总"]["B4"].value == load_workbook(here)["不良记录汇总"]["B4"].value
    _same(here, fallback)
    assert joined == [False]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="copies of the process only on Linux")
# the parent's 排名 stream, abandoned half-written, complains as it is collected
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_summary_that_fails_midway_leaves_no_copy_and_no_file(tmp_path, monkeypatch):
    """The parent fails while the copy writes the 不良记录汇总: the copy is stopped and waited for,
    its sheet file removed, and the 汇总 not written."""
    import tempfile

    import scoresheets.summary as summary_xlsx

    shutil.copytree(EXAMPLES, tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    (rows, failures), n = _rows(["examples"], tmp_path / "out")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where openpyxl (and the copy) put sheet files
    monkeypatch.setattr(summary_xlsx, "ASIDE_FROM", 1)
    started, pids = [], []

    def start(wb, summary, start=summary_xlsx._Aside.start):
        started.append(start(wb, summary))
        pids.append(started[-1].pid)
        return started[-1]

    monkeypatch.setattr(summary_xlsx._Aside, "start", staticmethod(start))

    def fail(wb, summary):
        raise OSError("disk full")

    monkeypatch.setattr(summary_xlsx, "write_losses", fail)
    summary = build_summary(rows, failures, inputs=n, assessed_at=AS_OF)
    with pytest.raises(OSError, match="disk full"):
        write_summary_workbook(summary, tmp_path / "汇总.xlsx")
    gc.collect()  # the abandoned streams complain here, where the warning is ignored, not at the session's end
    assert pids and pids[0] > 0 and started[0].pid == 0
    with pytest.raises(ChildProcessError):
        os.waitpid(pids[0], os.WNOHANG)  # the copy is gone and waited for, not left a zombie
    assert not (tmp_path / "汇总.xlsx").exists()
    # the copy's file is gone; what is left is the parent's own sheets' files, which openpyxl removes at exit
    from openpyxl.worksheet._writer import ALL_TEMP_FILES

    assert Path(started[0].path).parent == scratch and not Path(started[0].path).exists()
    assert started[0].path not in ALL_TEMP_FILES
    assert {str(p) for p in scratch.iterdir()} <= set(ALL_TEMP_FILES)
