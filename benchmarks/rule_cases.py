"""Time the rule test cases (用例) of every shipped ruleset: load, run, coverage. Prints figures only.

python benchmarks/rule_cases.py [PATH...]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from engine.api import shipped_rules_dir
from engine.tools.cases import discover, load_suite, run_suite


def main() -> None:
    paths = [Path(p) for p in sys.argv[1:]] or [shipped_rules_dir()]
    total_cases = 0
    started = time.perf_counter()
    for path in discover(paths):
        a = time.perf_counter()
        suite = load_suite(path)
        b = time.perf_counter()
        result = run_suite(suite)
        c = time.perf_counter()
        own = sum(1 for case in suite.cases if not case.inherited_from)
        total_cases += len(suite.cases)
        print(
            f"{suite.ruleset.header.id:<22} items {len(suite.rule_ids):>3}  cases {len(suite.cases):>4} "
            f"({own} written, {len(suite.cases) - own} inherited)  failed {len(result.failed)}  "
            f"uncovered {len(result.gaps)}  load {1000 * (b - a):6.0f} ms  run {1000 * (c - b):6.0f} ms "
            f"({1000 * (c - b) / max(1, len(suite.cases)):.1f} ms/case)"
        )
    print(f"total: {total_cases} cases in {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
