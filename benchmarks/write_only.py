"""Would openpyxl's write_only mode make a scoresheet cheaper? Prints figures only.

    python benchmarks/write_only.py [--rounds 6] [--repeat 20]

The national example's scoresheet is built once; its cells (values and style arrays), column
widths, row heights and merges are then copied into a fresh normal workbook and into a
write_only one (rows appended in order, as a streaming writer would have to produce them), and
each is saved as the CLI saves (the reproducible zip). The two are timed in turns; the copy
costs about the same in both, so the difference is what write_only changes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import statistics
import time
from copy import copy
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from engine import api
from scoresheets.reproducible import workbook_bytes
from scoresheets.styles import register_styles
from scoresheets.workbook import build_workbook

ROOT = Path(__file__).resolve().parent.parent
WHEN = dt.datetime(2023, 1, 1)


def _sheets():
    result = api.assess_file(ROOT / "examples" / "national-bureau-2022.json", as_of=WHEN.astimezone())
    out = []
    for ws in build_workbook(result).worksheets:
        rows: dict[int, list] = {}
        for (r, _), cell in sorted(ws._cells.items()):
            rows.setdefault(r, []).append(cell)
        out.append((ws, sorted(rows.items())))
    return out


def normal(sheets) -> bytes:
    wb = Workbook()
    register_styles(wb)
    for n, (src, rows) in enumerate(sheets):
        ws = wb.active if n == 0 else wb.create_sheet()
        ws.title = src.title
        for key, dim in src.column_dimensions.items():
            ws.column_dimensions[key].width = dim.width
        for r, cells in rows:
            for c in cells:
                cell = ws.cell(r, c.column)
                cell._value, cell.data_type, cell._style = c._value, c.data_type, copy(c._style)
            if src.row_dimensions[r].height:
                ws.row_dimensions[r].height = src.row_dimensions[r].height
        for merged in src.merged_cells.ranges:
            ws.merged_cells.add(merged.coord)
    return workbook_bytes(wb, WHEN)


def write_only(sheets) -> bytes:
    wb = Workbook(write_only=True)
    register_styles(wb)
    for src, rows in sheets:
        ws = wb.create_sheet(src.title)
        for key, dim in src.column_dimensions.items():
            ws.column_dimensions[key].width = dim.width
        done = 0
        for r, cells in rows:
            while done + 1 < r:
                ws.append([])
                done += 1
            if src.row_dimensions[r].height:
                ws.row_dimensions[r].height = src.row_dimensions[r].height
            line: list = [None] * cells[-1].column
            for c in cells:
                cell = WriteOnlyCell(ws)
                cell._value, cell.data_type, cell._style = c._value, c.data_type, copy(c._style)
                line[c.column - 1] = cell
            ws.append(line)
            done = r
        for merged in src.merged_cells.ranges:
            ws.merged_cells.add(merged.coord)
    return workbook_bytes(wb, WHEN)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    sheets = _sheets()
    gc.freeze()
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    times: dict[str, list[float]] = {"normal": [], "write_only": []}
    size = {}
    for _ in range(args.rounds):
        for name, build in (("normal", normal), ("write_only", write_only)):
            start = time.perf_counter()
            for _ in range(args.repeat):
                data = build(sheets)
            times[name].append(1000 * (time.perf_counter() - start) / args.repeat)
            size[name] = len(data)
    print(f"{args.rounds} rounds of {args.repeat}; load {load} → {'/'.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name, values in times.items():
        print(
            f"  {name:<10} ms a scoresheet: min {min(values):.1f}  median {statistics.median(values):.1f}"
            f"  max {max(values):.1f}  ({size[name]:,} bytes)"
        )


if __name__ == "__main__":
    main()
