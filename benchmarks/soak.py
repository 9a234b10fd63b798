"""Soak: N submissions scored through one process's scoring door (server.scoring), as the server scores them.

Several client threads (the web server's thread pool) hand submissions to the one evaluating
thread with the very function `Store.check` uses (validate the JSON submission, assess, 分工表).
The submissions cycle through a set of variants whose results are computed first; every later
result must be identical to its variant's (the result JSON, byte for byte). Memory must stay flat:
RSS after N is at most 1.2× RSS after N/10 (both read after a full collection).

    python benchmarks/soak.py                 # 100,000 submissions, 4 client threads
    python benchmarks/soak.py -n 3000 --threads 8

Prints units/s, the latency per submission seen by a client (min / median / max, queue wait
included), RSS at N/10 and N, and the load average; exits 1 when a result differs or memory grew.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import os
import statistics
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AS_OF = dt.datetime(2013, 3, 1, 9, 0, tzinfo=dt.UTC)
VARIANTS = 97


def rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def variants() -> list[str]:
    """Submission texts: the 花山区 example with its counts and rates varied (all valid)."""
    from server.archive import data_text, load_data

    base = load_data((ROOT / "examples" / "huashan-2012.json").read_text(encoding="utf-8"))
    out = []
    for n in range(VARIANTS):
        data = load_data(data_text(base))
        values = data["指标"]
        values["法制工作人员数"] = n % 7
        values["材料迟报次数"] = n % 3
        values["未报备规范性文件件数"] = n % 4
        values["规范性文件报备及时率"] = Decimal(80 + n % 21)
        values["案卷评查合格率"] = Decimal(f"{85 + n % 15}.5")
        data["单位名称"] = f"单位{n:03d}"
        out.append(data_text(data))
    return out


def digest(checked) -> str:
    from engine.render.json_out import to_json

    if not checked.ok:
        return "problems:" + "|".join(p.text for p in checked.problems)
    return hashlib.sha256(to_json(checked.result).encode()).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rules", default="demo-district-2013")
    args = parser.parse_args()

    from engine.ruleset.names import resolve_rules
    from server.scoring import door, score
    from server.store import _check_text

    rules = str(resolve_rules(args.rules))
    texts = variants()
    expected = [digest(score(_check_text, rules, t, f"{i:03d}.json", AS_OF, None)) for i, t in enumerate(texts)]
    assert not any(e.startswith("problems:") for e in expected), "every variant is a valid submission"
    load_before = os.getloadavg()
    first_sample = max(1, args.count // 10)
    lock = threading.Lock()
    state = {"next": 0, "done": 0, "wrong": 0, "rss_tenth": 0}
    latencies: list[float] = [0.0] * args.count
    sampled = threading.Event()

    def client() -> None:
        while True:
            with lock:
                i = state["next"]
                if i >= args.count:
                    return
                state["next"] += 1
            k = i % VARIANTS
            started = time.perf_counter()
            checked = score(_check_text, rules, texts[k], f"{k:03d}.json", AS_OF, None)
            latencies[i] = time.perf_counter() - started
            same = digest(checked) == expected[k]
            with lock:
                state["done"] += 1
                state["wrong"] += not same
                if state["done"] == first_sample:
                    # measured on the evaluating thread, between two submissions
                    state["rss_tenth"] = score(lambda: (gc.collect(), rss_kib())[1])
                    sampled.set()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    rss_end = score(lambda: (gc.collect(), rss_kib())[1])
    load_after = os.getloadavg()
    ms = sorted(x * 1000 for x in latencies)
    ratio = rss_end / state["rss_tenth"] if state["rss_tenth"] else float("nan")
    print(
        f"soak: {args.count:,} submissions, {args.threads} client threads, one evaluating thread ({door().thread.name})"
    )
    print(f"  {args.count / seconds:,.0f} units/s over {seconds:,.1f} s")
    print(f"  latency per submission (ms): min {ms[0]:.2f}  median {statistics.median(ms):.2f}  max {ms[-1]:.2f}")
    print(
        f"  RSS at {first_sample:,}: {state['rss_tenth'] / 1024:.1f} MiB; at {args.count:,}: {rss_end / 1024:.1f} MiB (×{ratio:.3f}, limit ×1.2)"
    )
    print(f"  results differing from their variant's: {state['wrong']}")
    print(
        f"  load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}; after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} ({os.cpu_count()} CPUs)"
    )
    return 0 if state["wrong"] == 0 and ratio <= 1.2 else 1


if __name__ == "__main__":
    sys.exit(main())
