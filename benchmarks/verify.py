"""`assess verify` on a normal scoresheet and on hostile ones: exit code, wall time, peak RSS.

    python benchmarks/verify.py            # each case once, in a fresh process

Hostile cases are the scoresheet with one cell of 评分表 (总分) replaced by a formula written into
the XML: a SUM over 39 million cells in 5 KB, a 44 KB SUM, a 3,000-cell chain, 1E600000*1E600000,
400 nested parentheses, and a forged stored result. Asserts nothing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSESS = str(Path(sys.executable).with_name("assess"))
SUBMISSION = ROOT / "examples" / "huashan-2012.json"
RULES = ROOT / "rules" / "demo-district-2013.yaml"
REVIEW = ROOT / "examples" / "reviews" / "review.yaml"
SHEET_XML = "xl/worksheets/sheet1.xml"


def rewrite(src: Path, dst: Path, change) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == SHEET_XML:
                data = change(data.decode()).encode()
            zout.writestr(info, data)
    return dst


def formula_in_total(formula: str, cached: str = "", extra: str = ""):
    def change(xml: str) -> str:
        xml = re.sub(r'<c r="H59"([^>]*)>.*?</c>', rf'<c r="H59"\1><f>{formula}</f><v>{cached}</v></c>', xml, count=1)
        return xml.replace("</sheetData>", extra + "</sheetData>")

    return change


def run(path: Path) -> tuple[int, float, float]:
    start = time.perf_counter()
    cmd = [ASSESS, "verify", str(path), str(SUBMISSION), str(RULES), "--overrides", str(REVIEW)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)  # this process's own peak, not the children's so far
    elapsed = time.perf_counter() - start
    return os.waitstatus_to_exitcode(status), elapsed, usage.ru_maxrss / 1024


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sheet = folder / "normal.xlsx"
        subprocess.run(
            [ASSESS, str(SUBMISSION), "--rules", str(RULES), "-o", str(sheet), "--overrides", str(REVIEW)]
            + ["--as-of", "2014-01-15T09:00:00+08:00"],
            capture_output=True,
            check=True,
        )
        chain = "".join(f'<row r="{r}"><c r="Z{r}"><f>Z{r + 1}+1</f><v></v></c></row>' for r in range(1000, 4000))
        cases = {
            "normal": None,
            "cached 总分 99.5": formula_in_total("ROUND(H54+H58,2)", "99.5"),
            "SUM, 39M cells, 5 KB": formula_in_total("SUM(" + ",".join(["AA1:AZ3000"] * 500) + ")"),
            "SUM, 44 KB formula": formula_in_total("SUM(" + ",".join(["AA1:AZ3000"] * 4000) + ")"),
            "3,000-cell chain": formula_in_total("Z1000", extra=chain),
            "1E600000*1E600000": formula_in_total("1E600000*1E600000"),
            "400 nested ( )": formula_in_total("(" * 400 + "1" + ")" * 400),
        }
        print(f"{'case':<24} {'exit':>4} {'seconds':>8} {'peak MB':>8}")
        for name, change in cases.items():
            path = sheet if change is None else rewrite(sheet, folder / "hostile.xlsx", change)
            code, seconds, peak = run(path)
            print(f"{name:<24} {code:>4} {seconds:>8.2f} {peak:>8.0f}")


if __name__ == "__main__":
    main()
