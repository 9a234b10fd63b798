"""What a batch adds up to (汇总): ranking, grade counts, bad records, hardest items, failures.

Built from one slim `UnitRow` per assessed submission (what a worker process sends back, not
the whole result) and one `FailedInput` per submission that could not be assessed. The xlsx
(scoresheets/summary.py) and JSON renderers read a `BatchSummary` and compute nothing.

Only what may be compared is compared: units are grouped by (ruleset, 考核年度, unit type), and
ranking, grade counts and item losses are per group, each group labelled
(“demo-district-2013 · 2012年度 · 区县政府”). Groups are ordered by year, then ruleset, then unit
type. Ranking (名次): within a group, by 总分 from high to low; equal totals share a rank and the
next rank skips (competition ranking, "1, 1, 3"); units with equal totals are listed in input
order. Grade, veto and pending items do not change the rank — the 等次 column says them.
"""

from __future__ import annotations

import heapq
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from engine.documents.numbers import format_decimal
from engine.result import AssessmentResult, BadRecord, Consequence, FollowUp, PreviousResult
from engine.ruleset.model import GRADES
from engine.ruleset.responsibility import DepartmentShare, shares
from engine.scoring.arithmetic import ZERO, q

TIE_RULE = (
    "同一分组（规则集、考核年度、单位类型均相同）内按总分从高到低排名；总分相同的名次相同，其后名次顺延（如 1、1、3）；"
    "总分相同的按申报文件顺序列出。"
)
# Score bands for a ruleset without grade lines (a ruleset that grades bands by its own lines).
SCORE_BANDS: tuple[tuple[str, Decimal | None, Decimal | None], ...] = (
    ("60分以下", None, Decimal(60)),
    ("60–70分", Decimal(60), Decimal(70)),
    ("70–80分", Decimal(70), Decimal(80)),
    ("80–90分", Decimal(80), Decimal(90)),
    ("90分及以上", Decimal(90), None),
)
Band = tuple[str, Decimal | None, Decimal | None]  # (label, lowest total, total it stays below)
NAMES_SHOWN = 30  # 失分单位: the 汇总.xlsx lists at most this many names of an item, then "等N个单位"


@dataclass(frozen=True)
class ItemLoss:
    rule_id: str
    category1: str
    content: str
    max_points: Decimal
    deduction: Decimal
    status: str
    counted: bool


@dataclass(frozen=True)
class ReportCheckRow:
    """One line of the cross-check of a submission with the unit's report beside it (engine.extract.crosscheck)."""

    kind: str  # 不一致 | 待核 | 申报未填 | 无法读取
    indicator: str
    submitted: str
    stated: str
    where: str  # 第N行“phrase”：sentence


@dataclass(frozen=True, slots=True)  # slots: a batch keeps one per unit, and a dict each was a fifth of it
class UnitRow:
    """One assessed submission, as the summary needs it."""

    index: int  # 0-based position in the batch's input order
    file: str  # the submission, relative to the folder of the batch's inputs once the batch is done
    unit: str
    unit_type: str
    year: int
    ruleset_id: str
    ruleset_name: str
    total_points: Decimal
    total: Decimal
    score_rate: Decimal
    grade: str | None
    band_grade: str | None
    pending: tuple[str, ...]
    categories: tuple[tuple[str, Decimal], ...]  # (一级指标, 扣分)
    bonus: Decimal
    bad_records: tuple[BadRecord, ...]
    vetoes: tuple[tuple[str, str], ...]  # (编号, 事项)
    items: tuple[ItemLoss, ...]
    assessed_at: str
    sheet: str = ""  # the scoresheet's file name in the output folder, once written
    grade_words: tuple[str, ...] = GRADES  # the ruleset's grades, best first
    provisional: bool = False  # a review could still change the grade
    report: str = ""  # the unit's annual report found beside the submission, if any
    report_check: tuple[ReportCheckRow, ...] = ()  # where the submission and that report differ
    grade_lines: tuple[tuple[str, Decimal], ...] = ()  # the unit type's grade lines, best first
    rules_file: str = ""
    rules_sha256: str = ""
    responsibility: tuple[DepartmentShare, ...] = ()  # each department's share of the losses (with a 分工表)
    partner_share: Decimal = Decimal(0)  # that 分工表's 配合扣分比例
    unit_id: str = ""  # 单位编码
    previous: PreviousResult | None = None  # the year before's result (--history)
    consequences: tuple[Consequence, ...] = ()  # 等次后果 that held
    follow_ups: tuple[FollowUp, ...] = ()  # the year before's 不良记录, corrected or open

    @property
    def change(self) -> Decimal | None:
        """总分 − 上年总分 (变化); None without a previous result."""
        return None if self.previous is None else self.previous.change(self.total)

    @property
    def item_scores(self) -> dict[str, Decimal]:
        """得分 of each counted, settled item: what a later year reads as 上年得分[编号]."""
        return {i.rule_id: i.max_points - i.deduction for i in self.items if i.counted and i.status != "待复核"}

    @property
    def grade_shown(self) -> str:
        if self.grade is None:
            return "—"
        return f"{self.grade}（暂定）" if self.provisional else self.grade

    @property
    def group_key(self) -> tuple[str, int, str]:
        return (self.ruleset_id, self.year, self.unit_type)


