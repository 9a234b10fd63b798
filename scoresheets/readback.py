"""Reading a scoresheet back (for `assess verify`): where each item, total and audit value is, and its value."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

from engine.documents.xlsx_guard import check_xlsx
from engine.errors import Location, Problem, ScoresheetError
from engine.result import PreviousRecord, PreviousResult
from scoresheets.audit import FIELDS, HEADING, read_audit_properties
from scoresheets.bad_records import HEADER_ROW
from scoresheets.bad_records import SHEET as RECORDS
from scoresheets.formulas import Bounds, Formula, TooCostly, Unknown, Unsupported, XlError, to_decimal
from scoresheets.scoresheet import CAT1, DASH, DED, FIRST_ROW, LABEL_END, MAX, RULE, SCORE, SEQ, SHEET

Value = Decimal | str | None


def previous_of_sheet(path: Path) -> PreviousResult:
    """A scoresheet read back as a unit's result for a later year's --history: 总分, 等次 and each
    item's 得分 as the sheet now computes them (an assessor's edits included), the unit from its properties."""
    reading = read_scoresheet(path)
    props = reading.props
    where = Location(str(path))
    if not props.get("单位名称") or not props.get("考核年度", "").isdigit():
        message = "评分表没有记录单位名称和考核年度（较早版本写出的）；请重新评分，或改用 assess --format json 的结果"
        raise ScoresheetError(Problem(where, message, "scoresheet.no-unit"))

    def at(label: str) -> Value:
        row = reading.labels.get(label)
        return None if row is None else reading.value(row, SCORE)

    total = at("总分")
    if not isinstance(total, Decimal):
        raise ScoresheetError(Problem(where, f"评分表的总分不是数值（{total}）", "scoresheet.total"))
    grade = at("等次")
    scores = {rid: reading.value(row, SCORE) for rid, row in reading.items.items()}
    return PreviousResult(
        year=int(props["考核年度"]),
        unit=props["单位名称"],
        unit_id=props.get("单位编码", ""),
        total=total,
        grade=grade if isinstance(grade, str) and grade != DASH else None,
        item_scores={rid: v for rid, v in scores.items() if isinstance(v, Decimal)},
        bad_records=int(props.get("不良记录数") or 0),
        records=_records(reading),
        source=path.name,
    )


def _records(reading: ScoresheetReading) -> list[PreviousRecord] | None:
    """The sheet 不良记录 as the year before's records (序号, 事项, the rule id that opens 依据, 严重程度);
    None when the sheet is missing or its rows do not add up to the recorded number."""
    if reading.book is None or RECORDS not in reading.book.sheetnames:
        return None
    out = []
    for seq, event, basis, _, severity, *_ in reading.book[RECORDS].iter_rows(min_row=HEADER_ROW + 1, values_only=True):
        if isinstance(seq, int) and isinstance(event, str) and isinstance(basis, str) and basis.split():
            out.append(PreviousRecord(seq=seq, rule_id=basis.split()[0], event=event, severity=str(severity or "一般")))
    return out if len(out) == int(reading.props.get("不良记录数") or 0) else None


def read_scoresheet(path: Path | str) -> ScoresheetReading:
    """Open a scoresheet (after the xlsx guard) and read its 评分表 sheet and audit facts."""
    from openpyxl import load_workbook

    path = Path(path)
    raw = check_xlsx(path, ScoresheetError)
    try:
        book = load_workbook(BytesIO(raw), rich_text=True)  # rich text: runs in other colours are what a reader sees
        cached = load_workbook(BytesIO(raw), data_only=True)
    except Exception as exc:  # openpyxl has many ways to fail on a damaged file
        raise ScoresheetError(
            Problem(Location(str(path)), f"无法作为工作簿读取（{type(exc).__name__}）", "scoresheet.unreadable")
        ) from None
    if SHEET not in [ws.title for ws in book.worksheets]:  # a chart sheet of that name is not one
        raise ScoresheetError(
            Problem(Location(str(path)), f"没有“{SHEET}”工作表，不是本系统生成的评分表", "scoresheet.not-a-scoresheet")
        )
    reading = ScoresheetReading(book[SHEET], cached[SHEET], read_audit_properties(book), path=str(path))
    reading.book, reading.cached_book = book, cached
    reading.audit_block = reading.audit(HEADING, [label for label, _ in FIELDS])
    return reading


class ScoresheetReading:
    """The 评分表 sheet read back: rows found by 规则编号 and by label; cell values with formulas evaluated."""

    SHEET, MAX, DED, SCORE, RULE, DASH, LABEL_END = SHEET, MAX, DED, SCORE, RULE, DASH, LABEL_END

    def __init__(self, ws: Any, cached_ws: Any, props: dict[str, str] | None = None, *, path: str = ""):
        self.path = path or SHEET
        self.book: Any = None  # the whole workbook (formulas) and its cached values, when read from a file
        self.cached_book: Any = None
        self.bounds = Bounds()
        self.props = props or {}
        self.audit_block: dict[str, tuple[int, str]] = {}
        self.ws = ws
        self.cached = cached_ws
        self.items: dict[str, int] = {}
        self.bonuses: dict[str, int] = {}
        self.labels: dict[str, int] = {}
        self._memo: dict[tuple[int, int], Value] = {}
        self._active: set[tuple[int, int]] = set()
        for row in sorted({r for r, _ in ws._cells if r >= FIRST_ROW}):  # the cells there are, none created
            first = self._raw(row, SEQ)
            rule = self._raw(row, RULE)
            if isinstance(first, (int, float)) and not isinstance(first, bool) and isinstance(rule, str) and rule:
                target = self.bonuses if self._raw(row, CAT1) == "加分项" else self.items
                target.setdefault(rule.strip(), row)
            elif isinstance(first, str) and first.strip():
                self.labels.setdefault(first.strip(), row)

    def _raw(self, row: int, col: int) -> Any:
        cell = self.ws._cells.get((row, col))  # ws.cell() would create (and keep) every cell it is asked for
        return None if cell is None else cell.value

    def ref(self, row: int, col: int) -> str:
        return self.ws.cell(row, col).coordinate

    def audit(self, heading: str, labels: list[str]) -> dict[str, tuple[int, str]]:
        start = self.labels.get(heading)
        found: dict[str, tuple[int, str]] = {}
        if start is None:
            return found
        for row in range(start + 1, min(start + 1 + 2 * len(labels), self.ws.max_row) + 1):
            label = self._raw(row, 1)
            if label in labels:
                found[label] = (row, str(self._raw(row, LABEL_END + 1) or ""))
        return found

    def value(self, row: int, col: int) -> Value:
        """The cell's value, its formula evaluated; ScoresheetError at the cell beyond the cost bounds."""
        try:
            return self._value(row, col)
        except TooCostly as exc:
            if self._active:
                raise
            start = self.ref(row, col)
            where = Location(self.path, cell=f"{SHEET}!{exc.cell or start}")
            via = f"（自 {SHEET}!{start} 起）" if exc.cell and exc.cell != start else ""
            raise ScoresheetError(
                Problem(
                    where, f"{exc.reason}{via}，不予核对；本系统写出的评分表没有这样的公式", "scoresheet.too-costly"
                )
            ) from None

    def _value(self, row: int, col: int) -> Value:
        key = (row, col)
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            raise XlError("循环引用")
        self.bounds.charge(1)
        cell = self.ws._cells.get(key)
        if cell is None:
            return None
        self._active.add(key)
        try:
            with self.bounds:
                value = self._evaluate(cell.value, cell.data_type == "f", row, col)
        except XlError as exc:
            value = f"#{exc}"
        except TooCostly as exc:
            exc.cell = exc.cell or cell.coordinate  # the innermost cell: where the cost is
            raise
        finally:
            self._active.discard(key)
        self._memo[key] = value
        return value

    def _evaluate(self, raw: Any, formula: bool, row: int, col: int) -> Value:
        if raw is None:
            return None
        if isinstance(raw, bool):
            return Decimal(int(raw))
        if isinstance(raw, (int, float)):
            return to_decimal(raw)
        text = str(getattr(raw, "text", raw))
        if not formula:
            return text  # text that starts with "=" is still text
        try:
            return Formula(text[1:], self).evaluate()
        except Unsupported:
            # never the cached value: that is what a tampered file would put there
            return Unknown(f"无法核对的公式 {text}")
