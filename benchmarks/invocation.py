"""Wall time of whole `assess` invocations (interpreter start to exit), as an assessor waits for them.

    python benchmarks/invocation.py [--assess PATH]... [--runs N] [-- ARGS...]

Defaults to `assess examples/national-bureau-2022.json -o TMP/x.xlsx` with the `assess` next to
this interpreter; several `--assess /other/venv/bin/assess` are timed in turns (one run of each,
then the next round), so a before/after pair meets the same load. Each run writes into a fresh
folder; the load average is printed beside every figure because the machine is shared. One
warm-up run of each is not counted (it fills the page cache and the ruleset cache).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def run_once(argv: list[str]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        argv = [a.replace("{tmp}", tmp) for a in argv]
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=tmp, capture_output=True)
        elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"exit {done.returncode}: {done.stderr.decode(errors='replace')[:500]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assess", action="append")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("args", nargs="*")
    ns = parser.parse_args()
    programs = ns.assess or [str(Path(sys.executable).with_name("assess"))]
    args = ns.args or [str(ROOT / "examples" / "national-bureau-2022.json"), "-o", "{tmp}/x.xlsx"]
    before = load()
    times: dict[str, list[float]] = {p: [] for p in programs}
    for round_ in range(ns.runs + 1):
        for program in programs:
            elapsed = run_once([program, *args])
            if round_:
                times[program].append(elapsed)
    after = load()
    print(f"assess {' '.join(args)[-60:]}: {ns.runs} runs each, load {before} → {after}")
    for program, values in times.items():
        print(
            f"  {program[-40:]:<40} s min {min(values):.3f}  median {statistics.median(values):.3f}"
            f"  max {max(values):.3f}"
        )


if __name__ == "__main__":
    main()
