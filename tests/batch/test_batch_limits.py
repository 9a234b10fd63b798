"""A batch at bounded cost and with honest failures: --jobs is capped at the CPUs this process may
use, and a full disk names the unit and folder whose scoresheet could not be written, leaving
no half-written file; the summary that cannot be written is a located exit 3."""

from __future__ import annotations

import errno
import os

import pytest
from batch_helpers import EXAMPLES

from engine.batch import run as batching
from engine.cli import main
from engine.cli.batch import _workers

HUASHAN = EXAMPLES / "huashan-2012.json"


def run(capsys, args: list) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(["batch", *[str(a) for a in args]])
    return info.value.code, capsys.readouterr().err


def test_jobs_are_capped_at_the_available_cpus_and_it_is_said(capsys):
    cpus = len(os.sched_getaffinity(0))
    assert _workers(cpus + 22) == cpus
    assert f"注意：--jobs {cpus + 22} 超过可用的 CPU 核数，按 {cpus} 个进程评分。" in capsys.readouterr().err
    assert _workers(None) == cpus
    assert _workers(1) == 1 and capsys.readouterr().err == ""


def _units(folder, n: int) -> None:
    text = HUASHAN.read_text(encoding="utf-8")
    for i in range(n):
        (folder / f"u{i}.json").write_text(text.replace("花山区人民政府", f"单位{i}"), encoding="utf-8")


def test_a_full_disk_names_the_unit_and_leaves_no_part(capsys, tmp_path, monkeypatch):
    (tmp_path / "in").mkdir()
    _units(tmp_path / "in", 3)
    real_open = open
    calls = []

    def full_disk(path, mode="r", *args, **kwargs):  # the second scoresheet fills the disk half-way
        handle = real_open(path, mode, *args, **kwargs)
        if "w" in mode:
            calls.append(path)
            if len(calls) == 2:
                real_write = handle.write

                def write(data):
                    real_write(data[: len(data) // 2])
                    raise OSError(errno.ENOSPC, "No space left on device")

                handle.write = write
        return handle

    monkeypatch.setattr(batching, "open", full_disk, raising=False)
    out = tmp_path / "out"
    code, err = run(capsys, [tmp_path / "in", "-o", out, "--jobs", "1"])
    assert code == 1, err
    assert f"{tmp_path / 'in' / 'u1.json'}: 评分表写不成，未写出（输出文件夹 {out}）：磁盘空间不足" in err
    names = sorted(p.name for p in out.iterdir())
    assert names == ["单位0-2012年度评分表.xlsx", "单位2-2012年度评分表.xlsx", "汇总.xlsx"]


def test_a_summary_that_cannot_be_written_is_a_located_exit_3(capsys, tmp_path, monkeypatch):
    from engine.files import atomic

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    out = tmp_path / "out"
    code, err = run(capsys, [HUASHAN, "-o", out, "--format", "json"])
    assert code == 3, err
    assert f"{out / '汇总.json'}: 磁盘空间不足" in err
    assert os.listdir(out) == []
