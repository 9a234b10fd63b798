"""`assess batch` across processes: --jobs 2 equals --jobs 1, a dying worker, kill and Ctrl-C mid-run."""

from __future__ import annotations

import datetime as dt
import gc
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path

import pytest
from batch_helpers import AS_OF, EXAMPLES, ROOT, crash_on_poison, nothing_done, sheet_values, submission
from openpyxl import load_workbook

from engine.batch import run as batch
from engine.cli import main

BROKEN = ROOT / "tests" / "data" / "batch"

pytestmark = pytest.mark.slow  # worker processes, kills, signals (~30 s)


def run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(["batch", *args])
    return info.value.code


def many(folder: Path, n: int) -> Path:
    """n submissions: the examples over and over under new names, some names repeated."""
    folder.mkdir(parents=True, exist_ok=True)
    bases = [("gaizhou-2016", "区县政府"), ("problem-department", "区直部门"), ("qujiang-2019", "区县政府")]
    for i in range(n):
        name = i % (n // 2 or 1)  # unit i and unit i + n/2 share a name (and a year)
        base, unit_type = bases[name % len(bases)]
        submission(folder, f"unit{i:03d}.json", f"单位{name}", unit_type, base=base)
    return folder


def test_jobs_2_writes_exactly_what_jobs_1_writes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    many(tmp_path / "in", 10)
    shutil.copytree(BROKEN, tmp_path / "broken")
    args = ["in", "broken", str(EXAMPLES / "huashan-2012.json"), "--as-of", AS_OF]
    assert run([*args, "-o", "one", "--jobs", "1"]) == 1
    assert run([*args, "-o", "two", "--jobs", "2"]) == 1
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "two").iterdir())
    assert len(names) == 10 + 1 + 1  # scoresheets (five names twice: -2 suffixes), huashan, 汇总
    assert "单位0-2016年度评分表-2.xlsx" in names
    for name in names:
        assert sheet_values(tmp_path / "one" / name) == sheet_values(tmp_path / "two" / name), name
    errors = sheet_values(tmp_path / "two" / "汇总.xlsx")["错误"]
    assert [row[1] for row in errors[3:]] == [
        "broken/bad-syntax.json",
        "broken/string-for-number.json",
        "broken/unknown-unit-type.json",
    ]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are copies of the parent only on Linux")
def test_workers_copied_from_the_parent_write_the_same_bytes(tmp_path, monkeypatch):
    """A fresh `assess batch` starts its workers as copies of itself (it has made no durable state);
    they write byte for byte what one process writes."""
    monkeypatch.chdir(tmp_path)
    many(tmp_path / "in", 6)
    shutil.copytree(BROKEN, tmp_path / "broken")
    args = ["in", "broken", "--as-of", AS_OF]
    assert run([*args, "-o", "one", "--jobs", "1"]) == 1
    probe = "import engine.batch.run as r; print(r.start_method())"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout == "fork\n"
    two = subprocess.run(
        [sys.executable, "-m", "engine", "batch", *args, "-o", "two", "--jobs", "2"], capture_output=True, text=True
    )
    assert two.returncode == 1, two.stderr
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "two").iterdir()) and len(names) == 7
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    # each unit's line once: nothing the parent had buffered is written again by a worker
    assert sorted(two.stderr.splitlines()[:9]) == sorted(set(two.stderr.splitlines()[:9]))


def test_workers_are_fresh_interpreters_once_durable_state_or_threads_exist(monkeypatch):
    from engine.evaluation.durable import adapter

    monkeypatch.setattr(adapter, "_ADAPTER", None)
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        assert batch.start_method() == "fork"
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert batch.start_method() == "spawn"  # a lock another thread holds would stay held in a copy
    finally:
        release.set()
        other.join()
    monkeypatch.setattr(adapter, "_ADAPTER", object())
    assert batch.start_method() == "spawn"  # durable's C state is never copied


def test_a_worker_that_dies_costs_only_its_own_submission(tmp_path):
    folder = many(tmp_path / "in", 6)
    shutil.copy(folder / "unit001.json", folder / "poison.json")
    items, failures = batch.discover([str(folder)])
    assert failures == [] and len(items) == 7
    out = tmp_path / "out"
    out.mkdir()
    seen = []
    rows, failures = batch.run(
        items,
        [],
        rules=None,
        as_of=dt.datetime.fromisoformat(AS_OF),
        folder=out,
        jobs=2,
        on_unit=seen.append,
        task=crash_on_poison,
    )
    assert [f.file for f in failures] == [str(folder / "poison.json")]
    assert failures[0].problems == (
        f"{folder / 'poison.json'}: 评分进程异常退出，未评分（可重新运行；如仍出错，请单独评分此文件并加 --debug）",
    )
    assert [r.file for r in rows] == [str(folder / f"unit{i:03d}.json") for i in range(6)]
    assert [getattr(u, "index", None) for u in seen] == list(range(7))  # in input order
    assert len([p for p in out.iterdir() if p.suffix == ".xlsx"]) == 6
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]


