"""Memory the batch's main process keeps per unit for the 汇总: rows as they arrive from a worker
(unpickled), kept as they are and kept through engine.batch.run.shared. Prints figures only.

    python benchmarks/rows.py [--rows 3000]
"""

from __future__ import annotations

import argparse
import dataclasses
import pickle
import tracemalloc
from pathlib import Path

from engine import api
from engine.batch.run import shared
from engine.tools.summary import unit_row

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000)
    n = parser.parse_args().rows
    made = [
        pickle.dumps(unit_row(i, str(p), api.assess_file(p)))
        for i, p in enumerate(sorted((ROOT / "examples").glob("national-*.json")))
    ]
    for mode in ("as they arrive", "shared"):
        tracemalloc.start()
        pool: dict = {}
        kept = []
        for k in range(n):
            row = pickle.loads(made[k % len(made)])
            row = dataclasses.replace(row, index=k, file=f"u{k}.json", unit=f"单位{k}")
            kept.append(shared(row, pool) if mode == "shared" else row)
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"{mode:>15}: {current / n / 1024:.1f} KiB a row over {n} rows (peak {peak / 2**20:.1f} MiB)")
        del kept, pool


if __name__ == "__main__":
    main()
