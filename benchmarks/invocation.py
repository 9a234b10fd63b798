"""Wall time of whole `assess` invocations (interpreter start to exit), as an assessor waits for them.

    python benchmarks/invocation.py [--assess PATH]... [--runs N] [-- ARGS...]

Defaults to `assess examples/national-bureau-2022.json -o TMP/x.xlsx` with the `assess` next to
this interpreter; several `--assess /other/venv/bin/assess` are timed in turns (one run of each,
then the next round), so a before/after pair meets the same load. Each run writes into a fresh
folder; the load average is printed beside every figure because the machine is shared, and the
CPU time (user + system) of each run beside its wall time: on a loaded machine it varies far less.
A one-file assessment to a workbook may fork a copy (engine/cli/ahead.py): its CPU time is counted
too, so that run's CPU exceeds its wall time; `ASSESS_NO_FORK=1` in the environment times it in one
process.
One warm-up run of each is not counted (it fills the page cache and the ruleset cache).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run_once(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one run; CPU time says more than wall on a loaded machine."""
    with tempfile.TemporaryDirectory() as tmp:
        argv = [a.replace("{tmp}", tmp) for a in argv]
        cpu = _cpu()
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=tmp, capture_output=True)
        elapsed = time.perf_counter() - start
        cpu = _cpu() - cpu
    if done.returncode != 0:
        sys.exit(f"exit {done.returncode}: {done.stderr.decode(errors='replace')[:500]}")
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assess", action="append")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("args", nargs="*")
    ns = parser.parse_args()
    # absolute: each run starts in its own temporary folder
    programs = [str(Path(p).absolute()) for p in ns.assess or [Path(sys.executable).with_name("assess")]]
    args = ns.args or [str(ROOT / "examples" / "national-bureau-2022.json"), "-o", "{tmp}/x.xlsx"]
    before = load()
    times: dict[str, list[tuple[float, float]]] = {p: [] for p in programs}
    for round_ in range(ns.runs + 1):
        for program in programs:
            elapsed = run_once([program, *args])
            if round_:
                times[program].append(elapsed)
    after = load()
    print(f"assess {' '.join(args)[-60:]}: {ns.runs} runs each, load {before} → {after}")
    for program, values in times.items():
        wall, cpu = [v[0] for v in values], [v[1] for v in values]
        print(
            f"  {program[-40:]:<40} s min {min(wall):.3f}  median {statistics.median(wall):.3f}"
            f"  max {max(wall):.3f}   CPU s min {min(cpu):.3f}  median {statistics.median(cpu):.3f}"
        )


if __name__ == "__main__":
    main()