@dataclass(frozen=True)
class Group:
    """Units that may be compared: one ruleset, one 考核年度, one unit type."""

    ruleset_id: str
    ruleset_name: str
    year: int
    unit_type: str
    units: int

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.ruleset_id, self.year, self.unit_type)

    @property
    def label(self) -> str:
        return f"{self.ruleset_id} · {self.year}年度 · {self.unit_type}"


def unit_row(index: int, file: str, result: AssessmentResult) -> UnitRow:
    return UnitRow(
        index=index,
        file=file,
        unit=result.unit,
        unit_type=result.unit_type,
        year=result.year,
        ruleset_id=result.ruleset_id,
        ruleset_name=result.ruleset_name,
        total_points=result.total_points,
        total=result.total,
        score_rate=result.score_rate,
        grade=result.grade.grade,
        band_grade=result.grade.band_grade,
        pending=tuple(result.pending),
        categories=tuple((c.name, c.deduction) for c in result.categories),
        bonus=result.bonus_total,
        bad_records=tuple(result.bad_records),
        vetoes=tuple((v.rule_id, v.event) for v in result.vetoes),
        items=tuple(
            ItemLoss(i.rule_id, i.category1, i.content, i.max_points, i.deduction, i.status, i.counted)
            for i in result.items
        ),
        assessed_at=result.audit.assessed_at,
        grade_words=tuple(result.grade_words),
        provisional=result.grade.provisional,
        grade_lines=tuple(result.grade.bands.items()),
        rules_file=result.audit.rules_file,
        rules_sha256=result.audit.rules_sha256,
        responsibility=tuple(shares(result)) if result.responsibility_map else (),
        partner_share=result.partner_share,
        unit_id=result.unit_id,
        previous=result.previous,
        consequences=tuple(result.consequences),
        follow_ups=tuple(result.follow_ups),
    )


@dataclass(frozen=True)
class FailedInput:
    """A submission that could not be assessed: where it came from and every located problem."""

    index: int
    file: str
    kind: str  # 申报数据 / 文件 / 评分 / 内部错误 …
    problems: tuple[str, ...]  # each "file:line:col: path: message"
    detail: str = ""  # a traceback, shown only with --debug


@dataclass(frozen=True, slots=True)
class RankedUnit:
    rank: int
    row: UnitRow
    group: str = ""  # the group's label


@dataclass(frozen=True)
class GradeCount:
    group: str  # the group's label
    unit_type: str
    counts: dict[str, int]  # 优秀/良好/合格/不合格 → units
    bands: dict[str, int]  # score band label (from the group's grade lines, lowest first) → units
    total: int
    lines: tuple[tuple[str, Decimal], ...] = ()  # the grade lines the bands follow, best first


@dataclass(frozen=True)
class BadRecordRow:
    unit: str
    unit_type: str
    file: str
    record: BadRecord


