"""Headless LibreOffice for tests: recalculate xlsx files, or export them to PDF.

Every call uses a fresh private profile that always recalculates formulas on load, so cached
values (or their absence) never decide the result, and a running soffice cannot swallow the job.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

ALWAYS_RECALC_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""

FONTS_CONF = Path("/work/shared/tools/fonts.conf")


def soffice() -> str | None:
    return shutil.which("soffice")


def make_profile(folder: Path) -> str:
    """Write an always-recalculate profile under folder; return its -env:UserInstallation URL."""
    user = folder / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(ALWAYS_RECALC_XCU, encoding="utf-8")
    return folder.resolve().as_uri()


def convert(files: Sequence[Path], outdir: Path, fmt: str = "xlsx", timeout: float = 180) -> list[Path]:
    """Convert all files in one soffice run (start-up dominates); return the output paths in order."""
    exe = soffice()
    if exe is None:
        raise RuntimeError("soffice not found")
    outdir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if FONTS_CONF.exists():
        env["FONTCONFIG_FILE"] = str(FONTS_CONF)  # map 宋体/黑体 to Noto CJK SC
    with tempfile.TemporaryDirectory(prefix="lo_profile_") as prof:
        cmd = [
            exe,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={make_profile(Path(prof))}",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            *(str(f) for f in files),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    outs = [outdir / (Path(f).stem + "." + fmt.split(":")[0]) for f in files]
    missing = [str(o) for o in outs if not o.exists()]
    if proc.returncode != 0 or missing:
        raise RuntimeError(f"soffice failed (rc={proc.returncode}, missing {missing}):\n{proc.stdout}\n{proc.stderr}")
    return outs


def recalc(files: Sequence[Path], outdir: Path, timeout: float = 180) -> list[Path]:
    """Recalculated copies of xlsx files (same names, in outdir): read them with data_only=True."""
    for f in files:
        if Path(f).parent.resolve() == outdir.resolve():
            raise ValueError(f"{f} would be overwritten by its own conversion")
    return convert(files, outdir, "xlsx", timeout)


_FIXED_ROW = re.compile(r'style:row-height="[^"]*" (fo:break-before="auto" )?style:use-optimal-row-height="false"')


def optimal_row_heights(
    files: Sequence[Path], workdir: Path, timeout: float = 300
) -> list[dict[str, dict[int, float]]]:
    """For each xlsx file: sheet → row → the height LibreOffice's optimal row height gives it (points).

    The workbook goes through flat ODS with every row switched to optimal height, so LibreOffice lays
    out each row's text itself (fonts as fonts.conf maps them). Merged cells do not count: LibreOffice
    sizes rows by their unmerged cells only.
    """
    from openpyxl import load_workbook

    flat = convert(files, workdir / "fods", "fods", timeout)
    for f in flat:
        f.write_text(_FIXED_ROW.sub(r'\1style:use-optimal-row-height="true"', f.read_text(encoding="utf-8")), "utf-8")
    out = []
    for book in convert(flat, workdir / "optimal", "xlsx", timeout):
        wb = load_workbook(book)
        out.append({ws.title: {r: d.height for r, d in ws.row_dimensions.items() if d.height} for ws in wb})
    return out
