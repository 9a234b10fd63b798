"""A process killed while writing (SIGKILL) leaves the old scoresheet or none, never a part of one."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DATA, GOOD_MINI, ROOT, with_values

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.name != "posix", reason="SIGKILL")]  # kills real processes

# Runs in a child: the real write_scoresheet, with the byte write slowed down half-way
# (the file on disk is then a truncated zip) until the parent kills the process.
SLOW_WRITER = """
import sys, time
from pathlib import Path
from engine import api
import scoresheets

target, ready = Path(sys.argv[1]), Path(sys.argv[2])
result = api.assess_file(sys.argv[3])
real = Path.write_bytes

def slow(self, data):
    with open(self, "wb") as fh:
        fh.write(data[: len(data) // 2])
        fh.flush()
        ready.write_text(str(len(data)))
        time.sleep(120)
        fh.write(data[len(data) // 2 :])

Path.write_bytes = slow
scoresheets.write_scoresheet(result, target)
"""


def wait_for(path: Path, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "the child never reached the write"
        time.sleep(0.02)


@pytest.mark.parametrize("old", [b"the previous scoresheet", None])
def test_sigkill_during_the_write_leaves_the_old_file_or_none(tmp_path, old):
    target = tmp_path / "评分表.xlsx"
    if old is not None:
        target.write_bytes(old)
    ready = tmp_path / "ready"
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER, str(target), str(ready), str(ROOT / "examples" / "huashan-2012.json")],
        cwd=ROOT,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(ready, proc)
        [part] = [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
        assert 0 < part.stat().st_size < int(ready.read_text())  # half written, right now
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    if old is None:
        assert not target.exists()
    else:
        assert target.read_bytes() == old
    # what remains of the dead write is hidden and named for its target
    assert part.exists() and part.name.startswith(".评分表.xlsx.")
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == (
        ["ready"] if old is None else ["ready", "评分表.xlsx"]
    )


def test_killing_the_command_at_any_moment_never_leaves_a_partial_scoresheet(tmp_path):
    # a large submission (500 records) so that a run takes long enough to be killed at many points
    records = [{"案号": f"(2012)测行初字第{n}号", "结果": ["胜诉", "败诉", "撤诉"][n % 3]} for n in range(500)]
    sub = tmp_path / "big.json"
    sub.write_text(json.dumps(with_values(GOOD_MINI, 诉讼案件=records), ensure_ascii=False), encoding="utf-8")
    args = [
        sys.executable,
        "-m",
        "engine",
        str(sub),
        "--rules",
        str(DATA / "mini.yaml"),
        "--as-of",
        "2014-01-15T09:00:00+08:00",
    ]
    reference = tmp_path / "reference.xlsx"
    started = time.monotonic()
    subprocess.run([*args, "-o", str(reference)], check=True, cwd=ROOT, capture_output=True, timeout=120)
    duration = time.monotonic() - started
    new = reference.read_bytes()
    old = b"the previous scoresheet"
    target = tmp_path / "out.xlsx"
    seen = {"old": 0, "new": 0}
    for k in range(5):
        target.write_bytes(old)
        proc = subprocess.Popen(
            [*args, "-o", str(target)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(duration * (0.4 + 0.2 * k))  # from mid-run to just after it would have finished
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        got = target.read_bytes()
        assert got in (old, new), f"kill {k}: {len(got)} bytes, sha {hashlib.sha256(got).hexdigest()}"
        seen["old" if got == old else "new"] += 1
    assert sum(seen.values()) == 5
    print(f"kills: old file intact {seen['old']}, complete new file {seen['new']}, partial 0")


def test_a_new_file_gets_the_usual_permissions_and_a_replaced_one_keeps_its_own(tmp_path):
    from engine.files.atomic import write_text_atomic

    umask = os.umask(0o022)
    try:
        fresh = tmp_path / "new.json"
        write_text_atomic(fresh, "{}")
        assert fresh.stat().st_mode & 0o777 == 0o644  # not mkstemp's owner-only 0o600
        kept = tmp_path / "kept.json"
        kept.write_text("old", encoding="utf-8")
        kept.chmod(0o640)
        write_text_atomic(kept, "new")
        assert kept.read_text(encoding="utf-8") == "new" and kept.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(umask)


def test_a_target_name_at_the_file_system_limit_can_still_be_written(tmp_path):
    from engine.files.atomic import write_text_atomic

    target = tmp_path / ("法" * 80 + ".json")  # 244 bytes: the temporary name must not be longer than 255
    write_text_atomic(target, "{}")
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