@dataclass(frozen=True)
class ItemStat:
    """How one item went across the batch (失分分析)."""

    group: str  # the group's label
    ruleset_id: str
    rule_id: str
    category1: str
    content: str
    max_points: Decimal
    applicable: int  # units the item counted for
    lost_units: tuple[str, ...]  # units that lost points on it, in ranking order (the first `names` of build_summary)
    pending: int  # units where it is still 待复核
    lost_total: Decimal
    average: Decimal  # lost_total / (applicable - pending), 2 places
    loss_rate: Decimal  # the unrounded average / 分值 × 100, 2 places
    lost_count: int = 0  # units that lost points on it (all of them, however many names are kept)


@dataclass(frozen=True)
class BatchSummary:
    rulesets: tuple[tuple[str, str], ...]  # (编号, 名称), in order of first use
    assessed_at: str
    inputs: int
    ranking: tuple[RankedUnit, ...]  # grouped by unit type, then by rank
    categories: tuple[str, ...]  # 一级指标 columns, in rules order
    grades: tuple[GradeCount, ...]
    bad_records: tuple[BadRecordRow, ...]
    items: tuple[ItemStat, ...]  # hardest first
    failures: tuple[FailedInput, ...]
    unit_types: tuple[str, ...] = field(default=())
    groups: tuple[Group, ...] = field(default=())
    rules_files: tuple[
        tuple[str, str, str], ...
    ] = ()  # (编号, rules file, sha256) of each ruleset used, in group order
    categories_of: dict[str, tuple[str, ...]] = field(default_factory=dict)  # ruleset → its 一级指标 in group order
    has_trend: bool = False  # some unit has a previous result or 等次后果
    reported: frozenset[int] = frozenset()  # positions of the units with their annual report beside the submission
    assigned: frozenset[int] = frozenset()  # positions of the units with a 分工表

    @property
    def has_reports(self) -> bool:
        return bool(self.reported)

    @property
    def has_responsibility(self) -> bool:
        return bool(self.assigned)

    @property
    def assessed(self) -> int:
        return len(self.ranking)

    @property
    def years(self) -> tuple[int, ...]:
        """The 考核年度 of the units assessed, in order."""
        return tuple(sorted({g.year for g in self.groups}))

    @property
    def mixed(self) -> bool:
        """More than one group: ranks and counts are per group."""
        return len(self.groups) > 1

    @property
    def mixed_years(self) -> bool:
        """Groups of different rulesets or years: their scores are not comparable at all."""
        return len({(g.ruleset_id, g.year) for g in self.groups}) > 1

    def grouping_note(self) -> str:
        """What the terminal and the 汇总 say about groups ("" for a batch of one group)."""
        if not self.mixed:
            return ""
        labels = "；".join(f"{g.label}（{g.units}个单位）" for g in self.groups)
        note = (
            f"本批申报分为{len(self.groups)}个分组（规则集、考核年度、单位类型均相同的为一组），"
            f"排名、等次分布和失分分析按组分别统计：{labels}"
        )
        if self.mixed_years:
            note += "。其中有不同考核年度或不同规则集的申报，不同分组的分数不可相互比较"
        return note


def groups_of(rows: Iterable[UnitRow], unit_types: Iterable[str] = ()) -> list[Group]:
    """The groups the rows fall into, by year, then ruleset (first use), then unit type (given order)."""
    rows = sorted(rows, key=lambda r: r.index)
    type_order = {t: n for n, t in enumerate(dict.fromkeys([*unit_types, *(r.unit_type for r in rows)]))}
    ruleset_order = {rid: n for n, rid in enumerate(dict.fromkeys(r.ruleset_id for r in rows))}
    members: dict[tuple[str, int, str], list[UnitRow]] = {}
    for row in rows:
        members.setdefault(row.group_key, []).append(row)
    keys = sorted(members, key=lambda k: (k[1], ruleset_order[k[0]], type_order[k[2]]))
    return [Group(k[0], members[k][0].ruleset_name, k[1], k[2], len(members[k])) for k in keys]