def test_the_parent_keeps_no_outcome_once_it_is_handed_on():
    # a finished future holds its outcome: kept in a dict to the end of the batch, they held every
    # unit's row as unpickled (tens of KB each) and grew the main process with the batch
    items = [batch.Input(i, f"u{i}.json") for i in range(8)]
    config = batch.WorkerConfig(None, dt.datetime.fromisoformat(AS_OF), None, "t")
    earlier: list[weakref.ref] = []

    def emit(outcome: batch.Outcome) -> None:
        gc.collect()
        assert [ref() for ref in earlier] == [None] * len(earlier)
        earlier.append(weakref.ref(outcome))

    left, suspects = batch._round(items, 2, config, nothing_done, emit)
    assert (left, suspects, len(earlier)) == ([], set(), 8)


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "engine", "batch", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, like a job in a terminal
    )


def _wait_for_sheets(proc: subprocess.Popen, out: Path, count: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if out.is_dir() and len([p for p in out.iterdir() if p.suffix == ".xlsx"]) >= count:
            return
        time.sleep(0.02)
    pytest.fail(f"the batch did not get going: {proc.poll()}")


def _assert_only_complete_files(out: Path) -> list[str]:
    names = []
    for p in out.iterdir():
        if p.suffix == ".xlsx":
            load_workbook(p)  # a truncated file would not open
            names.append(p.name)
        else:
            assert p.name.startswith(".") and p.name.endswith(".part"), p.name
    return names


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_killed_run_leaves_no_truncated_file_and_a_rerun_completes_it(tmp_path):
    many(tmp_path / "in", 30)
    out = tmp_path / "out"
    args = ["in", "-o", "out", "--jobs", "2", "--as-of", AS_OF]
    proc = _start(args, tmp_path)
    _wait_for_sheets(proc, out, 3)
    workers = _children(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)  # only the parent: its workers must notice and stop
    proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not all(_gone(w) for w in workers):
        time.sleep(0.05)
    assert workers and all(_gone(w) for w in workers)
    written = _assert_only_complete_files(out)
    assert 3 <= len(written) < 31 and "汇总.xlsx" not in written

    rerun = subprocess.run(
        [sys.executable, "-m", "engine", "batch", *args], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert rerun.returncode == 0, rerun.stderr
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 31 and "汇总.xlsx" in names  # 30 scoresheets and the 汇总, nothing else
    assert _assert_only_complete_files(out) and not [n for n in names if n.startswith(".")]
    ranked = [row for row in sheet_values(out / "汇总.xlsx")["排名"] if isinstance(row[0], int)]
    assert len(ranked) == 30  # one line a unit, under its group's heading


def test_ctrl_c_stops_cleanly(tmp_path):
    many(tmp_path / "in", 40)
    out = tmp_path / "out"
    proc = _start(["in", "-o", "out", "--jobs", "2", "--as-of", AS_OF], tmp_path)
    _wait_for_sheets(proc, out, 2)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends: the whole group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    assert err.decode().splitlines()[-1] == "已中止。"
    assert "Traceback" not in err.decode()
    written = _assert_only_complete_files(out)
    assert "汇总.xlsx" not in written and len(written) < 40
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # its own temporary files removed


def test_undecodable_file_names_are_shown_not_fatal(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    good = submission(folder, "ok.json", "好单位")
    with open(os.path.join(os.fsencode(folder), b"bad-\xff.json"), "wb") as fh:
        fh.write(good.read_bytes())
    assert run([str(folder), "--format", "json", "--as-of", AS_OF, "-j", "1"]) == 0
    out = capsys.readouterr().out
    assert '"file": "bad-\ufffd.json"' in out  # relative to the batch's folder
    assert run([str(folder), "-o", str(tmp_path / "out"), "--as-of", AS_OF, "-j", "1"]) == 0
    ranked = [row for row in sheet_values(tmp_path / "out" / "汇总.xlsx")["排名"] if isinstance(row[0], int)]
    assert [row[1] for row in ranked] == ["好单位", "好单位"]


def test_put_text_never_writes_a_workbook_that_cannot_be_opened(tmp_path):
    from openpyxl import Workbook

    from scoresheets.cells import put_text
    from scoresheets.print_setup import apply_print_setup
    from scoresheets.styles import BODY, register_styles

    wb = Workbook()
    register_styles(wb)
    put_text(wb.active, 1, 1, "局\ud800名\ud83d\ude00\x07", BODY)
    apply_print_setup(wb.active, "1:1", header_right="页眉\udcff")
    wb.save(tmp_path / "x.xlsx")
    assert load_workbook(tmp_path / "x.xlsx").active["A1"].value == "局\ufffd名😀"


def test_a_progress_bar_on_a_terminal(tmp_path):
    pty = pytest.importorskip("pty")
    many(tmp_path / "in", 6)
    shutil.copy(BROKEN / "bad-syntax.json", tmp_path / "in" / "zz-bad.json")
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine", "batch", "in", "-o", "out", "--jobs", "1", "--as-of", AS_OF],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=slave,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # the other end closed
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=120) == 1
    screen = b"".join(chunks).decode()
    assert "评分  [" in screen and "7/7" in screen and "份/秒" in screen
    assert "\r" in screen  # redrawn in place, not one line per unit
    assert "✓" not in screen  # successes only counted
    lines = [line for line in screen.split("\r\n") if line]
    assert lines[-5].startswith("✗ in/zz-bad.json → in/zz-bad.json:5:21: 语法错误")  # failures after the bar
    assert lines[-4].startswith("完成：申报文件7份，已评分6份，未能评分1份")
    assert lines[-3].startswith("分组：本批申报分为")  # 2012 区直部门, 2016 and 2019 区县政府
    assert lines[-2:] == ["汇总：out/汇总.xlsx", "未能评分的申报文件及原因见汇总的“错误”表。"]
