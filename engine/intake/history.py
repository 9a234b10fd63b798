"""Earlier results (`--history`): the JSON `assess --format json` and `assess batch --format json`
write, read back as each unit's PreviousResult, and which of them is a submission's year before.

A unit is matched by its 单位编码 when the submission carries one, else by its name. A unit without
a 单位编码 that the year before's results do not know by name is an error: it was renamed (give
both years the same 单位编码) or is new (give it a 单位编码 of its own) — the engine cannot tell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from engine.documents.fast_json import load_data_document
from engine.documents.source import Document
from engine.errors import ErrorList, HistoryError, InputError, Location, Problem
from engine.intake.submission import Submission
from engine.result import PreviousRecord, PreviousResult

SUMMARY = "汇总.xlsx"  # a batch's summary beside its scoresheets: not a unit's result


@dataclass(frozen=True)
class History:
    """Every unit's result found in the files given, by year."""

    source: str
    entries: tuple[PreviousResult, ...]

    def previous_of(self, submission: Submission) -> PreviousResult | None:
        """The submission's result of the year before; None for a unit the history marks as new
        (a 单位编码 it does not hold). Raises a located HistoryError when no id or name links them."""
        year = submission.year - 1
        here = [e for e in self.entries if e.year == year]
        at = Location(submission.file, path=("单位编码",) if submission.unit_id else ("单位名称",))
        if not here:
            years = "、".join(str(y) for y in sorted({e.year for e in self.entries})) or "无"
            message = (
                f"上年结果 {self.source} 中没有{year}年度的结果（其中为：{years}年度）；"
                f"{submission.year}年度的评分应给出{year}年度的结果"
            )
            raise HistoryError(Problem(at, message, "history.year"))
        if submission.unit_id:
            by_id = [e for e in here if e.unit_id == submission.unit_id]
            if by_id:
                return by_id[0]
            clash = [e for e in here if e.unit == submission.unit and e.unit_id]
            if clash:
                message = (
                    f"单位编码 “{submission.unit_id}” 与上年结果中“{submission.unit}”的单位编码 "
                    f"“{clash[0].unit_id}” 不一致；同一单位历年应使用相同的单位编码"
                )
                raise HistoryError(Problem(at, message, "history.id-mismatch", submission.unit_id))
            return None  # a unit new this year
        by_name = [e for e in here if e.unit == submission.unit]
        if by_name:
            return by_name[0]
        message = (
            f"上年结果 {self.source} 中没有单位“{submission.unit}”（{year}年度），申报数据也没有单位编码："
            "若单位已更名，请在两年的申报数据中填写相同的“单位编码”；若为新设单位，请填写一个新的“单位编码”"
        )
        raise HistoryError(Problem(at, message, "history.unmatched", submission.unit))


def load_history(path: Path | str, sheet: Callable[[Path], PreviousResult] | None = None) -> History:
    """Read a result JSON, a batch summary JSON, or a folder of them (every *.json, recursively);
    with `sheet` (scoresheets.readback.previous_of_sheet), scoresheets (*.xlsx with a 评分表) too."""
    path = Path(path)
    kinds = (".json", ".xlsx") if sheet is not None else (".json",)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in kinds and p.name != SUMMARY)
        if not files:
            raise HistoryError(
                Problem(Location(str(path)), "文件夹中没有评分结果（结果 JSON 或评分表）", "history.empty")
            )
    elif path.is_file():
        files = [path]
    else:
        raise HistoryError(Problem(Location(str(path)), "找不到上年结果文件或文件夹", "history.missing"))
    errors = ErrorList()
    entries: list[PreviousResult] = []
    for file in files:
        if file.suffix.lower() == ".xlsx" and sheet is not None:
            try:
                entries.append(sheet(file))
            except InputError as exc:
                errors.problems.extend(exc.problems)
            continue
        doc = load_data_document(file, HistoryError)
        entries.extend(_entries(doc, errors))
    if errors:
        raise HistoryError(errors.problems)
    return History(str(path), tuple(entries))


def _entries(doc: Document, errors: ErrorList) -> list[PreviousResult]:
    data = doc.data
    source = Path(doc.file).name
    if isinstance(data, dict) and isinstance(data.get("ranking"), list):  # assess batch --format json
        rows = [(("ranking", n), row, _from_row) for n, row in enumerate(data["ranking"])]
    elif isinstance(data, dict) and "items" in data and "total" in data:  # assess --format json
        rows = [((), data, _from_result)]
    else:
        errors.add(
            doc.locate(()),
            "不是评分结果：应为 assess --format json 或 assess batch --format json 写出的 JSON",
            "history.not-a-result",
        )
        return []
    out = []
    for loc, row, read in rows:
        try:
            out.append(read(row, source, data))
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            errors.add(doc.locate(loc), f"评分结果不完整或有误（{exc}）；请用本程序重新生成", "history.invalid")
    return out


def _record(n: int, rec: dict[str, Any]) -> PreviousRecord:
    return PreviousRecord(
        seq=int(rec.get("seq", n)), rule_id=str(rec["rule_id"]), event=str(rec["event"]), severity=str(rec["severity"])
    )


def _from_result(data: dict[str, Any], source: str, _whole: Any = None) -> PreviousResult:
    items = {i["rule_id"]: Decimal(i["score"]) for i in data["items"] if i["counted"] and i["status"] != "待复核"}
    return PreviousResult(
        year=int(data["year"]),
        unit=str(data["unit"]),
        unit_id=str(data.get("unit_id") or ""),
        total=Decimal(data["total"]),
        grade=(data.get("grade") or {}).get("grade"),
        item_scores=items,
        bad_records=len(data.get("bad_records") or []),
        records=[_record(n, r) for n, r in enumerate(data.get("bad_records") or [], start=1)],
        source=source,
    )


def _from_row(row: dict[str, Any], source: str, whole: dict[str, Any]) -> PreviousResult:
    # the summary lists every unit's 不良记录 together, in each unit's order (its 序号)
    mine = [b for b in whole.get("bad_records") or [] if b["unit"] == row["unit"] and b.get("file") == row.get("file")]
    return PreviousResult(
        year=int(row["year"]),
        unit=str(row["unit"]),
        unit_id=str(row.get("unit_id") or ""),
        total=Decimal(row["total"]),
        grade=row.get("grade"),
        item_scores={k: Decimal(v) for k, v in (row.get("item_scores") or {}).items()},
        bad_records=int(row.get("bad_record_count", 0)),
        records=[_record(n, r) for n, r in enumerate(mine, start=1)],
        source=source,
    )
