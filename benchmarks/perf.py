"""The per-unit path, phase by phase, against the openpyxl floor and a plain-Python oracle.

    python benchmarks/perf.py [--rules PATH] [--units 1000] [--runs 3] [--rss 1000 10000] [--batch 1000]
    python benchmarks/perf.py --units 100 --profile 30

For N synthetic units of the ruleset (the national model by default), each run times per unit:
validate (load_submission), evaluate (assess: durable_rules + scoring), render (build_workbook)
and save as the CLI saves (workbook_bytes: the reproducible zip; write_bytes_atomic: temporary
file, fsync, rename). With --gc-freeze, gc.freeze() runs after set-up as a batch worker does.
In the same run:

- floor: the same cell values of every sheet written into one fresh Workbook — no styles,
  merges, validations, widths or print setup — and saved; the values are taken from our
  workbook outside the timing;
- durable: adapter().run alone (asserting the facts), and the oracle: every compiled check's
  condition evaluated with engine.ruleset.conditions.evaluate over the same values (per record for a
  record list's checks).

Figures are per-unit means of one run; min / median / max over --runs runs (a shared machine
is noisy). Peak RSS (ru_maxrss) is measured in a fresh process per size, running the full
path (validate, evaluate, render, save to a temp folder whose file is replaced each unit) over
the N units (cycling the generated files when N is larger than --units); with --rss-mode evaluate
only validate and evaluate. --batch N times
`assess batch` at --jobs 1 and 2 (fresh processes, --runs times each). --profile TOP instead
prints, in one process, the CPU time of render, save and the floor per unit and cProfile's TOP
functions over render and save.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NATIONAL = ROOT / "rules" / "national-model-2021.yaml"
AS_OF = "2021-12-31T09:00:00+08:00"
PHASES = ("validate", "evaluate", "render", "save")


def _units(ruleset, folder: Path, n: int, seed: int = 1) -> list[Path]:
    sys.path.insert(0, str(HERE))
    from synthetic import write_units

    write_units(ruleset, folder, n, seed=seed, broken_share=0)
    return sorted(folder.glob("*.json"))


def _sheet_values(wb) -> list[tuple[str, list[tuple[int, int, object]]]]:
    return [
        (ws.title, [(c.row, c.column, c.value) for row in ws.iter_rows() for c in row if c.value is not None])
        for ws in wb.worksheets
    ]


def _floor(values, target: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    first = True
    for title, cells in values:
        ws = wb.active if first else wb.create_sheet()
        ws.title = title
        first = False
        for row, col, value in cells:
            ws.cell(row=row, column=col, value=value)
    wb.save(target)


def _oracle(compiled, values, records) -> set[tuple[str, int]]:
    from engine.ruleset.conditions import evaluate

    fired = set()
    for check in compiled.checks.values():
        if check.record_list is None:
            if check.node is not None and check.names <= values.keys() and evaluate(check.node, values):
                fired.add((check.rule_id, 0))
        else:
            for n, rec in enumerate(records.get(check.record_list, []), start=1):
                if check.node is None or (check.names <= rec.keys() and evaluate(check.node, rec)):
                    fired.add((check.rule_id, n))
    return fired


def one_run(rules: str, files: list[Path], freeze: bool = False) -> dict[str, float]:
    """Per-unit mean (ms) of each phase over the files, in this process."""
    import datetime as dt
    import gc

    from engine.api import get_ruleset
    from engine.assessment import assess, compiled_for, facts
    from engine.evaluation.durable.adapter import adapter
    from engine.files.atomic import write_bytes_atomic
    from engine.intake.submission import load_submission
    from scoresheets import build_workbook
    from scoresheets.reproducible import workbook_bytes
    from scoresheets.workbook import assessed_at

    ruleset = get_ruleset(rules)
    compiled = compiled_for(ruleset)
    as_of = dt.datetime.fromisoformat(AS_OF)
    sums = dict.fromkeys((*PHASES, "floor", "durable", "oracle"), 0.0)
    clock = time.perf_counter
    if freeze:
        gc.freeze()
    with tempfile.TemporaryDirectory() as tmp:
        out, floor_out = Path(tmp) / "sheet.xlsx", Path(tmp) / "floor.xlsx"
        for path in files:
            a = clock()
            sub = load_submission(path, ruleset)
            b = clock()
            result = assess(ruleset, sub, as_of=as_of)
            c = clock()
            wb = build_workbook(result)
            d = clock()
            write_bytes_atomic(out, workbook_bytes(wb, assessed_at(result)))
            e = clock()
            values = _sheet_values(wb)
            f = clock()
            _floor(values, floor_out)
            g = clock()
            adapter().run(compiled, *facts(ruleset, sub))
            h = clock()
            _oracle(compiled, sub.values, sub.records)
            i = clock()
            for key, span in zip(
                (*PHASES, "floor", "durable", "oracle"), (b - a, c - b, d - c, e - d, g - f, h - g, i - h), strict=True
            ):
                sums[key] += span
    return {k: 1000 * v / len(files) for k, v in sums.items()}


def profile_run(rules: str, files: list[Path], top: int) -> None:
    """CPU ms per unit of render, save (without the fsync'd write) and the floor in this process,
    then cProfile's top functions (own time) over render and save of every unit."""
    import cProfile
    import datetime as dt
    import gc
    import pstats

    from engine.api import get_ruleset
    from engine.assessment import assess
    from engine.intake.submission import load_submission
    from scoresheets import build_workbook
    from scoresheets.reproducible import workbook_bytes
    from scoresheets.workbook import assessed_at

    ruleset = get_ruleset(rules)
    as_of = dt.datetime.fromisoformat(AS_OF)
    results = [assess(ruleset, load_submission(p, ruleset), as_of=as_of) for p in files]
    values = [_sheet_values(build_workbook(r)) for r in results]
    gc.freeze()
    clock, n = time.process_time, len(results)
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(2):  # the first round warms the caches a batch worker keeps
            a = clock()
            books = [build_workbook(r) for r in results]
            b = clock()
            for wb, r in zip(books, results, strict=True):
                workbook_bytes(wb, assessed_at(r))
            c = clock()
            for v in values:
                _floor(v, Path(tmp) / "floor.xlsx")
            d = clock()
        per = [1000 * x / n for x in (b - a, c - b, d - c)]
        print(
            f"CPU ms per unit: render {per[0]:.2f}, save {per[1]:.2f} (no fsync), floor {per[2]:.2f}; "
            f"(render + save) / floor {(per[0] + per[1]) / per[2]:.2f}"
        )
        profile = cProfile.Profile()
        profile.enable()
        for r in results:
            workbook_bytes(build_workbook(r), assessed_at(r))
        profile.disable()
    pstats.Stats(profile).sort_stats("tottime").print_stats(top)


def rss_run(rules: str, files: list[Path], n: int, full: bool) -> float:
    """Peak RSS (MiB) of this process after n units (files cycled): validate and evaluate, and with
    `full` also render and save (to one temp file, replaced each unit)."""
    import datetime as dt

    from engine.api import get_ruleset
    from engine.assessment import assess
    from engine.intake.submission import load_submission
    from scoresheets import build_workbook

    ruleset = get_ruleset(rules)
    as_of = dt.datetime.fromisoformat(AS_OF)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sheet.xlsx"
        for k in range(n):
            result = assess(ruleset, load_submission(files[k % len(files)], ruleset), as_of=as_of)
            if full:
                build_workbook(result).save(out)
    kib = 1 if sys.platform != "darwin" else 1 / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * kib / 1024


def _child(*args: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"{args[0]} failed:\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1])


def _batch(folder: Path, out: Path, jobs: int, rules: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and its workers) of one `assess batch`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "engine", "batch", str(folder), "-o", str(out), "--jobs", str(jobs)]
        + ["--rules", rules, "--as-of", AS_OF],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"assess batch failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return seconds, cpu


def _mmm(values: list[float], fmt: str = "{:8.2f}") -> str:
    return " ".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", default=str(NATIONAL))
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rss", type=int, nargs="*", default=[1000, 10000], help="unit counts for peak RSS")
    parser.add_argument("--rss-mode", choices=["full", "evaluate"], default="full", help="what the RSS runs do")
    parser.add_argument("--batch", type=int, default=1000, help="units for the --jobs 1 vs 2 timing (0: skip)")
    parser.add_argument("--gc-freeze", action="store_true", help="gc.freeze() after set-up, as batch workers do")
    parser.add_argument("--profile", type=int, metavar="TOP", help="profile render + save in one process instead")
    parser.add_argument("--phase", nargs=3, metavar=("MODE", "FOLDER", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        mode, folder, n = args.phase
        files = sorted(Path(folder).glob("*.json"))
        if mode == "run":
            print(json.dumps(one_run(args.rules, files, args.gc_freeze)))
        else:
            print(json.dumps({"rss": rss_run(args.rules, files, int(n), mode == "full")}))
        return

    from engine.api import get_ruleset

    ruleset = get_ruleset(args.rules)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "units"
        if args.profile:
            profile_run(args.rules, _units(ruleset, folder, args.units), args.profile)
            return
        files = _units(ruleset, folder, max(args.units, args.batch))
        print(
            f"ruleset {ruleset.header.id}: {len(ruleset.entries)} items, {len(ruleset.indicators)} indicators; "
            f"{args.units} synthetic units, {args.runs} runs (each in a fresh process); "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        phase_folder = Path(tmp) / "phase"
        phase_folder.mkdir()
        for p in files[: args.units]:
            (phase_folder / p.name).symlink_to(p)
        freeze = ["--gc-freeze"] if args.gc_freeze else []
        runs = [
            _child("--rules", args.rules, *freeze, "--phase", "run", str(phase_folder), "0") for _ in range(args.runs)
        ]
        total = [sum(r[k] for k in PHASES) for r in runs]
        print(f"\nms per unit{'min':>14} {'median':>8} {'max':>8}")
        for key in PHASES:
            print(f"  {key:<21}{_mmm([r[key] for r in runs])}")
        print(f"  {'total (end-to-end)':<21}{_mmm(total)}")
        print(f"  {'floor (values only)':<21}{_mmm([r['floor'] for r in runs])}")
        print(f"  {'durable run alone':<21}{_mmm([r['durable'] for r in runs])}")
        print(f"  {'oracle (expr.evaluate)':<21}{_mmm([r['oracle'] for r in runs])}")
        print("ratios (per run)")
        print(f"  {'total / floor':<21}{_mmm([t / r['floor'] for t, r in zip(total, runs, strict=True)])}")
        print(f"  {'evaluate / total':<21}{_mmm([r['evaluate'] / t for t, r in zip(total, runs, strict=True)])}")
        print(f"  {'durable / oracle':<21}{_mmm([r['durable'] / r['oracle'] for r in runs])}")
        scoring = [(r["evaluate"] - r["durable"]) / r["durable"] for r in runs]  # scoring + result model
        print(f"  {'scoring / durable':<21}{_mmm(scoring)}")
        for n in args.rss:
            mib = _child("--rules", args.rules, "--phase", args.rss_mode, str(phase_folder), str(n))["rss"]
            what = "validate+evaluate+render+save" if args.rss_mode == "full" else "validate+evaluate"
            print(f"peak RSS, {what} over {n} units: {mib:.0f} MiB")
        if args.batch:
            batch_folder = Path(tmp) / "batch"
            batch_folder.mkdir()
            for p in files[: args.batch]:
                (batch_folder / p.name).symlink_to(p)
            secs = {}
            for jobs in (1, 2):
                timed = [
                    _batch(batch_folder, Path(tmp) / f"out-{jobs}-{k}", jobs, args.rules) for k in range(args.runs)
                ]
                secs[jobs] = [wall for wall, _ in timed]
                print(
                    f"assess batch, {args.batch} units, --jobs {jobs}: wall s {_mmm(secs[jobs])}; "
                    f"CPU s (all processes) {_mmm([cpu for _, cpu in timed])}"
                )
            ups = [a / b for a, b in zip(sorted(secs[1]), sorted(secs[2]), strict=True)]
            print(f"speed-up --jobs 2 over --jobs 1 (min/median/max runs paired): {_mmm(ups)}")
        print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
