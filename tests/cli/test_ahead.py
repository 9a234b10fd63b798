"""A one-file assessment begun in a forked copy (engine.cli.ahead) shows exactly what the
one-process run shows: the same bytes, messages and exit codes; nothing left running."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from engine.cli.ahead import can_fork, one_assessment
from engine.errors import Location, Problem, RulesError, SubmissionError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
HISTORY = EXAMPLES / "history"
linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux") or len(os.sched_getaffinity(0)) < 2,
    reason="the copy is made on Linux with two or more processors only",
)


def _assess(cwd: Path, *args: str, fork: bool, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`assess ARGS` as the program, with or without the copy."""
    environ = {**os.environ, **(env or {}), "ASSESS_NO_FORK": "0" if fork else "1"}
    return subprocess.run(
        [sys.executable, "-c", "from engine.cli import main; main()", *args],
        cwd=cwd,
        capture_output=True,
        timeout=180,
        env=environ,
    )


def test_what_looks_like_one_assessment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("a.json").write_text("{}", encoding="utf-8")
    Path("batch").mkdir()
    assert one_assessment(["a.json"])
    assert one_assessment(["a.json", "-o", "x.xlsx", "--format", "xlsx"])
    assert one_assessment(["a.json", "--format=xlsx", "--rules", "r.yaml"])
    for args in (
        [],
        ["batch", "a.json"],  # a verb (a folder of that name is no file)
        ["missing.json"],
        ["-o", "x.xlsx", "a.json"],
        ["a.json", "--format", "json"],
        ["a.json", "--format=text"],
        ["a.json", "--format"],
        ["a.json", "-h"],
        ["a.json", "--version"],
    ):
        assert not one_assessment(args), args


@linux_only
def test_a_copy_is_made_only_with_a_processor_to_spare(monkeypatch):
    monkeypatch.delitem(sys.modules, "engine.evaluation.durable.adapter", raising=False)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.delenv("ASSESS_NO_FORK", raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.4, 2.0, 2.0))
    assert can_fork()
    monkeypatch.setattr(os, "getloadavg", lambda: (1.6, 0.0, 0.0))
    assert not can_fork()  # more than all but half a processor busy
    monkeypatch.setenv("ASSESS_NO_FORK", "0")
    assert can_fork()  # whatever the load
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert not can_fork()  # one processor: nothing to run the copy on
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert not can_fork()  # a second thread: a lock it holds would stay held in the copy
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setenv("ASSESS_NO_FORK", "1")
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert not can_fork()


def test_an_input_error_keeps_its_problems_through_pickle():
    where = Location("x.yaml", 3, 5, path=("指标", "A"))
    for error in (
        RulesError([Problem(where, "应为数值", "schema.type", "A")]),
        SubmissionError(Problem(where, "缺少")),
    ):
        again = pickle.loads(pickle.dumps(error))
        assert type(again) is type(error) and again.problems == error.problems and str(again) == str(error)


def _same_run(tmp_path: Path, name: str, *args: str) -> tuple[subprocess.CompletedProcess, bytes | None]:
    """Run with and without the copy in folders of their own; both must show the same."""
    runs = []
    for fork in (True, False):
        cwd = tmp_path / f"{name}-{fork}"
        cwd.mkdir()
        done = _assess(cwd, *args, "--as-of", "2024-03-01T09:00:00+08:00", "-o", "out.xlsx", fork=fork)
        book = cwd / "out.xlsx"
        runs.append((done, book.read_bytes() if book.exists() else None))
    (forked, forked_book), (alone, alone_book) = runs
    assert forked.returncode == alone.returncode
    assert forked.stdout == alone.stdout
    assert forked.stderr.decode() == alone.stderr.decode()
    assert forked_book == alone_book
    return forked, forked_book


