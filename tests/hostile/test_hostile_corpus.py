"""The hostile-input corpus, each case in its own process under a memory limit and a timeout.

A regression fails here instead of swapping: the process gets RLIMIT_AS (virtual memory) and
RLIMIT_CPU, is killed after its wall-clock bound, and its peak resident memory and CPU time are
compared with the case's bound. Cases whose behaviour comes with a change not in this tree are
expected to fail (strict: once it arrives, the mark must go).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT
from hostile_cases import CASES, Case

# the child reports its own peak memory and CPU time, and its workers', on the way out
RUNNER = """
import atexit, json, os, resource, sys
def _peak_kb(own):
    # ru_maxrss survives execve: a child forked from a large pytest process would report pytest's size;
    # VmHWM is this process's own peak since exec
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    except (OSError, StopIteration, ValueError):
        return own.ru_maxrss
def _report():
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(os.environ["HOSTILE_REPORT"], "w") as fh:
        json.dump({"kb": max(_peak_kb(own), kids.ru_maxrss),
                   "cpu": own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime}, fh)
atexit.register(_report)
from engine.cli.app import main
main(sys.argv[1:])
"""
VIRTUAL_FLOOR = 1024  # MB of address space every run gets at least (libraries map more than they touch)


def _limits(case: Case):
    def apply() -> None:
        import resource

        virtual = max(VIRTUAL_FLOOR, 3 * case.megabytes) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (virtual, virtual))
        cpu = int(case.cpu) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))

    return apply


def _marks(case: Case) -> list:
    return [pytest.mark.slow]  # a fresh interpreter importing the engine takes more than a second


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=_marks(c)) for c in CASES])
def test_hostile_input_is_refused_within_its_bound(case: Case, tmp_path: Path):
    folder = tmp_path / "case"
    folder.mkdir()
    args = case.make(folder)
    report = tmp_path / "report.json"
    env = dict(os.environ, HOSTILE_REPORT=str(report), NO_COLOR="1", PYTHONPATH=str(ROOT))
    started = time.monotonic()
    try:
        run = subprocess.run(
            [sys.executable, "-c", RUNNER, *args],
            cwd=folder,
            env=env,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=case.wall,
            preexec_fn=_limits(case),
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{case.id}: still running after {case.wall:.0f} s ({case.bullet})")
    wall = time.monotonic() - started
    out = run.stdout.decode("utf-8", "replace") + run.stderr.decode("utf-8", "replace")
    assert run.returncode == case.exit, f"{case.id}: exit {run.returncode} ≠ {case.exit} ({case.bullet})\n{out[-3000:]}"
    assert "Traceback" not in out, out[-3000:]
    if case.fragment:
        assert case.fragment in out, f"{case.id}: no “{case.fragment}” in\n{out[-3000:]}"
    used = json.loads(report.read_text())
    assert used["kb"] <= case.megabytes * 1024, f"{case.id}: peak {used['kb'] // 1024} MB > {case.megabytes} MB"
    assert used["cpu"] <= case.cpu, f"{case.id}: {used['cpu']:.1f} s of CPU > {case.cpu} s (wall {wall:.1f} s)"
    if case.after:
        case.after(folder, out)


def test_every_case_has_a_unique_id_and_a_bound():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    for case in CASES:
        assert case.cpu > 0 and case.megabytes > 0 and case.wall >= case.cpu and case.exit in (0, 1, 3)