def rank_units(rows: Iterable[UnitRow], unit_types: Iterable[str] = ()) -> list[RankedUnit]:
    """Competition ranking on 总分 within each group (see the module docstring)."""
    rows = list(rows)
    out: list[RankedUnit] = []
    for group in groups_of(rows, unit_types):
        members = sorted((r for r in rows if r.group_key == group.key), key=lambda r: (-r.total, r.index))
        rank = 0
        for n, row in enumerate(members, start=1):
            if n == 1 or row.total != members[n - 2].total:
                rank = n
            out.append(RankedUnit(rank, row, group.label))
    return out


def score_bands(lines: Iterable[tuple[str, Decimal]], words: Iterable[str] = ()) -> tuple[Band, ...]:
    """The score bands a group's grade lines make, lowest first: {优秀: 90, 良好: 80, 合格: 60} →
    不合格（60分以下）, 合格（60–80分）, 良好（80–90分）, 优秀（90分及以上）. Without lines, SCORE_BANDS."""
    lines = sorted(((w, Decimal(v)) for w, v in lines), key=lambda wl: wl[1])
    if not lines:
        return SCORE_BANDS
    words = list(words)
    lowest = next((w for w in reversed(words) if w not in dict(lines)), "")
    n = format_decimal
    bands: list[Band] = [
        (f"{lowest}（{n(lines[0][1])}分以下）" if lowest else f"{n(lines[0][1])}分以下", None, lines[0][1])
    ]
    for k, (word, low) in enumerate(lines):
        high = lines[k + 1][1] if k + 1 < len(lines) else None
        span = f"{n(low)}–{n(high)}分" if high is not None else f"{n(low)}分及以上"
        bands.append((f"{word}（{span}）", low, high))
    return tuple(bands)


def _band(total: Decimal, bands: Iterable[Band]) -> str:
    for label, low, high in bands:
        if (low is None or total >= low) and (high is None or total < high):
            return label
    raise AssertionError(total)


Key = tuple[Decimal, int]  # (−总分, position in the batch): ranking order within a group


@dataclass
class _ItemTally:
    """An item across one group's units, counted as the units go by."""

    first: ItemLoss  # as the first unit in ranking order has it
    key: tuple[Key, int]  # that unit's key, and the item's place in its row (the rules order)
    applicable: int = 0
    pending: int = 0
    lost: int = 0
    lost_total: Decimal = ZERO
    names: list = field(default_factory=list)  # (总分, −position, unit) of units that lost points on it


@dataclass
class _GroupTally:
    """What the 汇总 needs of one group, counted as the units go by: nothing here grows with the
    batch but the members' compact keys (and, when all are asked for, the names that lost points)."""

    key: tuple[str, int, str]
    ruleset_name: str
    members: list = field(default_factory=list)  # (−总分, position, ref)
    grades: Counter = field(default_factory=Counter)
    totals: Counter = field(default_factory=Counter)  # 总分 → units: the score bands are known at the end
    firsts: dict = field(default_factory=dict)  # (what, value) → the least key a unit with that value has
    items: dict[str, _ItemTally] = field(default_factory=dict)
    lines: tuple[tuple[str, Decimal], ...] = ()  # the grade lines of the group's first unit in ranking order

    def first(self, what: str, value: object, key: Key) -> None:
        known = self.firsts.get((what, value))
        if known is None or key < known:
            self.firsts[(what, value)] = key

    def in_order(self, what: str) -> list:
        """Values of one kind in ranking order of the first unit that has each."""
        return [value for (w, value), _ in sorted(self.firsts.items(), key=lambda kv: kv[1]) if w == what]


