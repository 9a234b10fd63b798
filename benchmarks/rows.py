"""Memory the batch's main process keeps per unit for the 汇总. Prints figures only.

    python benchmarks/rows.py [--rows 3000]                 # KiB a row: as it arrives vs through `shared`
    python benchmarks/rows.py --summary 1000 10000          # peak RSS: N rows kept, then the 汇总 written

Rows are made from the three national examples and unpickled as from a worker. `--summary`
runs each N in a fresh process: the rows kept as the batch's main process keeps them
(engine.batch.run.shared), then build_summary and the 汇总.xlsx written to a temporary folder;
it prints the peak RSS (ru_maxrss) after each step — the main process of `assess batch` without
its pool, in seconds rather than the minutes a real batch of 10,000 takes (benchmarks/batch.py).
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


def summary_run(n: int) -> dict:
    """In this process: n rows kept, the summary built, the 汇总 written; peak RSS after each."""
    from engine.tools.summary import build_summary
    from scoresheets.summary import write_summary_workbook

    made = _made()
    out = {"start": _mib()}
    pool: dict = {}
    kept = [shared(_row(made, k), pool) for k in range(n)]
    out["rows"] = _mib()
    start = time.perf_counter()
    summary = build_summary(kept, [], inputs=n, assessed_at=AS_OF.isoformat())
    out["summary"] = _mib()
    with tempfile.TemporaryDirectory() as tmp:
        write_summary_workbook(summary, Path(tmp) / "汇总.xlsx")
        out["bytes"] = (Path(tmp) / "汇总.xlsx").stat().st_size
    out["xlsx"] = _mib()
    out["seconds"] = time.perf_counter() - start
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument(
        "--summary", type=int, nargs="+", metavar="N", help="peak RSS keeping N rows and writing the 汇总"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(summary_run(args.child)))
        return
    if args.summary:
        print(f"{'N':>7} {'start':>7} {'rows':>7} {'summary':>8} {'汇总':>7}  MiB peak RSS; build+write s, 汇总 KiB")
        for n in args.summary:
            proc = subprocess.run([sys.executable, __file__, "--child", str(n)], capture_output=True, text=True)
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
