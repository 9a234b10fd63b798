"""Evaluation alone, per unit: validate, evaluate (assess), durable's own run, and what scoring and
the result model add on top of durable (evaluate − durable), in one process.

    python benchmarks/evaluate.py [--rules PATH] [--units 200] [--rounds 7] [--gc-freeze] [--cpu] [--collect] [--profile N]

The same synthetic units as perf.py (the national model by default) are validated once, then
each round assesses every unit and runs durable alone for it (adapter().run on the same facts),
in turns. Figures are per-unit means of a round; min / median / max over the rounds, with the
load average before and after. Run it with another checkout's venv python
(`/tmp/perf-base/.venv/bin/python benchmarks/evaluate.py`) to time that checkout's engine on
the same units. --profile N prints cProfile's top N functions of the evaluate rounds instead.
--collect ends each timed part with collecting the young garbage it left (gc.collect(1)), so that
each pays for its own: without it, the collections that durable's garbage (its actions leave
cyclic closures) sets off mostly fall in the scoring that follows it, and in the next unit's
assess after a durable-alone run. --split adds a row to each round: assess with each unit's
firings given (durable's set from set-up, `firings=`), so scoring and the result alone, with the caches warm from the unit before
instead of cold from durable's run. --cold prints what that costs: scoring alone (firings given)
right after the unit's scoring, after durable's run, after sweeping a 2 MiB buffer (the L2 cache),
after 300 cyclic objects (durable leaves ~200 for the next collection).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NATIONAL = HERE.parent / "rules" / "national-model-2021.yaml"
AS_OF = dt.datetime.fromisoformat("2021-12-31T09:00:00+08:00")


def _mmm(values: list[float]) -> str:
    return " ".join(f"{v:8.3f}" for v in (min(values), statistics.median(values), max(values)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", default=str(NATIONAL))
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--gc-freeze", action="store_true", help="gc.freeze() after set-up, as batch workers do")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print cProfile's top N instead")
    parser.add_argument("--cpu", action="store_true", help="this process's CPU time instead of wall time")
    parser.add_argument("--collect", action="store_true", help="each timed part collects its own young garbage")
    parser.add_argument("--split", action="store_true", help="also time scoring alone (firings given)")
    parser.add_argument("--cold", action="store_true", help="scoring alone after what comes before it")
    args = parser.parse_args()

    sys.path.insert(0, str(HERE))
    from synthetic import write_units

    import engine
    from engine.api import get_ruleset
    from engine.assessment import assess, compiled_for, facts
    from engine.evaluation.durable.adapter import adapter
    from engine.intake.submission import load_submission

    ruleset = get_ruleset(args.rules)
    compiled = compiled_for(ruleset)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        write_units(ruleset, Path(tmp), args.units, seed=1, broken_share=0)
        files = sorted(Path(tmp).glob("*.json"))
        clock = time.process_time if args.cpu else time.perf_counter
        a = clock()
        subs = [load_submission(p, ruleset) for p in files]
        validate = 1000 * (clock() - a) / len(subs)
    for sub in subs[:5]:  # warm up: first-use caches (compiled outcomes, durable's host)
        assess(ruleset, sub, as_of=AS_OF)
    if args.gc_freeze:
        gc.freeze()
    print(
        f"engine {Path(engine.__file__).parent}; {len(ruleset.entries)} items; {len(subs)} units, "
        f"{args.rounds} rounds, {'CPU' if args.cpu else 'wall'} time{', each part collecting its garbage' if args.collect else ''}; validate {validate:.3f} ms a unit (once); load average {load:.2f}"
    )
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.rounds):
            for sub in subs:
                assess(ruleset, sub, as_of=AS_OF)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(args.profile)
        pstats.Stats(prof).sort_stats("tottime").print_stats(args.profile)
        return
    if args.cold:
        _cold(ruleset, subs, compiled, clock, args.rounds)
        return
    rows: dict[str, list[float]] = {"evaluate": [], "durable": [], "evaluate - durable": [], "(e - d) / d": []}
    given = [adapter().run(compiled, *facts(ruleset, sub)) for sub in subs] if args.split else []
    collect = args.collect
    for _ in range(args.rounds):
        if given:
            a = clock()
            for sub, fired in zip(subs, given, strict=True):
                assess(ruleset, sub, as_of=AS_OF, firings=lambda *_, fired=fired: fired)
            rows.setdefault("scoring, firings given", []).append(1000 * (clock() - a) / len(subs))
        evaluate = durable = 0.0
        for sub in subs:
            a = clock()
            assess(ruleset, sub, as_of=AS_OF)
            if collect:
                gc.collect(1)
            b = clock()
            adapter().run(compiled, *facts(ruleset, sub))
            if collect:
                gc.collect(1)
            c = clock()
            evaluate += b - a
            durable += c - b
        e, d = 1000 * evaluate / len(subs), 1000 * durable / len(subs)
        for key, value in zip(
            ("evaluate", "durable", "evaluate - durable", "(e - d) / d"), (e, d, e - d, (e - d) / d), strict=True
        ):
            rows[key].append(value)
    print(f"ms per unit{'min':>16} {'median':>8} {'max':>8}")
    for key, values in rows.items():
        print(f"  {key:<23}{_mmm(values)}")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


def _cold(ruleset, subs, compiled, clock, rounds: int) -> None:
    """Scoring alone (firings given), each unit right after something else ran."""
    from engine.assessment import assess, facts
    from engine.evaluation.durable.adapter import adapter

    given = [adapter().run(compiled, *facts(ruleset, sub)) for sub in subs]
    buffer = bytearray(2 << 20)

    def cyclic() -> None:
        for _ in range(300):
            a: list = []
            a.append(a)

    before = {
        "the same scoring": lambda sub, fired: assess(ruleset, sub, as_of=AS_OF, firings=lambda *_: fired),
        "durable's run": lambda sub, fired: adapter().run(compiled, *facts(ruleset, sub)),
        "a 2 MiB sweep": lambda sub, fired: buffer.__setitem__(slice(None, None, 64), bytes(len(buffer) // 64)),
        "300 cyclic objects": lambda sub, fired: cyclic(),
    }
    rows: dict[str, list[float]] = {name: [] for name in before}
    for _ in range(rounds):
        for name, run in before.items():
            spent = 0.0
            for sub, fired in zip(subs, given, strict=True):
                run(sub, fired)
                a = clock()
                assess(ruleset, sub, as_of=AS_OF, firings=lambda *_, fired=fired: fired)
                spent += clock() - a
            rows[name].append(1000 * spent / len(subs))
    print(f"scoring alone after{'min':>17} {'median':>8} {'max':>8}")
    for name, values in rows.items():
        print(f"  {name:<23}{_mmm(values)}")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