@linux_only
@pytest.mark.slow
def test_scoresheets_and_messages_are_those_of_one_process(tmp_path):
    done, book = _same_run(tmp_path, "national", str(EXAMPLES / "national-bureau-2022.json"))
    assert done.returncode == 0 and book is not None and "总分 94.07 / 100" in done.stderr.decode()
    done, book = _same_run(
        tmp_path,
        "history",
        str(HISTORY / "2013" / "huanbao.json"),
        "--rules",
        str(HISTORY / "history-demo.yaml"),
        "--overrides",
        str(HISTORY / "review.yaml"),
        "--history",
        str(HISTORY / "2012.json"),
    )
    assert done.returncode == 0 and book is not None and "较上年" in done.stderr.decode()


@linux_only
def test_an_input_error_is_reported_once_and_nothing_is_written(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"单位名称": "区司法局", "考核年度": 2022,\n', encoding="utf-8")  # cut short
    done, book = _same_run(tmp_path, "bad", str(bad))
    err = done.stderr.decode()
    assert done.returncode == 3 and book is None
    assert err.count("错误：申报数据有误") == 1 and "bad.json" in err


PROBE = """
import os, sys
from engine.cli import ahead, main
mode = sys.argv.pop(1)
real = ahead.Request.assess
parent = os.getpid()

def assess(self):
    if os.getpid() != parent:  # in the copy only
        if mode == "dies":
            os._exit(9)
        if mode == "fails":
            raise RuntimeError("an unexpected failure in the copy")
        if mode == "unpicklable":
            return lambda: None
    print("parent assessed", file=sys.__stderr__)
    return real(self)

ahead.Request.assess = assess
main()
"""


@linux_only
@pytest.mark.parametrize("mode", ["dies", "fails", "unpicklable", "answers"])
def test_the_work_is_done_here_when_the_copy_cannot_answer(tmp_path, mode):
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode, str(EXAMPLES / "national-bureau-2022.json"), "-o", "out.xlsx"],
        cwd=tmp_path,
        capture_output=True,
        timeout=180,
        env={**os.environ, "ASSESS_NO_FORK": "0"},
    )
    err = done.stderr.decode()
    assert done.returncode == 0, err
    assert "总分 94.07 / 100" in err and (tmp_path / "out.xlsx").is_file()
    assert err.count("parent assessed") == (0 if mode == "answers" else 1)


def _running(mark: str) -> list[int]:
    """Processes whose environment carries `mark`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if mark.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@linux_only
def test_no_copy_is_left_running_whatever_the_command_turned_out_to_be(tmp_path):
    mark = f"ASSESS_TEST_MARK={uuid.uuid4()}"
    key, value = mark.split("=")
    example = str(EXAMPLES / "national-bureau-2022.json")
    for args, code in (
        ((example, "--no-such-option"), 2),  # a usage error after the copy began
        ((example, "--as-of", "yesterday"), 2),
        ((example, "-o", "out.xlsx"), 0),
    ):
        done = _assess(tmp_path, *args, fork=True, env={key: value})
        assert done.returncode == code, done.stderr.decode()
        assert _running(mark) == []


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@linux_only
def test_ctrl_c_leaves_no_copy_behind(tmp_path):
    import signal
    import time

    if not Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists():
        pytest.skip("this kernel does not list a process's children")
    program = [sys.executable, "-c", "from engine.cli import main; main()"]
    for pause in (0.0, 0.05, 0.1):
        started = subprocess.Popen(
            [*program, str(EXAMPLES / "national-bureau-2022.json"), "-o", "out.xlsx"],
            cwd=tmp_path,
            start_new_session=True,
            stderr=subprocess.PIPE,
            env={**os.environ, "ASSESS_NO_FORK": "0"},
        )
        deadline = time.monotonic() + 30
        while not _children(started.pid) and started.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        copies = _children(started.pid)
        time.sleep(pause)
        os.killpg(started.pid, signal.SIGINT)
        started.communicate(timeout=60)
        assert started.returncode in (130, 0)  # interrupted, or done before the key reached it
        assert copies and all(not Path(f"/proc/{pid}").exists() for pid in copies)
        (tmp_path / "out.xlsx").unlink(missing_ok=True)