class Ranking(Sequence):
    """The ranked units (see the module docstring), each row fetched when it is read: the groups
    hold only each member's (−总分, position, ref), where `fetch(ref)` gives the row — the row
    itself when the rows are in memory, else read back from the batch's file of rows; `light(ref)`
    the row without its items, where that is cheaper (the same as `fetch` by default)."""

    def __init__(
        self,
        blocks: list[tuple[str, str, list]],
        fetch: Callable[[object], UnitRow],
        light: Callable[[object], UnitRow] | None = None,
    ):
        self._blocks = blocks  # (label, ruleset id, sorted members)
        self._fetch = fetch
        self._light = light or fetch
        self._len = sum(len(members) for _, _, members in blocks)

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[RankedUnit]:
        return self.of(None)

    def __getitem__(self, index):  # noqa: ANN001
        return tuple(self)[index]

    def of(
        self, ruleset_id: str | None = None, among: frozenset[int] | None = None, *, items: bool = True
    ) -> Iterator[RankedUnit]:
        """The ranked units of one ruleset (None: all), in order; only those at the positions
        `among` when it is given (the rest are not read). `items=False`: rows read back from a file
        may come without their items (empty), for what shows none."""
        fetch = self._fetch if items else self._light
        for label, rid, members in self._blocks:
            if ruleset_id is not None and rid != ruleset_id:
                continue
            rank, last = 0, None
            for n, (neg, index, ref) in enumerate(members, start=1):
                if n == 1 or neg != last:
                    rank = n
                last = neg
                if among is None or index in among:
                    yield RankedUnit(rank, fetch(ref), label)


class BadRecords:
    """The bad records of the ranked units, in ranking order, read as they are needed."""

    def __init__(self, ranking: Ranking, among: frozenset[int], count: int, severe: int):
        self._ranking, self._among, self._count, self.severe = ranking, among, count, severe

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[BadRecordRow]:
        if self._count:
            for r in self._ranking.of(among=self._among, items=False):
                for rec in r.row.bad_records:
                    yield BadRecordRow(r.row.unit, r.row.unit_type, r.row.file, rec)


def _label(key: tuple[str, int, str]) -> str:
    return f"{key[0]} · {key[1]}年度 · {key[2]}"


