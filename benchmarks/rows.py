"""Memory the batch's main process keeps per unit for the 汇总. Prints figures only.

    python benchmarks/rows.py [--rows 3000]                 # KiB a row: as it arrives vs through `shared`
    python benchmarks/rows.py --summary 1000 10000          # peak RSS: N rows kept, then the 汇总 written
    python benchmarks/rows.py --summary 1000 10000 --in-memory   # the same, rows in a list, 汇总 built whole
    python benchmarks/rows.py --batch 1000 10000            # peak RSS of `assess batch` whose workers only copy rows

Rows are made from the three national examples and unpickled as from a worker. `--summary`
runs each N in a fresh process: the rows kept as `assess batch` keeps them (a RowFile on disk;
`--in-memory`: a list through engine.batch.run.shared, as the server's finalize keeps them), then
build_summary and the 汇总.xlsx written to a temporary folder (streamed; `--in-memory`: built
whole, then saved); it prints the peak RSS (ru_maxrss) after each step — the main process of
`assess batch` without its pool, in seconds rather than the minutes a real batch of 10,000 takes
(benchmarks/batch.py). `--batch` runs the whole `assess batch` command in a fresh process, with
workers that hand back a copy of an example's row (and an empty scoresheet) instead of assessing:
the main process as in a real batch — inputs, pool, renames, rows, 汇总 — in a minute or two.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from engine import api
from engine.batch.run import shared
from engine.tools.summary import unit_row

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.datetime(2023, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _made() -> list[bytes]:
    return [
        pickle.dumps(unit_row(i, str(p), api.assess_file(p, as_of=AS_OF)))
        for i, p in enumerate(sorted((ROOT / "examples").glob("national-*.json")))
    ]


def _row(made: list[bytes], k: int):
    row = pickle.loads(made[k % len(made)])
    return dataclasses.replace(row, index=k, file=f"u{k}.json", unit=f"单位{k}", sheet=f"单位{k}-评分表.xlsx")


def _mib() -> float:
    kib = 1 if sys.platform != "darwin" else 1 / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * kib / 1024


def summary_run(n: int, in_memory: bool = False) -> dict:
    """In this process: n rows kept, the summary built, the 汇总 written; peak RSS after each."""
    from engine.batch.run import RowFile
    from engine.files.atomic import write_bytes_atomic
    from engine.tools.summary import NAMES_SHOWN, build_summary
    from scoresheets.reproducible import stamp, workbook_bytes
    from scoresheets.summary import build_summary_workbook, write_summary_workbook

    made = _made()
    out = {"start": _mib()}
    with tempfile.TemporaryDirectory() as tmp:
        if in_memory:
            pool: dict = {}
            kept = [shared(_row(made, k), pool) for k in range(n)]
        else:
            kept = RowFile(tmp)
            for k in range(n):
                kept.append(_row(made, k))
        out["rows"] = _mib()
        start = time.perf_counter()
        summary = build_summary(
            kept, [], inputs=n, assessed_at=AS_OF.isoformat(), names=None if in_memory else NAMES_SHOWN
        )
        out["summary"] = _mib()
        target = Path(tmp) / "汇总.xlsx"
        if in_memory:  # as it was: built whole, the zip in memory, then written
            wb = build_summary_workbook(summary, stream=False)
            stamp(wb, AS_OF, "汇总")
            write_bytes_atomic(target, workbook_bytes(wb, AS_OF))
        else:  # as assess batch writes it
            write_summary_workbook(summary, target)
        out["bytes"] = target.stat().st_size
    out["xlsx"] = _mib()
    out["seconds"] = time.perf_counter() - start
    return out


_MADE: list[bytes] = []


def copy_task(item):
    """A worker's task that assesses nothing: an example's row under the unit's number, an empty scoresheet."""
    from engine.batch import run

    if not _MADE:
        _MADE.extend(_made())
    row = dataclasses.replace(_row(_MADE, item.index), file=item.shown)
    part = Path(run._CONFIG.folder) / run.part_name(run._CONFIG.token, item.index)
    part.write_bytes(b"")
    return run.Outcome(item.index, row=row, part=str(part))


def batch_run(n: int, jobs: int) -> dict:
    """In this process: `assess batch` over n inputs with copy_task; peak RSS and time."""
    from engine.batch import run
    from engine.cli.app import main

    run.run.__kwdefaults__["task"] = copy_task
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "in"
        inputs.mkdir()
        for k in range(n):
            (inputs / f"u{k:05d}.json").write_text("{}")
        start = time.perf_counter()
        try:
            main(
                ["batch", str(inputs), "-o", str(Path(tmp) / "out"), "--jobs", str(jobs), "--as-of", AS_OF.isoformat()]
            )
        except SystemExit as exc:
            code = exc.code
        seconds = time.perf_counter() - start
        size = (Path(tmp) / "out" / "汇总.xlsx").stat().st_size
    return {"main": _mib(), "seconds": seconds, "code": code, "bytes": size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument(
        "--summary", type=int, nargs="+", metavar="N", help="peak RSS keeping N rows and writing the 汇总"
    )
    parser.add_argument("--in-memory", action="store_true", help="rows in a list, the 汇总 built whole (as before)")
    parser.add_argument("--batch", type=int, nargs="+", metavar="N", help="peak RSS of assess batch, N units copied")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--batch-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(summary_run(args.child, args.in_memory)))
        return
    if args.batch_child:
        print(json.dumps(batch_run(args.batch_child, args.jobs)))
        return
    if args.batch:
        print(f"{'N':>7} {'main MiB':>9} {'s':>7}  exit, 汇总 KiB")
        for n in args.batch:
            command = [sys.executable, __file__, "--batch-child", str(n), "--jobs", str(args.jobs)]
            proc = subprocess.run(command, capture_output=True, text=True)
            lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
            if not lines:
                raise SystemExit(proc.stderr[-3000:])
            f = json.loads(lines[-1])
            print(f"{n:>7} {f['main']:>9.0f} {f['seconds']:>7.1f}  {f['code']}, {f['bytes'] / 1024:.0f}")
        return
    if args.summary:
        print(f"{'N':>7} {'start':>7} {'rows':>7} {'summary':>8} {'汇总':>7}  MiB peak RSS; build+write s, 汇总 KiB")
        for n in args.summary:
            extra = ["--in-memory"] if args.in_memory else []
            command = [sys.executable, __file__, "--child", str(n), *extra]
            proc = subprocess.run(command, capture_output=True, text=True)
            if proc.returncode:
                raise SystemExit(proc.stderr[-3000:])
            f = json.loads(proc.stdout.splitlines()[-1])
            print(
                f"{n:>7} {f['start']:>7.0f} {f['rows']:>7.0f} {f['summary']:>8.0f} {f['xlsx']:>7.0f}"
                f"  {f['seconds']:.1f} s, {f['bytes'] / 1024:.0f} KiB"
            )
        return
    n = args.rows
    made = _made()
    for mode in ("as they arrive", "shared"):
        tracemalloc.start()
        pool: dict = {}
        kept = []
        for k in range(n):
            row = _row(made, k)
            kept.append(shared(row, pool) if mode == "shared" else row)
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"{mode:>15}: {current / n / 1024:.1f} KiB a row over {n} rows (peak {peak / 2**20:.1f} MiB)")
        del kept, pool


if __name__ == "__main__":
    main()
