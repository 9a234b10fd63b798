"""Wall time of whole `assess` invocations (interpreter start to exit), as an assessor waits for them.

    python benchmarks/invocation.py [--assess PATH] [--runs N] [-- ARGS...]

Defaults to `assess examples/national-bureau-2022.json -o TMP/x.xlsx` with the `assess` next to
this interpreter; `--assess /other/venv/bin/assess` times another checkout in the same conditions.
Each run writes into a fresh folder; the load average is printed beside every figure because the
machine is shared. One warm-up run is not counted (it fills the page cache and the ruleset cache).
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


def time_runs(command: list[str], runs: int) -> list[float]:
    times = []
    for i in range(runs + 1):
        with tempfile.TemporaryDirectory() as tmp:
            argv = [a.replace("{tmp}", tmp) for a in command]
            start = time.perf_counter()
            done = subprocess.run(argv, cwd=tmp, capture_output=True)
            elapsed = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"exit {done.returncode}: {done.stderr.decode(errors='replace')[:500]}")
        if i:
            times.append(elapsed)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assess", default=str(Path(sys.executable).with_name("assess")))
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("args", nargs="*")
    ns = parser.parse_args()
    args = ns.args or [str(ROOT / "examples" / "national-bureau-2022.json"), "-o", "{tmp}/x.xlsx"]
    before = load()
    times = time_runs([ns.assess, *args], ns.runs)
    print(
        f"{' '.join(args)[:70]:<70} {ns.runs} runs  s min {min(times):.3f}  median {statistics.median(times):.3f}"
        f"  max {max(times):.3f}  load {before} → {load()}"
    )


if __name__ == "__main__":
    main()