class Tally:
    """A batch's 汇总 counted as the rows go by (in input order), so that the rows themselves need
    not stay in memory: `add` each row with a ref to fetch it back, then `summary`.

    `names`: how many 失分单位 names each item keeps (the first in ranking order); None: all.
    """

    def __init__(self, unit_types: Iterable[str] = (), rulesets: Iterable[tuple[str, str]] = (), names=None):
        self.types = dict.fromkeys(unit_types)
        self.used = dict.fromkeys(rulesets)
        self.ruleset_order: dict[str, int] = {}
        self.groups: dict[tuple[str, int, str], _GroupTally] = {}
        self.names = names
        self.totals: dict[Decimal, Decimal] = {}  # one −总分 object for every unit with that total
        self.bad = self.severe = 0
        self.trend = False
        self.marked: dict[str, set[int]] = {"bad": set(), "report": set(), "responsibility": set()}
        self.count = 0  # rows added

    def order(self, unit_types: Iterable[str] = (), rulesets: Iterable[tuple[str, str]] = ()) -> None:
        """Put these unit types and rulesets first (as if given when the tally was made)."""
        self.types = dict.fromkeys([*unit_types, *self.types])
        self.used = dict.fromkeys([*rulesets, *self.used])

    def add(self, row: UnitRow, ref: object) -> None:
        self.count += 1
        self.types.setdefault(row.unit_type)
        self.used.setdefault((row.ruleset_id, row.ruleset_name))
        self.ruleset_order.setdefault(row.ruleset_id, len(self.ruleset_order))
        g = self.groups.get(row.group_key)
        if g is None:
            g = self.groups[row.group_key] = _GroupTally(row.group_key, row.ruleset_name)
        neg = self.totals.setdefault(row.total, -row.total)
        key = (neg, row.index)
        g.members.append((neg, row.index, ref))
        g.grades[row.grade] += 1
        g.totals[row.total] += 1
        g.first("words", row.grade_words, key)
        g.first("lines", (), key)
        if g.firsts[("lines", ())] == key:
            g.lines = row.grade_lines
        g.first("categories", tuple(name for name, _ in row.categories), key)
        g.first("file", (row.ruleset_id, row.rules_file, row.rules_sha256), key)
        self.bad += len(row.bad_records)
        self.severe += sum(1 for b in row.bad_records if b.severity == "严重")
        self.trend = self.trend or row.previous is not None or bool(row.consequences)
        for what, value in (("bad", row.bad_records), ("report", row.report), ("responsibility", row.responsibility)):
            if value:
                self.marked[what].add(row.index)
        for place, item in enumerate(row.items):
            t = g.items.get(item.rule_id)
            if t is None:
                t = g.items[item.rule_id] = _ItemTally(item, (key, place))
            elif (key, place) < t.key:
                t.first, t.key = item, (key, place)
            if item.counted and item.status != "不适用":
                t.applicable += 1
                t.pending += item.status == "待复核"
                if item.deduction > 0:
                    t.lost += 1
                    t.lost_total += item.deduction
                    self._name(t.names, (row.total, -row.index, row.unit))

    def _name(self, names: list, entry: tuple) -> None:
        if self.names is None:
            names.append(entry)
        elif len(names) < self.names:
            heapq.heappush(names, entry)  # the least is the last in ranking order
        elif entry[:2] > names[0][:2]:
            heapq.heapreplace(names, entry)

    def summary(
        self,
        fetch: Callable[[object], UnitRow],
        failures: Iterable[FailedInput],
        *,
        inputs: int,
        assessed_at: str,
        light: Callable[[object], UnitRow] | None = None,
    ) -> BatchSummary:
        types = list(self.types)
        type_order = {t: n for n, t in enumerate(types)}
        keys = sorted(self.groups, key=lambda k: (k[1], self.ruleset_order[k[0]], type_order[k[2]]))
        tallies = [self.groups[k] for k in keys]
        groups = [Group(k[0], t.ruleset_name, k[1], k[2], len(t.members)) for k, t in zip(keys, tallies, strict=True)]
        for t in tallies:
            t.members.sort(key=lambda m: m[:2])
        ranking = Ranking([(_label(t.key), t.key[0], t.members) for t in tallies], fetch, light)

        def in_order(what: str, ruleset_id: str | None = None) -> list:
            return [v for t in tallies if ruleset_id in (None, t.key[0]) for v in t.in_order(what)]

        def categories(ruleset_id: str | None = None) -> tuple[str, ...]:
            return tuple(dict.fromkeys(name for names in in_order("categories", ruleset_id) for name in names))

        return BatchSummary(
            rulesets=tuple(self.used),
            assessed_at=assessed_at,
            inputs=inputs,
            ranking=ranking,
            categories=categories(),
            grades=tuple(self._grade_counts(tallies, types)),
            bad_records=BadRecords(ranking, frozenset(self.marked["bad"]), self.bad, self.severe),
            items=tuple(self._item_stats(tallies)),
            failures=tuple(sorted(failures, key=lambda f: f.index)),
            unit_types=tuple(types),
            groups=tuple(groups),
            rules_files=tuple(dict.fromkeys(in_order("file"))),
            categories_of={rid: categories(rid) for rid in dict.fromkeys(t.key[0] for t in tallies)},
            has_trend=self.trend,
            reported=frozenset(self.marked["report"]),
            assigned=frozenset(self.marked["responsibility"]),
        )

    @staticmethod
    def _grade_counts(tallies: list[_GroupTally], unit_types: list[str]) -> list[GradeCount]:
        if not tallies:  # nothing assessed: a row of zeros per unit type, so the tables say so
            return [GradeCount(t, t, dict.fromkeys(GRADES, 0), {b[0]: 0 for b in SCORE_BANDS}, 0) for t in unit_types]
        out = []
        for t in tallies:
            # none: the ruleset grades nothing
            words = list(dict.fromkeys(w for ws in t.in_order("words") for w in ws))
            counts = {g: t.grades.get(g, 0) for g in words}
            lines = t.lines  # one ruleset and unit type: the same lines for every member
            bands = score_bands(lines, words or GRADES)
            band_counts = {label: 0 for label, _, _ in bands}
            for total, n in t.totals.items():
                band_counts[_band(total, bands)] += n
            out.append(GradeCount(_label(t.key), t.key[2], counts, band_counts, len(t.members), lines))
        return out

    def _item_stats(self, tallies: list[_GroupTally]) -> list[ItemStat]:
        stats = []
        for n, g in enumerate(tallies):
            for rule_id, t in sorted(g.items.items(), key=lambda kv: kv[1].key):
                first, lost_total = t.first, t.lost_total
                scored = t.applicable - t.pending  # a pending item has no deduction yet: not a zero
                average = q(lost_total / scored) if scored else ZERO
                rate = q(lost_total * 100 / (scored * first.max_points)) if scored and first.max_points else ZERO
                names = sorted(t.names, key=lambda e: (-e[0], -e[1]))
                stat = ItemStat(
                    group=_label(g.key),
                    ruleset_id=g.key[0],
                    rule_id=rule_id,
                    category1=first.category1,
                    content=first.content,
                    max_points=first.max_points,
                    applicable=t.applicable,
                    lost_units=tuple(unit for *_, unit in names),
                    pending=t.pending,
                    lost_total=q(lost_total),
                    average=average,
                    loss_rate=rate,
                    lost_count=t.lost,
                )
                stats.append((n, len(stats), stat))
        # Per group (in group order), hardest first: the share of the item's points lost on average,
        # then the points, then how many units lost any; rules order breaks the remaining ties.
        stats.sort(key=lambda e: (e[0], -e[2].loss_rate, -e[2].lost_total, -e[2].lost_count, e[1]))
        return [stat for *_, stat in stats]


