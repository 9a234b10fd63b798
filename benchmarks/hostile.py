"""Cost of hostile inputs: extraction against one-sentence reports and `rules check` against
inheritance chains, at doubling sizes, each in a fresh process. Prints min / median / max wall
time, peak RSS and the load average; asserts nothing. Linear cost shows as times that double
(less the ~1 s start-up) when the size doubles.

    python benchmarks/hostile.py                    # 3 runs; reports 100-800 KB, chains 4-32
    python benchmarks/hostile.py --runs 5 --report-kb 200 400 --depths 8 16
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSESS = [sys.executable, "-m", "engine"]
PHRASE = "政务服务办理审批1件"  # a match every 10 characters, no sentence end, no comma


def timed(args: list[str], cwd: Path) -> tuple[float, int, int]:
    """Wall seconds, peak RSS (KB) and exit code of one fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def row(label: str, runs: list[tuple[float, int, int]]) -> str:
    times = [r[0] for r in runs]
    return (
        f"  {label:<28} {min(times):8.2f} {statistics.median(times):8.2f} {max(times):8.2f}"
        f" {max(r[1] for r in runs) / 1024:9.0f} {sorted({r[2] for r in runs})}"
    )


def child(i: int, parent: str) -> str:
    return f"规则集:\n  编号: c{i:02d}\n  名称: 链{i}\n  继承: {parent}\n  考核年度: 2013\n  适用期间: 2012\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--report-kb", type=int, nargs="+", default=[100, 200, 400, 800])
    parser.add_argument("--depths", type=int, nargs="+", default=[4, 8, 16, 32])
    opts = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hostile-"))
    try:
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
        print(f"  {'case':<28} {'min s':>8} {'median':>8} {'max s':>8} {'peak MB':>9} exit")
        for kb in opts.report_kb:
            report = work / f"one-sentence-{kb}k.txt"
            body = PHRASE * (kb * 1024 // len(PHRASE.encode()))
            report.write_text("某区2021年度法治政府建设工作报告\n" + body, encoding="utf-8")
            args = [*ASSESS, "extract", str(report), "--year", "2021", "--rules", "national-model-2021"]
            runs = [timed([*args, "-o", str(work / "draft.json")], ROOT) for _ in range(opts.runs)]
            print(row(f"extract, 1 sentence {kb} KB", runs))
        for depth in opts.depths:
            folder = work / f"chain-{depth}"
            folder.mkdir()
            shutil.copy(ROOT / "rules" / "demo-district-2013.yaml", folder)
            for i in range(depth - 1):  # with the root, `depth` files
                parent = "demo-district-2013" if i == 0 else f"c{i - 1:02d}"
                (folder / f"c{i:02d}.yaml").write_text(child(i, parent), encoding="utf-8")
            runs = [timed([*ASSESS, "rules", "check", str(folder)], ROOT) for _ in range(opts.runs)]
            print(row(f"rules check, {depth} files deep", runs))
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
