"""Time `assess batch` on synthetic units: N = 100 and 1,000, --jobs 1 and 2. Prints figures only.

    python benchmarks/batch.py [--rules PATH] [--sizes 100 1000] [--jobs 1 2] [--repeat 1] [--seed 1] [--keep DIR]

Each configuration runs in a fresh Python process (so peak memory is per run): the command
itself in-process, its worker processes as children. Reported: wall time, time per unit,
speed-up over the first --jobs value, peak RSS of the main process (getrusage SELF) and of
the largest worker (getrusage CHILDREN), CPU time of all processes (user + system: what the
work costs, whatever else the machine is doing), the main process's own CPU per unit (with
--jobs 2 the parent alone: its share is what keeps 2 jobs from 2×), what was written, and the
load average before and after the run. With --repeat R each
configuration runs R times and the fastest run is shown (on a shared machine the slower ones
mostly measure the neighbours).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
AS_OF = "2014-01-15T09:00:00+08:00"


def measure(inputs: str, out: str, jobs: str, rules: str) -> None:
    """One run of the command in this process; prints a JSON line with the figures."""
    from engine.cli.app import main

    start = time.perf_counter()
    try:
        main(["batch", inputs, "-o", out, "--jobs", jobs, "--rules", rules, "--as-of", AS_OF])
    except SystemExit as exc:
        code = exc.code
    seconds = time.perf_counter() - start
    kib = 1 if sys.platform != "darwin" else 1 / 1024  # ru_maxrss: KiB on Linux, bytes on macOS
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    own, workers = me.ru_maxrss * kib, kids.ru_maxrss * kib
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    main_cpu = me.ru_utime + me.ru_stime
    files = [p for p in Path(out).iterdir()]
    print(
        json.dumps(
            {
                "code": code,
                "seconds": seconds,
                "cpu": cpu,
                "main_cpu": main_cpu,
                "self_mib": own / 1024,
                "child_mib": workers / 1024,
                "files": len(files),
                "bytes": sum(p.stat().st_size for p in files),
                "summary_bytes": (Path(out) / "汇总.xlsx").stat().st_size,
            }
        )
    )


def _run(inputs: Path, out: Path, jobs: str, rules: str) -> dict:
    # a fresh folder each run: into the last run's, every scoresheet is checked before it is replaced
    shutil.rmtree(out, ignore_errors=True)
    load = os.getloadavg()[0]
    proc = subprocess.run(
        [sys.executable, __file__, "--measure", str(inputs), str(out), jobs, rules],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        print(proc.stderr[-2000:])
        raise SystemExit(f"run {inputs} jobs={jobs} failed")
    return {**json.loads(lines[-1]), "load": (load, os.getloadavg()[0])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", default=None, help="rules file (default: the shipped ruleset)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--jobs", nargs="+", default=["1", "2"])
    parser.add_argument("--repeat", type=int, default=1, help="runs per configuration; the fastest is shown")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--broken", type=float, default=0.02, help="share of deliberately broken submissions")
    parser.add_argument("--keep", type=Path, help="write inputs and outputs here instead of a temporary folder")
    parser.add_argument("--measure", nargs=4, metavar=("INPUTS", "OUT", "JOBS", "RULES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(*args.measure)
        return

    sys.path.insert(0, str(HERE))
    from synthetic import write_units

    from engine.api import default_rules_path, get_ruleset

    rules = str(args.rules or default_rules_path())
    ruleset = get_ruleset(rules)
    print(f"ruleset {ruleset.header.id}: {len(ruleset.entries)} items; {args.broken:.0%} of units deliberately broken")
    print(
        f"{'N':>6} {'jobs':>4} {'total s':>8} {'ms/unit':>8} {'speed-up':>8} {'CPU s':>7} "
        f"{'main CPU ms/unit':>15} {'main MiB':>9} {'worker MiB':>10}  written"
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        for n in args.sizes:
            inputs = root / f"units-{n}"
            t0 = time.perf_counter()
            bad = write_units(ruleset, inputs, n, seed=args.seed, broken_share=args.broken)
            made = time.perf_counter() - t0
            print(f"{n:>6} generated in {made:.1f} s ({bad} broken)")
            base = None
            for jobs in args.jobs:
                out = root / f"out-{n}-j{jobs}"
                runs = [_run(inputs, out, jobs, rules) for _ in range(args.repeat)]
                r = min(runs, key=lambda x: x["seconds"])
                base = base or r["seconds"]
                every = ", ".join(f"{x['seconds']:.2f}" for x in runs)
                print(
                    f"{n:>6} {jobs:>4} {r['seconds']:>8.2f} {1000 * r['seconds'] / n:>8.1f} "
                    f"{base / r['seconds']:>7.2f}x {r['cpu']:>7.1f} {1000 * r['main_cpu'] / n:>15.2f} {r['self_mib']:>9.0f} {r['child_mib']:>10.0f}  "
                    f"{r['files']} files, {r['bytes'] / 2**20:.1f} MiB (汇总 {r['summary_bytes'] / 1024:.0f} KiB), exit {r['code']}, "
                    f"load {r['load'][0]:.2f} → {r['load'][1]:.2f}"
                    + (f"; all runs: {every} s" if len(runs) > 1 else "")
                )


if __name__ == "__main__":
    main()