def build_summary(
    rows: Iterable[UnitRow],
    failures: Iterable[FailedInput],
    *,
    inputs: int,
    assessed_at: str,
    unit_types: Iterable[str] = (),
    rulesets: Iterable[tuple[str, str]] = (),
    names: int | None = None,
) -> BatchSummary:
    """Everything the 汇总 shows. unit_types gives the order of unit types (the ruleset's).

    Rows in memory are kept by the summary; rows that can be read back by position (`row_at`,
    engine.batch.run.RowFile) are read once here — unless they were counted as they were kept
    (their `tally`) — and again as the summary's ranking is read.
    `names`: how many 失分单位 each item keeps (None: all).
    """
    fetch = getattr(rows, "row_at", None)
    tally = getattr(rows, "tally", None)
    if tally is not None:
        if tally.count != len(rows) or tally.names != names:  # type: ignore[arg-type]
            raise ValueError("the rows' tally counts other rows, or keeps another number of names")
        tally.order(unit_types, rulesets)
    else:
        tally = Tally(unit_types, rulesets, names)
        if fetch is not None:  # in input order already
            for k, row in enumerate(rows):
                tally.add(row, k)
        else:
            for row in sorted(rows, key=lambda r: r.index):
                tally.add(row, row)
    light = getattr(rows, "head_at", None)
    return tally.summary(fetch or (lambda row: row), failures, inputs=inputs, assessed_at=assessed_at, light=light)


def lost_by_category(row: UnitRow, categories: Iterable[str]) -> list[Decimal | None]:
    """Points lost per 一级指标 column; None where the unit's ruleset has no such category."""
    own = dict(row.categories)
    return [own.get(name) for name in categories]


def _d(value: Decimal) -> str:
    return f"{value:.2f}"


def _previous_json(row: UnitRow) -> dict | None:
    """上年总分, 变化, 上年等次 … of a unit (None without a previous result)."""
    p = row.previous
    if p is None:
        return None
    return {
        "year": p.year,
        "unit": p.unit,
        "unit_id": p.unit_id,
        "total": _d(p.total),
        "grade": p.grade,
        "change": f"{row.change:+.2f}",
        "bad_record_count": p.bad_records,
        "item_scores": {k: _d(v) for k, v in p.item_scores.items()},
        "source": p.source,
    }


