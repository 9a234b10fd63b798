"""Everything a reader sees of a workbook, read back: for comparing two writers of the same 汇总."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook


def _style(cell) -> tuple:
    return (
        repr(cell.font),
        repr(cell.fill),
        repr(cell.border),
        repr(cell.alignment),
        cell.number_format,
        repr(cell.protection),
    )


def _height(ws, row: int) -> float | None:
    dim = ws.row_dimensions.get(row)
    return None if dim is None else dim.height


def sheet_facts(ws) -> dict:
    """Cells (value, type, style), merges, widths, heights, page set-up, views and drawings of one sheet."""
    cells = {
        c.coordinate: (c.value, c.data_type, _style(c))
        for row in ws.iter_rows()
        for c in row
        if c.value is not None or c.has_style
    }
    rows = {c.row for row in ws.iter_rows() for c in row}
    return {
        "cells": cells,
        "merged": sorted(str(m) for m in ws.merged_cells.ranges),
        "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.width},
        "heights": {r: _height(ws, r) for r in sorted(rows | set(ws.row_dimensions)) if _height(ws, r)},
        "freeze": ws.freeze_panes,
        "print": (
            repr(ws.page_setup),
            repr(ws.print_options),
            repr(ws.page_margins),
            repr(ws.sheet_properties.pageSetUpPr),
            ws.oddHeader.right.text,
            ws.oddFooter.center.text,
            ws.print_title_rows,
            ws.print_title_cols,
            ws.print_area,
            [b.id for b in ws.row_breaks.brk],
        ),
        "filter": ws.auto_filter.ref,
        "charts": [
            (c.anchor._from.col, c.anchor._from.row, [s.val.numRef.f for s in c.series], c.width, c.height)
            for c in ws._charts
        ],
        "state": ws.sheet_state,
    }


def workbook_facts(path: Path) -> dict:
    wb = load_workbook(path)
    return {
        "sheets": {ws.title: sheet_facts(ws) for ws in wb},
        "active": wb.active.title,
        "names": sorted((n, repr(d.value)) for n, d in wb.defined_names.items()),
        "properties": [(p.name, p.value) for p in wb.custom_doc_props],
        "title": wb.properties.title,
        "creator": wb.properties.creator,
    }


def differences(a: dict, b: dict, where: str = "") -> list[str]:
    """Where two facts dictionaries differ (the first few)."""
    out: list[str] = []
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(dict.fromkeys([*a, *b])):
            if key not in a or key not in b:
                out.append(f"{where}/{key}: only in {'second' if key not in a else 'first'}")
            else:
                out += differences(a[key], b[key], f"{where}/{key}")
            if len(out) > 20:
                break
    elif a != b:
        out.append(f"{where}: {a!r} != {b!r}")
    return out
