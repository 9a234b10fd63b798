"""Time `assess extract` on the seed reports (or given ones): read, extract, build the draft.
Run on demand; prints figures, asserts nothing.

    python benchmarks/extract_reports.py [REPORT ...] [--rules PATH] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from engine.api import default_rules_path
from engine.extract.draft import build_draft, draft_json
from engine.extract.extractor import extract
from engine.extract.report import read_report
from engine.ruleset.load import load_rules

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "tests" / "data" / "reports").glob("*.txt"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="*", default=[str(p) for p in SEEDS])
    parser.add_argument("--rules", default=str(default_rules_path()))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    t0 = time.perf_counter()
    ruleset = load_rules(args.rules)
    print(f"rules: {len(ruleset.indicators)} indicators, load {1000 * (time.perf_counter() - t0):.1f} ms")
    for path in args.reports:
        timings: dict[str, list[float]] = {"read": [], "extract": [], "draft": []}
        for _ in range(args.repeat):
            a = time.perf_counter()
            report = read_report(path)
            b = time.perf_counter()
            extraction = extract(report, ruleset)
            c = time.perf_counter()
            text = draft_json(build_draft(extraction))
            d = time.perf_counter()
            for key, value in zip(timings, (b - a, c - b, d - c), strict=True):
                timings[key].append(value)
        found = sum(1 for f in extraction.findings.values() if f.value is not None)
        shown = ", ".join(f"{k} {1000 * statistics.median(v):.1f} ms" for k, v in timings.items())
        print(
            f"{Path(path).name}: {len(report.lines)} lines, {len(report.sentences)} sentences, "
            f"{Path(path).stat().st_size} bytes; found {found}, 待填 {len(extraction.missing)}; "
            f"draft {len(text.encode())} bytes; median of {args.repeat}: {shown}"
        )


if __name__ == "__main__":
    main()