def summary_json(summary: BatchSummary) -> str:
    """The summary as one JSON document; amounts as strings with 2 places ("2.50")."""
    doc = {
        "rulesets": [{"id": i, "name": n} for i, n in summary.rulesets],
        "rules_files": [{"id": i, "file": f, "sha256": h} for i, f, h in summary.rules_files],
        "years": list(summary.years),
        "assessed_at": summary.assessed_at,
        "counts": {"inputs": summary.inputs, "assessed": summary.assessed, "failed": len(summary.failures)},
        "tie_rule": TIE_RULE,
        "groups": [
            {
                "label": g.label,
                "ruleset_id": g.ruleset_id,
                "year": g.year,
                "unit_type": g.unit_type,
                "units": g.units,
            }
            for g in summary.groups
        ],
        "mixed": summary.mixed,
        "grouping_note": summary.grouping_note(),
        "ranking": [
            {
                "group": r.group,
                "rank": r.rank,
                "unit": r.row.unit,
                "unit_id": r.row.unit_id,
                "unit_type": r.row.unit_type,
                "year": r.row.year,
                "total": _d(r.row.total),
                "score_rate": _d(r.row.score_rate),
                "grade": r.row.grade,
                "band_grade": r.row.band_grade,
                "provisional": r.row.provisional,
                "pending": list(r.row.pending),
                "lost_by_category": {name: _d(lost) for name, lost in r.row.categories},
                "bonus": _d(r.row.bonus),
                "bad_record_count": len(r.row.bad_records),
                "item_scores": {k: _d(v) for k, v in r.row.item_scores.items()},
                "previous": _previous_json(r.row),
                "consequences": [c.model_dump() for c in r.row.consequences],
                "follow_ups": [f.model_dump() for f in r.row.follow_ups],
                "vetoes": [{"rule_id": i, "event": e} for i, e in r.row.vetoes],
                "file": r.row.file,
                "scoresheet": r.row.sheet or None,
                "ruleset_id": r.row.ruleset_id,
                **(
                    {
                        "report_check": {
                            "report": r.row.report,
                            "lines": [
                                {
                                    "kind": c.kind,
                                    "indicator": c.indicator,
                                    "submitted": c.submitted,
                                    "stated": c.stated,
                                    "where": c.where,
                                }
                                for c in r.row.report_check
                            ],
                        }
                    }
                    if r.row.report
                    else {}
                ),
                **(
                    {
                        "responsibility": {
                            "partner_share": _d(r.row.partner_share),
                            "departments": [
                                {
                                    "department": d.department,
                                    "as_lead": _d(d.as_lead),
                                    "as_partner": _d(d.as_partner),
                                    "total": _d(d.total),
                                    "tasks": d.tasks,
                                    "items": d.items,
                                }
                                for d in r.row.responsibility
                            ],
                        }
                    }
                    if r.row.responsibility
                    else {}
                ),
            }
            for r in summary.ranking
        ],
        "grades": {
            g.group: {
                "unit_type": g.unit_type,
                **g.counts,
                "合计": g.total,
                "grade_lines": {w: _d(v) for w, v in g.lines},
                "score_bands": g.bands,
            }
            for g in summary.grades
        },
        "bad_records": [
            {
                "unit": b.unit,
                "unit_type": b.unit_type,
                "file": b.file,
                "seq": b.record.seq,
                "rule_id": b.record.rule_id,
                "event": b.record.event,
                "basis": b.record.basis,
                "deduction": _d(b.record.deduction),
                "severity": b.record.severity,
                "consequence": b.record.consequence,
                "note": b.record.note,
            }
            for b in summary.bad_records
        ],
        "item_losses": [
            {
                "group": s.group,
                "rule_id": s.rule_id,
                "ruleset_id": s.ruleset_id,
                "category1": s.category1,
                "content": s.content,
                "max_points": _d(s.max_points),
                "applicable_units": s.applicable,
                "lost_units": len(s.lost_units),
                "lost_unit_names": list(s.lost_units),
                "pending_units": s.pending,
                "lost_total": _d(s.lost_total),
                "average_lost": _d(s.average),
                "loss_rate": _d(s.loss_rate),
            }
            for s in summary.items
        ],
        "errors": [{"file": f.file, "kind": f.kind, "problems": list(f.problems)} for f in summary.failures],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
