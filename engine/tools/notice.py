"""The 考核结果通报 of a batch as content: headings, sentences and tables, every figure from the results.

The docx layout (scoresheets/notice.py) only places what is built here, so the wording can be
checked without a word processor. Sections: 考核结果 by group (table per group, sorted by rank),
the best grade, the worst grade with its reasons (total under the line, 一票否决, a cap from
不良记录), 不良记录 (the 严重 ones named), 共性问题 from the 失分分析 (items on which more than
half of the units lost points), and — when last year's results are given — 与上年比较.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from engine.scoring.arithmetic import ZERO, q
from engine.tools.summary import BatchSummary, Group, ItemStat, RankedUnit

NUMERALS = "一二三四五六七八九十"
MAX_PROBLEMS = 10  # 共性问题 listed per round; the rest are on the 汇总's 失分分析 sheet
SIGNATURE = "（落款）"
DATE_BLANK = "　　年　　月　　日"
ADDRESSEE = "各被考核单位："
ISSUER_MARK = "（发文机关标志）"
DOC_NUMBER = "（发文字号）"
REQUIREMENTS = "（此处由发文机关写明整改要求等有关事项。）"
NONE = "—"
COPY_TO = "抄送：（抄送机关）。"  # 版记 (GB/T 9704-2012 7.4): who else receives it, filled in by the issuer
PRINTER = "（印发机关）"
PRINT_DATE = "　　年　　月　　日印发"
TITLE_WIDTH = 20  # 2号 (22 pt) characters on the 156 mm line
HEADING_WIDTH = 23  # 3号 characters after （一）, on a 28-character line indented by two

# Last year's result of a unit, keyed by unit name: (上年总分, 上年等次 or None when not graded).
Previous = Mapping[str, tuple[Decimal, str | None]]


@dataclass(frozen=True)
class Heading:
    level: int  # 1: 一、 (黑体)  2: （一） (楷体)
    text: str


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths_mm: tuple[int, ...]  # across the 156 mm text width
    left: tuple[int, ...] = (1,)  # columns aligned left (names); the others are centred


Block = Heading | Para | Table


@dataclass(frozen=True)
class Notice:
    title: str
    addressee: str
    body: tuple[Block, ...]
    draft_note: str
    signature: str = SIGNATURE
    date: str = DATE_BLANK
    copy_to: str = COPY_TO
    printer: str = PRINTER
    print_date: str = PRINT_DATE

    @property
    def title_lines(self) -> tuple[str, ...]:
        return title_lines(self.title)


def width(text: str) -> float:
    """Printed width in full-width characters: an ASCII letter or digit about two thirds of one (measured on
    the rendered title: the digits' font and the space set between them and Chinese take more than half)."""
    return sum(0.65 if ord(ch) < 0x2E80 else 1 for ch in text)


# where a 公文 title may break: after its 关于…年度, before what is reported on (…结果的通报), never inside a name
_TITLE_BREAKS = ("年度", "关于")
_TITLE_TAILS = ("结果的通报", "的通报")
_JOINS = "的和与及、"  # inside a name too long for a line, a break goes after one of these


def title_lines(text: str, most: float = TITLE_WIDTH) -> tuple[str, ...]:
    """A title on as few lines as fit, broken only between phrases, lines as even as the breaks allow.

    Breaks are after 关于…年度 and before the closing 结果的通报, so the name of what was assessed stays
    whole; a name wider than a line is broken after 的/和/与/及/、 where it can be, else at the line's end."""
    if width(text) <= most:
        return (text,)
    cuts = {text.find(word) + len(word) for word in _TITLE_BREAKS if 0 < text.find(word) + len(word) < len(text)}
    cuts |= {text.rfind(tail) for tail in _TITLE_TAILS if text.rfind(tail) > 0}
    fits = [(max(width(text[:c]), width(text[c:])), c) for c in cuts if max(width(text[:c]), width(text[c:])) <= most]
    if fits:
        return (text[: min(fits)[1]], text[min(fits)[1] :])
    lines: list[str] = []
    for a, b in zip([0, *sorted(cuts)], [*sorted(cuts), len(text)], strict=True):
        piece = text[a:b]
        if lines and width(lines[-1] + piece) <= most:
            lines[-1] += piece
            continue
        if lines and len(lines[-1]) < _soft_cut(lines[-1] + piece, most):
            # rather than leave a short line (关于) alone, carry on into the piece up to a 、/的/和 in it
            whole = lines.pop() + piece
            lines.append(whole[: _soft_cut(whole, most)])
            piece = whole[_soft_cut(whole, most) :]
        while width(piece) > most:
            cut = _soft_cut(piece, most) or max(k for k in range(1, len(piece)) if width(piece[:k]) <= most)
            lines.append(piece[:cut])
            piece = piece[cut:]
        lines.append(piece)
    return tuple(lines)


def _soft_cut(text: str, most: float) -> int:
    """The last break after 的/和/与/及/、 that leaves a first line of at least half the width; 0: none."""
    soft = [k for k in range(1, len(text)) if text[k - 1] in _JOINS and most / 2 <= width(text[:k]) <= most]
    return soft[-1] if soft else 0


def d(value: Decimal) -> str:
    return f"{value:.2f}"


def signed(value: Decimal) -> str:
    return f"+{value:.2f}" if value > 0 else f"{value:.2f}"


def chinese_date(iso: str) -> str:
    when = dt.datetime.fromisoformat(iso)
    return f"{when.year}年{when.month}月{when.day}日"


def numeral(n: int) -> str:
    """1 → 一, 12 → 十二 (sections and sub-sections stay below twenty)."""
    if n <= 10:
        return NUMERALS[n - 1]
    return "十" + NUMERALS[n - 11]


class _Round:
    """The groups scored with one ruleset for one 考核年度."""

    def __init__(self, ruleset_id: str, name: str, year: int, groups: list[Group]):
        self.ruleset_id, self.name, self.year, self.groups = ruleset_id, name, year, groups

    @property
    def units(self) -> int:
        return sum(g.units for g in self.groups)

    def types(self) -> str:
        """区县政府3个单位 / 区县政府1个、区直部门2个，共3个单位."""
        if len(self.groups) == 1:
            return f"{self.groups[0].unit_type}{self.groups[0].units}个单位"
        parts = "、".join(f"{g.unit_type}{g.units}个" for g in self.groups)
        return f"{parts}，共{self.units}个单位"


def _rounds(summary: BatchSummary) -> list[_Round]:
    keyed: dict[tuple[str, int], list[Group]] = {}
    for g in summary.groups:
        keyed.setdefault((g.ruleset_id, g.year), []).append(g)
    return [_Round(rid, groups[0].ruleset_name, year, groups) for (rid, year), groups in keyed.items()]


class _Names:
    """How a group or round is named: only what tells it apart from the others in the batch.

    A heading stays on its line: when one of the group headings would not, all of them name their ruleset
    without its bracketed note (if that still tells the rulesets apart), or leave it out when the year
    and unit type alone tell every group apart; the same for the rounds' headings."""

    def __init__(self, summary: BatchSummary):
        self.years = len(summary.years) > 1
        self.rulesets = len({g.ruleset_id for g in summary.groups}) > 1
        full = {g.ruleset_name for g in summary.groups}
        short = {name: name.split("（")[0] or name for name in full}
        self.short = short if len(set(short.values())) == len(full) else {name: name for name in full}
        groups = [(g.ruleset_name, self._label(g)) for g in summary.groups]
        rounds = list(dict.fromkeys((g.ruleset_name, f"{g.year}年度" if self.years else "") for g in summary.groups))
        self.group_form, self.round_form = self._form(groups), self._form(rounds)

    def _form(self, named: list[tuple[str, str]]) -> str:
        if not self.rulesets or all(width(f"《{n}》{t}") <= HEADING_WIDTH for n, t in named):
            return "full"
        if all(width(f"《{self.short[n]}》{t}") <= HEADING_WIDTH for n, t in named):
            return "short"
        labels = [t for _, t in named]
        return "label" if all(labels) and len(set(labels)) == len(labels) else "short"

    def _label(self, g: Group) -> str:
        return f"{g.year}年度{g.unit_type}" if self.years else g.unit_type

    def _named(self, name: str, text: str, form: str = "full") -> str:
        if not self.rulesets or form == "label":
            return text
        return f"《{self.short[name] if form == 'short' else name}》{text}"

    def group(self, g: Group, heading: bool = False) -> str:
        return self._named(g.ruleset_name, self._label(g), self.group_form if heading else "full")

    def round(self, r: _Round) -> str:  # a heading
        return self._named(r.name, f"{r.year}年度" if self.years else "", self.round_form)


def title(summary: BatchSummary) -> str:
    years = "、".join(str(y) for y in summary.years)
    names = {name for _, name in summary.rulesets}
    what = "法治建设考核"
    if len(names) == 1:
        name = next(iter(names)).split("（")[0]
        for tail in ("评分细则", "细则", "评分办法", "办法"):
            name = name.removesuffix(tail)
        what = name if name.endswith("考核") else what
    return f"关于{years}年度{what}结果的通报" if years else f"关于{what}结果的通报"


def _opening(summary: BatchSummary, rounds: list[_Round]) -> list[Block]:
    if len(rounds) == 1:
        r = rounds[0]
        basis = f"根据《{r.name}》，对{r.year}年度{r.types()}的法治建设工作进行了考核"
    else:
        each = "；".join(f"依据《{r.name}》考核{r.year}年度{r.types()}" for r in rounds)
        basis = f"根据有关考核评分细则，对{summary.assessed}个单位的法治建设工作进行了考核：{each}"
    text = f"{basis}，评分于{chinese_date(summary.assessed_at)}完成。"
    notes = []
    if summary.mixed_years:
        notes.append("不同考核年度或不同评分细则的分数不可相互比较。")
    if summary.failures:
        notes.append(f"另有{len(summary.failures)}份申报材料未能评分，未列入本通报。")
    pending = [r.row for r in summary.ranking if r.row.pending]
    if pending:
        provisional = sum(1 for row in pending if row.provisional)
        tail = f"，其中{provisional}个单位的等次可能变化，标注“暂定”" if provisional else ""
        notes.append(f"有{len(pending)}个单位尚有评分项待复核，总分以复核后为准{tail}。")
    notes.append("现将考核结果通报如下：")
    return [Para(text + "".join(notes))]


def _members(summary: BatchSummary, g: Group) -> list[RankedUnit]:
    return [r for r in summary.ranking if r.group == g.label]


def _results(summary: BatchSummary, names: _Names) -> list[Block]:
    out: list[Block] = []
    for n, g in enumerate(summary.groups, start=1):
        members = _members(summary, g)
        words = members[0].row.grade_words if members else ()
        if words:
            counts = [(w, sum(1 for m in members if m.row.grade == w)) for w in words]
            spread = "、".join(f"{w}{c}个" for w, c in counts if c)
            line = f"共{g.units}个单位，其中{spread}。"
        else:
            line = f"共{g.units}个单位，不评定等次。"
        out.append(Heading(2, f"（{numeral(n)}）{names.group(g, heading=True)}"))
        if names.rulesets and names.group_form == "label":  # the heading left the ruleset out: said here
            line = f"依据《{g.ruleset_name}》考核，{line}"
        out.append(Para(line))
        rows = tuple((str(m.rank), m.row.unit, d(m.row.total), m.row.grade_shown if words else NONE) for m in members)
        out.append(Table(("名次", "单位", "总分", "等次"), rows, (14, 80, 22, 40)))
    return out


def _graded_groups(summary: BatchSummary) -> list[tuple[Group, list[RankedUnit]]]:
    pairs = [(g, _members(summary, g)) for g in summary.groups]
    return [(g, m) for g, m in pairs if m and m[0].row.grade_words]


def _one_word(words: set[str], fallback: str) -> str:
    return next(iter(words)) if len(words) == 1 else fallback


def _best(summary: BatchSummary, names: _Names) -> tuple[str, list[Block]]:
    graded = _graded_groups(summary)
    word = _one_word({m[0].row.grade_words[0] for _, m in graded}, "最高等次")
    out: list[Block] = []
    for g, members in graded:
        best = members[0].row.grade_words[0]
        chosen = [m.row for m in members if m.row.grade == best]
        label = f"{names.group(g)}：" if len(summary.groups) > 1 else ""
        if chosen:
            listed = "、".join(f"{row.unit}（暂定）" if row.provisional else row.unit for row in chosen)
            out.append(Para(f"{label}评为{best}的单位{len(chosen)}个：{listed}。"))
        else:
            out.append(Para(f"{label}没有评为{best}的单位。"))
    return f"评为{word}的单位", out


def _why_worst(row, worst: str) -> str:
    """Why a unit got the worst grade, from the grade, the lines, the vetoes and the records."""
    reasons = []
    if row.band_grade == worst and row.grade_lines:
        line_word, line = row.grade_lines[-1]
        reasons.append(f"总分低于{line_word}等次线（{line.normalize():f}分）")
    if row.vetoes:
        reasons.append("触发一票否决：" + "、".join(f"{event}（{rule_id}）" for rule_id, event in row.vetoes))
    elif row.band_grade != worst:
        severe = sum(1 for b in row.bad_records if b.severity == "严重")
        of = f"（其中严重不良记录{severe}条）" if severe else ""
        reasons.append(f"有不良记录{len(row.bad_records)}条{of}，等次不得高于{worst}")
    return "；".join(reasons) or f"总分{d(row.total)}分"


def _worst(summary: BatchSummary, names: _Names) -> tuple[str, list[Block]]:
    graded = _graded_groups(summary)
    word = _one_word({m[0].row.grade_words[-1] for _, m in graded}, "最低等次")
    out: list[Block] = []
    for g, members in graded:
        worst = members[0].row.grade_words[-1]
        for m in members:
            if m.row.grade == worst:
                where = f"{names.group(g)}，" if len(summary.groups) > 1 else ""
                out.append(Para(f"{m.row.unit}（{where}总分{d(m.row.total)}分）：{_why_worst(m.row, worst)}。"))
    if not out:
        out.append(Para(f"本次考核没有评为{word}的单位。"))
    return f"评为{word}的单位及原因", out


def _bad_records(summary: BatchSummary) -> list[Block]:
    records = summary.bad_records
    if not records:
        return [Para("本次考核没有单位被记入不良记录。")]
    units = list(dict.fromkeys(b.unit for b in records))
    severe = [b for b in records if b.record.severity == "严重"]
    out: list[Block] = [
        Para(
            f"本次考核共有{len(units)}个单位被记入不良记录{len(records)}条，其中严重不良记录{len(severe)}条。"
            + ("严重不良记录如下：" if severe else "")
        )
    ]
    for n, b in enumerate(severe, start=1):
        r = b.record
        out.append(Para(f"{n}．{b.unit}：{r.event}（{r.rule_id}），{r.consequence}。"))
    ordinary = [b for b in records if b.record.severity != "严重"]
    if ordinary:
        per_unit = {u: sum(1 for b in ordinary if b.unit == u) for u in units}
        listed = "、".join(f"{u}{c}条" for u, c in per_unit.items() if c)
        out.append(Para(f"一般不良记录：{listed}。"))
    return out


@dataclass(frozen=True)
class _Problem:
    rule_id: str
    content: str
    max_points: Decimal | None
    scored: int
    lost: int
    average: Decimal
    rate: Decimal  # share of the item's points lost on average


def _round_problems(stats: list[ItemStat]) -> list[_Problem]:
    """One round's items (pooled over its unit types) on which more than half the units lost points."""
    pooled: dict[str, list[ItemStat]] = {}
    for s in stats:
        pooled.setdefault(s.rule_id, []).append(s)
    found = []
    for rule_id, parts in pooled.items():
        scored = sum(s.applicable - s.pending for s in parts)
        lost = sum(len(s.lost_units) for s in parts)
        if scored < 2 or lost * 2 <= scored:
            continue
        points = {s.max_points for s in parts}
        lost_total = sum((s.lost_total for s in parts), ZERO)
        most = next(iter(points)) if len(points) == 1 else None
        rate = lost_total / (scored * most) if most else ZERO
        found.append(_Problem(rule_id, parts[0].content, most, scored, lost, q(lost_total / scored), rate))
    # the most units first; then the share of the item's points lost, then the points (as the 失分分析)
    found.sort(key=lambda p: (-Decimal(p.lost) / p.scored, -p.rate, -p.average))
    return found


def _problem_line(n: int, p: _Problem) -> str:
    who = f"{p.scored}个单位均失分" if p.lost == p.scored else f"{p.scored}个单位中有{p.lost}个失分"
    of = f"（该项分值{p.max_points.normalize():f}分）" if p.max_points is not None else ""
    return f"{n}．{p.content}（{p.rule_id}）：{who}，平均失分{d(p.average)}分{of}。"


def _problems(summary: BatchSummary, rounds: list[_Round], names: _Names) -> list[Block]:
    out: list[Block] = []
    analysed = [r for r in rounds if r.units >= 2]
    if not analysed:
        return [Para("参加同一考核的单位不足2个，不作共性问题分析。")]
    skipped = "单位不足2个的考核不作分析。" if len(analysed) < len(rounds) else ""
    out.append(Para(f"以下评分项有半数以上的单位失分（平均失分按该项适用且已评定的单位计算）。{skipped}"))
    for k, r in enumerate(analysed, start=1):
        labels = {g.label for g in r.groups}
        found = _round_problems([s for s in summary.items if s.group in labels])
        if len(analysed) > 1:
            out.append(Heading(2, f"（{numeral(k)}）{names.round(r)}"))
        if not found:
            out.append(Para("没有半数以上单位失分的评分项。"))
        for n, p in enumerate(found[:MAX_PROBLEMS], start=1):
            out.append(Para(_problem_line(n, p)))
        if len(found) > MAX_PROBLEMS:
            out.append(Para(f"另有{len(found) - MAX_PROBLEMS}项，见汇总的“失分分析”表。"))
    return out


def _rank_of(words: tuple[str, ...], grade: str | None) -> int | None:
    return words.index(grade) if grade in words else None


def _follow_ups(rows: list) -> list[Block]:
    """Last year's 不良记录 and their 整改 as the units report it."""
    having = [row for row in rows if row.follow_ups]
    if not having:
        return []
    records = [f for row in having for f in row.follow_ups]
    still = [(row.unit, f) for row in having for f in row.follow_ups if not f.corrected]
    text = (
        f"上年记入不良记录的{len(having)}个单位共{len(records)}条，本年度内已整改{len(records) - len(still)}条、"
        f"未整改{len(still)}条"
    )
    if not still:
        return [Para(text + "。")]
    by_unit: dict[str, list[str]] = {}
    for unit, f in still:
        by_unit.setdefault(unit, []).append(f"{f.event}（{f.rule_id}）")
    shown = "；".join(
        f"{unit}{len(events)}条" if len(events) > 3 else f"{unit}：{'、'.join(events)}"
        for unit, events in by_unit.items()
    )
    return [Para(f"{text}，其中{shown}。")]


def _consequences(rows: list) -> list[Block]:
    """The 等次后果 that held (连续两年不合格 …), each with its unit."""
    said = [f"{row.unit}：{c.event}（{c.rule_id}），{c.consequence}" for row in rows for c in row.consequences]
    return [Para(f"按考核细则的等次后果：{'；'.join(said)}。")] if said else []


def _year_on_year(summary: BatchSummary, previous: Previous) -> list[Block]:
    rows = [r.row for r in summary.ranking]
    known = [row for row in rows if row.unit in previous]
    missing = [row.unit for row in rows if row.unit not in previous]
    if not known:
        return [Para("参加考核的单位均无上年考核结果。")]
    change = {row.unit: row.total - previous[row.unit][0] for row in known}
    up = [row for row in known if change[row.unit] > 0]
    down = [row for row in known if change[row.unit] < 0]
    same = len(known) - len(up) - len(down)
    text = f"与上年相比，{len(known)}个单位有上年考核结果，其中总分提高的{len(up)}个、下降的{len(down)}个、持平的{same}个。"
    if up:
        top = max(up, key=lambda row: change[row.unit])
        text += f"提高最多的是{top.unit}（{signed(change[top.unit])}分）。"
    if down:
        low = min(down, key=lambda row: change[row.unit])
        text += f"下降最多的是{low.unit}（{signed(change[low.unit])}分）。"
    out: list[Block] = [Para(text)]
    better, worse = [], []
    for row in known:
        before, now = _rank_of(row.grade_words, previous[row.unit][1]), _rank_of(row.grade_words, row.grade)
        if before is None or now is None or before == now:
            continue
        (better if now < before else worse).append(f"{row.unit}（{previous[row.unit][1]}→{row.grade}）")
    if better or worse:
        parts = [f"等次提升的{len(better)}个：{'、'.join(better)}" if better else "没有等次提升的单位"]
        parts.append(f"等次下降的{len(worse)}个：{'、'.join(worse)}" if worse else "没有等次下降的单位")
        out.append(Para("；".join(parts) + "。"))
    else:
        out.append(Para("各单位等次均与上年相同。"))
    if missing:
        out.append(Para(f"无上年考核结果的{len(missing)}个单位：{'、'.join(missing)}。"))
    out += _follow_ups(rows) + _consequences(rows)
    table = tuple(
        (
            row.unit,
            d(previous[row.unit][0]),
            d(row.total),
            signed(change[row.unit]),
            previous[row.unit][1] or NONE,
            row.grade_shown,
        )
        for row in known
    )
    return [
        *out,
        Table(("单位", "上年总分", "本年总分", "变化", "上年等次", "本年等次"), table, (54, 20, 20, 18, 22, 22), (0,)),
    ]


def previous_of(summary: BatchSummary) -> Previous:
    """Last year's 总分 and 等次 of every unit that has one (--history), by this year's unit name."""
    return {r.row.unit: (r.row.previous.total, r.row.previous.grade) for r in summary.ranking if r.row.previous}


def build_notice(summary: BatchSummary, previous: Previous | None = None) -> Notice:
    """The notice of a batch; `previous` (unit name → last year's 总分 and 等次) adds 与上年比较."""
    rounds = _rounds(summary)
    names = _Names(summary)
    sections: list[tuple[str, list[Block]]] = [("考核结果", _results(summary, names))]
    if _graded_groups(summary):
        sections.append(_best(summary, names))
        sections.append(_worst(summary, names))
    sections.append(("不良记录", _bad_records(summary)))
    sections.append(("存在的共性问题", _problems(summary, rounds, names)))
    if previous is not None:
        sections.append(("与上年比较", _year_on_year(summary, previous)))
    sections.append(("有关要求", [Para(REQUIREMENTS)]))
    body: list[Block] = _opening(summary, rounds)
    for n, (heading, blocks) in enumerate(sections, start=1):
        body.append(Heading(1, f"{numeral(n)}、{heading}"))
        body.extend(blocks)
    when = dt.datetime.fromisoformat(summary.assessed_at)
    note = (
        f"草稿：据{when.year}年{when.month}月{when.day}日 {when:%H:%M} 的评分结果生成。"
        "印发前请核对全部内容，填写发文机关、发文字号、落款和日期，并删除本行。"
    )
    return Notice(title=title(summary), addressee=ADDRESSEE, body=tuple(body), draft_note=note)
