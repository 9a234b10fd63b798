"""Print, per indicator and seed report, whether the extractor found, missed or got wrong the value
read by hand (tests/data/reports/truth.json), and precision and recall. Asserts nothing.

    python benchmarks/extract_accuracy.py [--rules PATH]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from engine.api import default_rules_path
from engine.extract.accuracy import score
from engine.extract.extractor import extract
from engine.extract.report import read_report
from engine.ruleset.load import load_rules

REPORTS = Path(__file__).resolve().parent.parent / "tests" / "data" / "reports"
MARK = {"found": "found", "wrong": "WRONG", "missed": "MISSED", "inferred": "(inferred)", "not stated": "-"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", default=str(default_rules_path()))
    args = parser.parse_args()
    ruleset = load_rules(args.rules)
    truth = json.loads((REPORTS / "truth.json").read_text(encoding="utf-8"))
    names = [n for n in truth if n.endswith(".txt")]
    extractions = {n: extract(read_report(REPORTS / n), ruleset) for n in names}
    scores = {n: score(extractions[n], truth[n]["stated"], truth[n]["inferred"]) for n in names}
    print("| # | 指标 | " + " | ".join(n[:3] for n in names) + " |")
    print("|---|---|" + "---|" * len(names))
    for i, (name, spec) in enumerate(ruleset.indicators.items(), 1):
        cells = []
        for n in names:
            finding = extractions[n].findings.get(name)
            value = finding.value if finding is not None else None
            shown = "" if value is None else f" {('是' if value else '否') if isinstance(value, bool) else value}"
            flags = "".join(f" {f}" for f in finding.flags) if finding is not None and value is not None else ""
            label = scores[n].labels[name]
            if label == "not stated" and spec.extraction is None:
                label = "not stated"
            cells.append(MARK[label] + shown + flags)
        print(f"| {i} | {name} | " + " | ".join(cells) + " |")
    print()
    for n, s in scores.items():
        print(
            f"{n}: found {len(s.found)}, wrong {len(s.wrong)}, missed {len(s.missed)}, inferred not found "
            f"{len(s.missed_inferred)}; precision {100 * s.precision:.1f}%, recall {100 * s.recall:.1f}%, "
            f"strict recall {100 * s.strict_recall:.1f}%"
        )
    f, w, m, i = (
        sum(len(getattr(s, k)) for s in scores.values()) for k in ("found", "wrong", "missed", "missed_inferred")
    )
    print(
        f"all: found {f}, wrong {w}, missed {m}, inferred not found {i}; precision {100 * f / (f + w):.1f}%, "
        f"recall {100 * f / (f + m):.1f}%, strict recall {100 * f / (f + m + i):.1f}%"
    )


if __name__ == "__main__":
    main()
