"""Helpers for the batch tests (a module, so that worker processes can import the task below)."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

from openpyxl import load_workbook

from engine.batch import run as batch
from engine.tools.summary import FailedInput

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
AS_OF = "2014-01-15T09:00:00+08:00"


def submission(folder: Path, file: str, unit: str, unit_type: str = "区县政府", base: str = "gaizhou-2016", **values):
    """Write a copy of an example with another unit name (and changed indicators) to folder/file."""
    data = json.loads((EXAMPLES / f"{base}.json").read_text(encoding="utf-8"))
    data["单位名称"] = unit
    data["单位类型"] = unit_type
    data["指标"].update(values)
    if unit_type == "区直部门":
        data["指标"].pop("人民调解成功率", None)
    path = folder / file
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")  # \uXXXX escapes: surrogates survive
    return path


def sheet_values(path: Path) -> dict[str, list[tuple]]:
    """Every cell value of every sheet, row by row."""
    wb = load_workbook(path)
    return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in wb}


def crash_on_poison(item: batch.Input) -> batch.Outcome:
    """A task whose worker dies (as a segfault would kill it) on files named poison*."""
    if Path(item.path).name.startswith("poison"):
        os._exit(7)
    return batch.assess_one(item)


@functools.cache
def examples_summary():
    """The summary `assess batch examples --as-of AS_OF` builds, assessed in this process."""
    import datetime as dt

    from engine.cli.batch import _unit_types
    from engine.tools.summary import build_summary

    items, missing = batch.discover([str(EXAMPLES)])
    rows, failures = batch.run(
        items, missing, rules=None, as_of=dt.datetime.fromisoformat(AS_OF), folder=None, jobs=1, on_unit=lambda _: None
    )
    rows, failures = batch.relative_files(rows, failures, [i.path for i in items])
    types = _unit_types(batch.check_rules(None), rows)
    return build_summary(rows, failures, inputs=len(items), assessed_at=AS_OF, unit_types=types)


def nothing_done(item: batch.Input) -> batch.Outcome:
    """A task that assesses nothing: an outcome a worker sends back, cheaply."""
    return batch.Outcome(item.index, failure=FailedInput(item.index, item.path, "测试", ("x" * 10_000,)))
