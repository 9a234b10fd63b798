"""Time one assessment, phase by phase: load rules, validate, evaluate (durable_rules + scoring),
build the workbook, save it. Run on demand; prints figures, asserts nothing.

    python benchmarks/assess_one.py [SUBMISSION] [--rules PATH] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from engine.api import default_rules_path
from engine.assessment import assess, compiled_for
from engine.intake.submission import load_submission
from engine.ruleset.load import load_rules

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submission", nargs="?", default=str(ROOT / "examples" / "problem-department.json"))
    parser.add_argument("--rules", default=str(default_rules_path()))
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    from scoresheets import build_workbook

    t0 = time.perf_counter()
    ruleset = load_rules(args.rules)
    t1 = time.perf_counter()
    compiled_for(ruleset)
    t2 = time.perf_counter()
    print(f"rules: {len(ruleset.entries)} items; load {1000 * (t1 - t0):.1f} ms, compile {1000 * (t2 - t1):.1f} ms")

    phases: dict[str, list[float]] = {"validate": [], "evaluate": [], "build workbook": [], "save": []}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sheet.xlsx"
        for _ in range(args.repeat):
            a = time.perf_counter()
            submission = load_submission(args.submission, ruleset)
            b = time.perf_counter()
            result = assess(ruleset, submission)
            c = time.perf_counter()
            wb = build_workbook(result)
            d = time.perf_counter()
            wb.save(out)
            e = time.perf_counter()
            for key, value in zip(phases, (b - a, c - b, d - c, e - d), strict=True):
                phases[key].append(value * 1000)
    total = [sum(v) for v in zip(*phases.values(), strict=True)]
    print(
        f"{Path(args.submission).name}: {len(result.items)} items, {len(result.bad_records)} bad records, "
        f"{args.repeat} runs (ms: min / median / max)"
    )
    for key, values in {**phases, "total": total}.items():
        print(f"  {key:<15} {min(values):7.2f} {statistics.median(values):7.2f} {max(values):7.2f}")


if __name__ == "__main__":
    main()
