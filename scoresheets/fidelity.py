"""Does a scoresheet file show what the engine wrote? Every cell against a fresh build (`assess verify`).

The same result — the ruleset, submission and review file the sheet records, at its recorded
assessment time — always builds the same workbook, whatever its layout. So the file is compared
with that build sheet by sheet and cell by cell: values and formulas, number formats, what hides
a cell from a reader (hidden rows, columns and sheets, text in the colour of its fill, tiny type,
rich-text runs, merged ranges), comments and links, defined names, the cached value of every
formula, and the archive's parts (external links, drawings, embedded objects).

The cells the sheet leaves unlocked for assessors (扣分, 加分) may differ: those are review
changes, a number within [0, 分值], and the totals they move are recomputed with them (the fresh
build's own formulas, evaluated exactly). Anything else that differs is listed as tampering.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
import zlib
from decimal import Decimal
from typing import Any

from engine.documents.numbers import format_decimal
from engine.result import AssessmentResult
from engine.tools.verify import Difference, Verification, shown
from scoresheets.audit import NONE
from scoresheets.formulas import FUNCTIONS, Formula, XlError, to_decimal
from scoresheets.guard import CONTENT, content_digest
from scoresheets.readback import ScoresheetReading
from scoresheets.scoresheet import SHEET
from scoresheets.styles import HEADER
from scoresheets.workbook import build_workbook

MAX_LISTED = 200  # cells listed per sheet; a deleted row moves every row under it
_PARTS = re.compile(  # what openpyxl writes, and what Excel or LibreOffice add when they save it
    r"\[Content_Types\]\.xml|_rels/\.rels|docProps/(app|core|custom)\.xml|xl/workbook\.xml|xl/styles\.xml"
    r"|xl/sharedStrings\.xml|xl/calcChain\.xml|xl/theme/theme\d+\.xml|xl/worksheets/sheet\d+\.xml"
    r"|xl/printerSettings/printerSettings\d+\.bin|(xl|xl/worksheets)/_rels/[^/]+\.rels"
)
_FUNCTION = re.compile(r"([A-Z][A-Z0-9._]*)\s*\(", re.IGNORECASE)
_ELSEWHERE = re.compile(r"\[[^\]]*\]|!")  # [1]Sheet1!A1, 'C:\x\[a.xlsx]S'!A1, Sheet2!A1


def check_against_build(reading: ScoresheetReading, outcome: Verification) -> None:
    """Compare the workbook read with a fresh build of outcome.result; add tampering and review changes."""
    fresh = build_workbook(as_recorded(outcome.result, reading))
    book, cached = reading.book, reading.cached_book
    recorded = next((str(p.value) for p in book.custom_doc_props if p.name == CONTENT), None)
    original = recorded == content_digest(fresh)
    if recorded is None:
        outcome.notes.append("评分表没有记录内容摘要（内容SHA-256）：考核组的复核改动与其他改动一样列为不一致")
    elif not original and not outcome.differences:
        outcome.notes.append(
            "重新生成的评分表与表中记录的内容摘要不同：评分表可能由另一版本的本系统写出，逐格比对的差异可能来自版式"
        )
    found = _Comparison(reading, outcome, fresh, original)
    found.sheets(book)
    theirs = {ws.title: ws for ws in book.worksheets}  # a chart sheet of the same name is no worksheet
    for ws in fresh.worksheets:
        if ws.title in theirs:
            found.sheet(ws, theirs[ws.title], cached[ws.title])
    found.names(book)
    found.parts()
    found.reviewed()


def as_recorded(result: AssessmentResult, reading: ScoresheetReading) -> AssessmentResult:
    """The result with the audit facts the sheet records that are not content: file names, version, time."""
    recorded = {label: value for label, (_, value) in reading.audit_block.items()} | reading.props
    update = {}
    for label, name in (
        ("规则文件", "rules_file"),
        ("申报文件", "submission_file"),
        ("引擎版本", "engine_version"),
        ("复核文件", "overrides_file"),
    ):
        if recorded.get(label):
            update[name] = "" if recorded[label] == NONE and name == "overrides_file" else recorded[label]
    try:  # the time the assessment was redone at, unless the sheet's is not a time at all
        dt.datetime.fromisoformat(recorded.get("评分时间", ""))
        update["assessed_at"] = recorded["评分时间"]
    except ValueError:
        pass
    return result.model_copy(update={"audit": result.audit.model_copy(update=update)})


class _Comparison:
    def __init__(self, reading: ScoresheetReading, outcome: Verification, fresh: Any, original: bool):
        self.reading, self.outcome, self.fresh = reading, outcome, fresh
        # review changes are told from tampering only against the workbook as the engine wrote it:
        # the fresh build gives the digest recorded when it was written (same inputs, same layout)
        self.original = original
        self.path = reading.path
        self.inputs: dict[tuple[int, int], Any] = {}  # review values, at their cells on the 评分表 sheet
        self.where = ScoresheetReading(fresh[SHEET], fresh[SHEET])  # rows of the build: 规则编号 and labels
        self.rows = {row: rid for rid, row in {**self.where.items, **self.where.bonuses}.items()}
        self.rows |= {row: label for label, row in self.where.labels.items()}
        self.semantic = len(outcome.differences)  # what verify_scoresheet found, before this comparison
        self.found = {d.cell for d in outcome.differences}
        self.pending: list[tuple[str, str, str, int, int, Any]] = []  # stored formula results to check

    def differ(self, cell: str, what: str, now: str, written: str, against: str = "本系统写出") -> None:
        self.outcome.differences.append(Difference(cell, what, now, written, against))

    # -- the workbook -------------------------------------------------------------------------

    def sheets(self, book: Any) -> None:
        ours = [ws.title for ws in self.fresh.worksheets]
        for ws in book.worksheets:
            if ws.title not in ours:
                self.differ(ws.title, "工作表", "有此工作表", "（本系统不写此工作表）")
            elif ws.sheet_state != "visible":
                self.differ(ws.title, "工作表", "已隐藏", "可见")
        for title in ours:
            if title not in [ws.title for ws in book.worksheets]:
                self.differ(title, "工作表", "（没有此工作表）", "有此工作表")
        if [t for t in book.sheetnames if t in ours] != [t for t in ours if t in book.sheetnames]:
            self.differ("工作簿", "工作表顺序", "、".join(book.sheetnames), "、".join(ours))

    def names(self, book: Any) -> None:
        # LibreOffice writes '评分表'!$H$59 as 评分表!$H$59: the quotes change nothing
        ours = {name: d.attr_text.replace("'", "") for name, d in self.fresh.defined_names.items()}
        theirs = {name: (d.attr_text or "").replace("'", "") for name, d in book.defined_names.items()}
        for name in sorted(set(ours) | set(theirs)):
            if ours.get(name) != theirs.get(name):
                self.differ("工作簿", f"名称 {name}", theirs.get(name) or "（没有）", ours.get(name) or "（没有）")
        if getattr(book, "_external_links", None):
            self.differ("工作簿", "外部链接", f"引用 {len(book._external_links)} 个其他工作簿", "（不引用其他工作簿）")

    def parts(self) -> None:
        """Archive members a reader's program shows or fetches but openpyxl does not read: drawings, links,
        objects; and any member whose compressed data is damaged (a reader's program would repair it)."""
        with zipfile.ZipFile(self.path) as zf:
            for info in zf.infolist():
                name = info.filename
                try:
                    data = zf.read(name)  # sizes bounded by the xlsx guard before this
                except (zipfile.BadZipFile, zlib.error, EOFError):
                    self.differ(name, "工作簿部件", "已损坏，无法读取", "（完好的部件）")
                    continue
                if not _PARTS.fullmatch(name):
                    self.differ(
                        name, "工作簿部件", "有此部件", "（本系统不写：外部链接、图形、批注或嵌入对象无法核对）"
                    )
                elif name.endswith(".rels"):
                    text = data.decode("utf-8", "replace")
                    for target in re.findall(r'Target="([^"]*)"[^>]*TargetMode="External"', text):
                        self.differ(name, "外部链接", target, "（本系统不写外部链接）")
                    for target in re.findall(r'TargetMode="External"[^>]*Target="([^"]*)"', text):
                        self.differ(name, "外部链接", target, "（本系统不写外部链接）")

    # -- one sheet ------------------------------------------------------------------------------

    def sheet(self, ours: Any, theirs: Any, cached: Any) -> None:
        title = ours.title
        headers = _headers(ours)
        listed = 0
        coords = sorted(set(ours._cells) | set(theirs._cells))
        protected = ours.protection.sheet and self.original
        for row, col in coords:
            mine, yours = ours._cells.get((row, col)), theirs._cells.get((row, col))
            ref = f"{title}!{(mine or yours).coordinate}"
            what = self.describe(title, row, col, headers)
            before = len(self.outcome.differences)
            if protected and mine is not None and mine.protection.locked is False:
                self.review(ref, what, row, col, mine, yours)
            else:
                self.cell(ref, what, mine, yours)
            if yours is not None:
                try:
                    self.looks(ref, what, mine, yours)
                except IndexError:  # openpyxl: the cell names a style the style sheet does not have
                    self.differ(ref, f"{what} 样式", "样式表中没有此单元格所用的样式", "（本系统写出的样式）")
                self.cached(ref, what, title, row, col, mine, yours, cached)
            listed += len(self.outcome.differences) - before
            if listed > MAX_LISTED:
                del self.outcome.differences[before:]
                self.differ(title, "其余单元格", f"另有不同（只列出前 {MAX_LISTED} 处）", "")
                break
        self.outcome.compared += len(coords)
        self.layout(ours, theirs)

    def describe(self, title: str, row: int, col: int, headers: dict[int, list[tuple[int, str]]]) -> str:
        header = next((text for r, text in reversed(headers.get(col, [])) if r < row), "")
        owner = self.rows.get(row, "") if title == SHEET else ""
        return " ".join(p for p in (owner, header) if p) or "单元格"

    def cell(self, ref: str, what: str, mine: Any, yours: Any) -> None:
        if _content(mine) == _content(yours):
            return
        written, now = _raw(mine), _raw(yours)
        if _is_formula(yours):
            self.differ(ref, f"{what} 公式", _show(now), f"{_show(written)}{_foreign(now)}")
        elif ref not in self.found:  # listed already by the comparison with the recomputed result
            self.differ(ref, what, _show(now), _show(written))

    def review(self, ref: str, what: str, row: int, col: int, mine: Any, yours: Any) -> None:
        """An unlocked cell: a number within [0, 分值] (or, where the engine wrote text, text) is a
        review change; anything else is not."""
        if _content(mine) == _content(yours):
            return
        written, now = _raw(mine), _raw(yours)
        if not isinstance(written, (int, float)) and mine.number_format in ("General", "@"):  # a note
            if _is_formula(yours) or not (now is None or isinstance(now, str)):
                self.differ(ref, f"{what}（复核说明须为文字）", _show(now), _show(written))
            else:
                self.outcome.reviews.append(Difference(ref, what, _show(now), _show(written)))
            return
        rid = self.rows.get(row)
        limit = _max_points(self.outcome.result, rid)
        number = None
        if isinstance(now, (int, float)) and not isinstance(now, bool):
            try:
                number = to_decimal(now)
            except XlError:
                number = None
        if number is None or number < 0 or (limit is not None and number > limit):
            bound = f" 0 到 {format_decimal(limit)} 之间的数" if limit is not None else "不小于 0 的数"
            self.differ(ref, f"{what}（复核值须为{bound}）", _show(now), _show(written))
            return
        self.inputs[(row, col)] = now
        self.outcome.reviews.append(Difference(ref, what, _show(now), _show(written)))

    def looks(self, ref: str, what: str, mine: Any, yours: Any) -> None:
        """What decides how the value looks: the number format, and anything that hides it."""
        ours = mine.number_format if mine is not None else "General"
        if yours.number_format != ours and not (_blank(yours) and _literal(yours.number_format) is None):
            shown = _literal(yours.number_format)
            why = f"（显示为文字“{shown}”而不是单元格的值）" if shown else ""
            self.differ(ref, f"{what} 数字格式", f"{yours.number_format}{why}", ours)
        hidden, ours_hidden = _hides(yours), (_hides(mine) if mine is not None else None)
        if hidden and not ours_hidden and not _blank(yours):
            self.differ(ref, f"{what} 字体", hidden, "（可见）")
        if _is_rich(yours.value):
            self.differ(ref, f"{what} 文字格式", "部分文字另设字体或颜色", "（整格同一字体）")
        if yours.comment is not None and (mine is None or mine.comment is None):
            self.differ(ref, f"{what} 批注", str(yours.comment.text)[:200], "（没有批注）")
        if yours.hyperlink is not None and (mine is None or mine.hyperlink is None):
            self.differ(ref, f"{what} 超链接", str(yours.hyperlink.target or yours.hyperlink.location), "（没有链接）")

    def cached(self, ref: str, what: str, title: str, row: int, col: int, mine: Any, yours: Any, cached: Any) -> None:
        """A formula's stored result (shown by programs that do not recalculate) against its recomputation."""
        if not _is_formula(yours) or _content(mine) != _content(yours):
            return  # no formula, or one that is listed already
        cell = cached._cells.get((row, col))
        stored = None if cell is None else cell.value
        if stored is None:
            return  # no stored result: every program computes it on opening
        self.pending.append((ref, what, title, row, col, stored))

    def layout(self, ours: Any, theirs: Any) -> None:
        """Rows, columns, merged ranges and conditional formats: what can hide or dress a cell."""
        title = ours.title
        for row, dim in theirs.row_dimensions.items():
            mine = ours.row_dimensions[row] if row in ours.row_dimensions else None
            if (dim.hidden or (dim.height is not None and dim.height < 3)) and not (mine is not None and mine.hidden):
                self.differ(f"{title}!{row}:{row}", "行", "已隐藏", "可见")
        for letter, dim in theirs.column_dimensions.items():
            mine = ours.column_dimensions[letter] if letter in ours.column_dimensions else None
            narrow = dim.customWidth and dim.width is not None and dim.width < 1
            if (dim.hidden or narrow) and not (mine is not None and mine.hidden):
                self.differ(f"{title}!{letter}:{letter}", "列", "已隐藏", "可见")
        merged_ours = {str(r) for r in ours.merged_cells.ranges}
        merged_theirs = {str(r) for r in theirs.merged_cells.ranges}
        for extra in sorted(merged_theirs - merged_ours):
            self.differ(f"{title}!{extra}", "合并单元格", "已合并", "（本系统未合并）")
        for gone in sorted(merged_ours - merged_theirs):
            self.differ(f"{title}!{gone}", "合并单元格", "未合并", "已合并")
        rules_ours = _formats(ours)
        for sqref, rule in sorted(_formats(theirs) - rules_ours):
            self.differ(f"{title}!{sqref}", "条件格式", rule, "（本系统不写此条件格式）")
        checks_ours = _validations(ours)
        for sqref, check in sorted(_validations(theirs) - checks_ours):
            self.differ(f"{title}!{sqref}", "数据验证（选中单元格时的提示、输入的范围）", check, "（本系统不写此验证）")
        for what, mine, yours in (
            ("打印区域", ours.print_area, theirs.print_area),
            ("打印标题行", ours.print_title_rows, theirs.print_title_rows),
        ):
            if (mine or "").replace("'", "") != (yours or "").replace("'", ""):  # quoting changes nothing
                self.differ(title, what, _show(yours), _show(mine))
        printed_ours, printed_theirs = _printed(ours), _printed(theirs)
        for part in sorted(set(printed_ours) | set(printed_theirs)):
            if printed_ours.get(part) != printed_theirs.get(part):
                now, then = printed_theirs.get(part), printed_ours.get(part)
                self.differ(f"{title}（{part}）", "打印的页眉页脚", _show(now), _show(then))

    # -- review changes and stored results --------------------------------------------------------

    def elsewhere(self, title: str, row: int, col: int, scoresheet: Any) -> Any:
        """A formula on another sheet (考核结果) that reads only the 评分表: evaluated over it."""
        formula = self.fresh[title].cell(row, col).value
        if not isinstance(formula, str) or not formula.startswith("="):
            return None
        bare = _ON_SCORESHEET.sub("", formula[1:])
        if "!" in bare:
            return None  # reads a sheet other than the 评分表
        try:
            return Formula(bare, scoresheet).evaluate()
        except Exception:  # noqa: BLE001 — not one the evaluator knows: no expected value, listed below
            return None

    def reviewed(self) -> None:
        """Recompute the sheet with the review changes; compare stored results; drop what they explain."""
        ws = self.fresh[SHEET]
        original = ScoresheetReading(ws, ws)
        before = {key: original.value(*key) for key in _formula_cells(ws)}
        for (row, col), value in self.inputs.items():
            ws.cell(row, col).value = value
        after = ScoresheetReading(ws, ws)
        headers = _headers(ws)
        for key, was in before.items():
            now = after.value(*key)
            if self.inputs and now != was:
                ref = f"{SHEET}!{ws.cell(*key).coordinate}"
                what = f"{self.describe(SHEET, *key, headers)}（按复核改动重新计算）"
                self.outcome.reviews.append(Difference(ref, what, _show(now), _show(was)))
        for ref, what, title, row, col, stored in self.pending:
            expected = after.value(row, col) if title == SHEET else self.elsewhere(title, row, col, after)
            if not _stored_is(stored, expected):
                self.differ(
                    ref, f"{what} 公式的缓存值（不重新计算的程序显示它）", _show(stored), _show(expected), "重新计算"
                )
        if not self.inputs:
            return
        kept = []
        for d in self.outcome.differences[: self.semantic]:  # what a review change explains is not tampering
            key = _key(d.cell)
            if key is None or self.reading.value(*key) != after.value(*key):
                kept.append(d)
        self.outcome.differences[: self.semantic] = kept


# -- helpers ---------------------------------------------------------------------------------------


def _raw(cell: Any) -> Any:
    if cell is None:
        return None
    value = cell.value
    return str(value) if _is_rich(value) else getattr(value, "text", value)


def _is_formula(cell: Any) -> bool:
    return cell is not None and cell.data_type == "f"


def _is_rich(value: Any) -> bool:
    return type(value).__name__ == "CellRichText"


def _blank(cell: Any) -> bool:
    return cell.value is None or cell.value == ""


_ON_SCORESHEET = re.compile(rf"'?{SHEET}'?!")
_UNQUOTED = re.compile(r"'([^'\s!\[\]:*?/\\()+\-,&<>=^\"]+)'!")  # quotes a plain sheet name does not need


def _content(cell: Any) -> str:
    """What a cell holds, in one spelling: a formula, a number (2.50 = 2.5) or text, each marked as such."""
    value = _raw(cell)
    if value is None or value == "":
        return ""
    if _is_formula(cell):
        # one spelling of a sheet reference: LibreOffice re-saves '评分表'!H59 as 评分表!H59
        return "=" + _UNQUOTED.sub(r"\1!", re.sub(r"\s+", "", str(value).lstrip("=")))
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        try:
            return "#" + format(to_decimal(value).normalize(), "f")
        except XlError:
            return f"#{value}"
    return f"'{value}"  # text, even when it reads as a number or a formula


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        try:
            value = to_decimal(value)
        except XlError:
            return str(value)
    return shown(value)


def _foreign(formula: str) -> str:
    """Why a formula is not one the engine writes: functions outside the allow-list, other workbooks or sheets."""
    found = []
    names = sorted({m.upper() for m in _FUNCTION.findall(formula)} - FUNCTIONS)
    if names:
        found.append(f"函数 {'、'.join(names)} 不在本系统使用的函数（{'、'.join(sorted(FUNCTIONS))}）之列")
    if _ELSEWHERE.search(formula):
        found.append("引用其他工作簿或工作表")
    return f"；{'；'.join(found)}" if found else ""


def _literal(fmt: str) -> str | None:
    """The text a number format shows in place of the value ("99.50", 99.50 escaped), if it has any."""
    if not fmt or fmt == "General":
        return None
    quoted = "".join(re.findall(r'"([^"]*)"', fmt))
    escaped = "".join(re.findall(r"\\(.)", fmt))
    bare = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", fmt)
    if quoted or escaped or re.search(r"[1-9]", bare) or ";;" in fmt or fmt.strip(";") == "":
        return (quoted or escaped or bare) or "（空）"
    return None


_WHITE = {"FFFFFF", "FFFFFE"}


def _rgb(color: Any) -> str | None:
    if color is None:
        return None
    kind = getattr(color, "type", None)
    if kind == "theme":
        return {0: "FFFFFF", 1: "000000"}.get(color.theme)  # 背景 1 and 文字 1 of every theme
    if kind == "indexed":
        from openpyxl.styles.colors import COLOR_INDEX

        index = color.indexed
        return COLOR_INDEX[index][-6:] if isinstance(index, int) and 0 <= index < len(COLOR_INDEX) else None
    if kind != "rgb":
        return None
    rgb = getattr(color, "rgb", None)
    return rgb[-6:].upper() if isinstance(rgb, str) and len(rgb) >= 6 else None


def _hides(cell: Any) -> str | None:
    """Why a reader would not see the cell's text, if it is hidden by its look."""
    font = cell.font
    if font is None:
        return None
    if font.sz is not None and float(font.sz) < 6:
        return f"字号 {font.sz}（看不清）"
    text, fill = _rgb(font.color), None
    if cell.fill is not None and cell.fill.fill_type == "solid":
        fill = _rgb(cell.fill.fgColor)
    background = fill or "FFFFFF"
    if text is not None and (text == background or (text in _WHITE and background in _WHITE)):
        return f"文字颜色 {text} 与底色相同（看不见）"
    return None


def _headers(ws: Any) -> dict[int, list[tuple[int, str]]]:
    """Column → (row, text) of the header cells (the 表头 style) a build has."""
    out: dict[int, list[tuple[int, str]]] = {}
    for (row, col), cell in sorted(ws._cells.items()):
        if cell.style == HEADER and isinstance(cell.value, str):
            out.setdefault(col, []).append((row, cell.value))
    return out


def _formats(ws: Any) -> set[tuple[str, str]]:
    out = set()
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            dxf, look = rule.dxf, []
            if dxf is not None and dxf.numFmt is not None:
                look.append(f"数字格式 {dxf.numFmt.formatCode}")
            if dxf is not None and dxf.font is not None and _rgb(dxf.font.color):
                look.append(f"文字颜色 {_rgb(dxf.font.color)}")
            condition = " ".join(p for p in (rule.type, rule.operator, "、".join(rule.formula or [])) if p)
            out.add((str(cf.sqref), "；".join([condition, *look])))
    return out


def _validations(ws: Any) -> set[tuple[str, str]]:
    out = set()
    for dv in ws.data_validations.dataValidation:
        shown = (dv.type, dv.operator, dv.formula1, dv.formula2, dv.promptTitle, dv.prompt, dv.errorTitle, dv.error)
        out.add((str(dv.sqref), "；".join(str(p) for p in shown if p)))
    return out


def _printed(ws: Any) -> dict[str, str]:
    """The text of every page header and footer, by part (奇数页页眉左 …)."""
    out = {}
    for name, words in _PAGE_PARTS.items():
        for side, word in (("left", "左"), ("center", "中"), ("right", "右")):
            text = getattr(getattr(ws, name), side).text
            if text:
                out[f"{words}{word}"] = text
    return out


_PAGE_PARTS = {
    "oddHeader": "页眉",
    "oddFooter": "页脚",
    "evenHeader": "偶数页页眉",
    "evenFooter": "偶数页页脚",
    "firstHeader": "首页页眉",
    "firstFooter": "首页页脚",
}


def _formula_cells(ws: Any) -> list[tuple[int, int]]:
    return sorted(key for key, cell in ws._cells.items() if cell.data_type == "f")


def _max_points(result: AssessmentResult, rid: str | None) -> Decimal | None:
    for item in (*result.items, *result.bonuses):
        if item.rule_id == rid:
            return item.max_points
    return None


def _stored_is(stored: Any, expected: Any) -> bool:
    if isinstance(stored, (int, float)) and not isinstance(stored, bool):
        try:
            return isinstance(expected, Decimal) and abs(to_decimal(stored) - expected) <= Decimal("1E-9")
        except XlError:
            return False
    if isinstance(stored, bool):
        return expected == ("TRUE" if stored else "FALSE")
    return str(stored) == str(expected)


def _key(cell: str) -> tuple[int, int] | None:
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    if not cell.startswith(f"{SHEET}!"):
        return None
    try:
        col, row = coordinate_from_string(cell.split("!", 1)[1])
    except ValueError:
        return None
    return row, column_index_from_string(col)
