"""Out-of-sample accuracy of `assess extract` on the real reports in tests/data/reports/ listed in
truth-outofsample.json, as a user runs it (no --rules, --year or --unit-type: the ruleset, year and
unit type are chosen from the report). Prints a table per half (develop / hold-out): found, wrong,
false positive, missed and out of scope per report, then precision and recall per half for numbers
and yes/no apart, and every indicator that was not found. Asserts nothing.

    python benchmarks/extract_outofsample.py [--half develop|holdout] [--detail]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from engine import api
from engine.extract.accuracy import Tally, tally

REPORTS = Path(__file__).resolve().parent.parent / "tests" / "data" / "reports"


def _pct(value) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def run(half: str, truth: dict, detail: bool) -> dict[str, Tally]:
    totals = {"numbers": Tally(), "yes/no": Tally()}
    rows = []
    for name in truth["split"][half]:
        entry = truth["reports"][name]
        try:
            extraction, draft = api.draft_from_report(REPORTS / name)
            used = extraction.ruleset.header.id
        except Exception as exc:  # a refusal counts as nothing found
            print(f"{name}: {type(exc).__name__}: {exc}")
            continue
        counts, labels = tally(extraction, entry, set(draft["指标"]))
        both = Tally()
        for kind, t in counts.items():
            totals[kind].add(t)
            both.add(t)
        chosen = f"{used} {draft['考核年度']} {draft['单位类型']}"
        want = f"{entry['ruleset']} {entry['year']} {entry['unit_type']}"
        rows.append((name, both, len(entry["out_of_scope"]), chosen, want, labels))
    print(f"\n## {half}\n")
    print("| report | found | wrong | false positive | missed | out of scope | chosen (ruleset year type) | by hand |")
    print("|---|---|---|---|---|---|---|---|")
    for name, t, oos, chosen, want, _ in rows:
        print(f"| {name} | {t.found} | {t.wrong} | {t.false_positive} | {t.missed} | {oos} | {chosen} | {want} |")
    f = sum(t.found for _, t, *_ in rows)
    print(
        f"| total | {f} | {sum(r[1].wrong for r in rows)} | {sum(r[1].false_positive for r in rows)} | "
        f"{sum(r[1].missed for r in rows)} | {sum(r[2] for r in rows)} | | |"
    )
    print()
    for kind, t in totals.items():
        print(
            f"{half} {kind}: found {t.found}, wrong {t.wrong}, false positive {t.false_positive}, missed {t.missed}; "
            f"precision {_pct(t.precision)}, recall {_pct(t.recall)}"
        )
    if detail:
        for name, _, _, _, _, labels in rows:
            shown = {k: v for k, v in labels.items() if v not in ("found",)}
            if shown:
                print(f"  {name}: " + "; ".join(f"{k} {v}" for k, v in shown.items()))
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=("develop", "holdout"), action="append")
    parser.add_argument("--detail", action="store_true", help="list each indicator not found, wrong or extra")
    args = parser.parse_args()
    truth = json.loads((REPORTS / "truth-outofsample.json").read_text(encoding="utf-8"))
    for half in args.half or ("develop", "holdout"):
        run(half, truth, args.detail)


if __name__ == "__main__":
    main()
