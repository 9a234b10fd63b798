"""Scoring: items, bonuses, vetoes, totals and the grade.

durable_rules decides *whether* each check holds; each method (ruleset/methods) decides *how much*
its item deducts; this module applies what every item shares — applicability, missing values,
reviews, 不良记录 — and adds up. Amounts are `Decimal`; every computed deduction, score and total is
rounded to 2 places with ROUND_HALF_UP (四舍五入, as Excel's ROUND does for positive numbers — not
Python's default banker's rounding; methods.base.q), then clamped to [0, 分值] (扣完为止).

An item's result is kept (per ruleset, the first 16 per item) by what decides it — the values it
reads as written, the unit type, the 考核年度 — and answers again when those come back and durable
fired the same checks for it, with the 不良记录 and 待复核 it writes. Only where nothing else can
change it: no record list, no other value in its checks or its 不良记录's 事项, no assessor's
decision in the assessment, no 自评分 or data warning for it. Under the tests
(result.CHECK_SHORTCUTS) every answer is compared with scoring the item again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from engine import result as _result
from engine.intake.review import Decision
from engine.intake.submission import Submission
from engine.result import (
    BadRecord,
    BonusResult,
    CategoryTotal,
    Grade,
    ItemResult,
    OpenTotals,
    Remedy,
    ReviewNote,
    VetoResult,
    built,
    made,
)
from engine.ruleset import conditions as expr
from engine.ruleset.methods import method_of
from engine.ruleset.methods.base import CENT, ZERO, BadRecordSpec, Method, n, q
from engine.ruleset.model import Veto
from engine.ruleset.ruleset import ItemEntry, Ruleset
from engine.ruleset.wording import Fact, Words, record_name, records_named, value_text

__all__ = ["CENT", "ZERO", "q", "Context", "score_items", "score_bonus", "check_veto", "totals", "grade", "remedies"]
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


_SHOWN_PLAIN = ("日期", "是否", "选项", "文本")  # shown without their unit


def text_of(value: expr.Value) -> str:
    """expr.format_value(value), with the Decimal case (most values) inlined."""
    if type(value) is Decimal:
        text = str(value)  # as format_decimal
        if "E" in text:
            text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return expr.format_value(value)


class _ItemPlan:
    """What scoring an item needs that does not depend on the submission, worked out once per ruleset."""

    __slots__ = (
        "item",
        "id",
        "reads",
        "heads",
        "one",
        "record_spec",
        "points",
        "method",
        "quiet",
        "treatment",
        "fixed_dates",
        "shown",
        "full",
        "outside",
        "stale",
        "memo",
        "outside_memo",
        "record_keyed",
    )

    def __init__(self, entry: ItemEntry, ruleset: Ruleset):
        item = self.item = entry.item
        self.id: str = item.id
        self.reads: tuple[str, ...] = ruleset.item_reads.get(item.id, ())
        # (name, "name=", the unit shown after its value or None for a record list), for 申报值
        self.heads = tuple((name, f"{name}=", _suffix(ruleset, name)) for name in self.reads)
        # most items read one value, shown with its unit: its head alone
        self.one = self.heads[0] if len(self.heads) == 1 and self.heads[0][2] is not None else None
        self.points = q(item.points)
        self.method: Method = method_of(item)
        # the 不良记录 a deduction writes, when the item writes one itself (not one per record)
        self.record_spec: BadRecordSpec | None = None if self.method.own_bad_records else item.bad_record
        self.quiet = self.method.quiet(item)
        self.treatment = item.when_not_applicable or ruleset.header.not_applicable
        self.fixed_dates = ruleset.fixed_dates.get(item.id, ())
        # the fields of its ItemResult every submission shares
        self.shown = dict(
            rule_id=item.id,
            category1=entry.category1,
            category2=entry.category2,
            content=item.content,
            standard=item.standard,
            method=item.method,
            max_points=self.points,
        )
        # its ItemResult at full score, in the declared order (a quiet item none of whose checks fired)
        self.full = dict.fromkeys(ItemResult.model_fields)
        self.full.update(
            self.shown,
            deduction=ZERO,
            score=q(item.points - ZERO),
            status="满分",
            counted=True,
            reviewed=False,
            open_points=ZERO,
        )
        self.outside: dict[str, str | None] = {}  # unit type → why the item does not apply (None: it does)
        self.stale: dict[int, list[str]] = {}  # 考核年度 → its fixed dates' warnings
        # results of the plain case by what decides them (_key), when nothing else does (_recallable)
        self.memo: _Kept | None = _Kept() if _recallable(ruleset, item, self.reads, self.method) else None
        # the 不良记录 it writes is decided by the key too: its 事项 names no other value and not the unit
        self.record_keyed = self.record_spec is not None and _keyed_template(
            ruleset, self.record_spec.event, self.reads
        )
        self.outside_memo = _Kept()  # as memo, when it does not apply: by (unit type, 申报值)

    def outside_for(self, ruleset: Ruleset, unit_type: str) -> str | None:
        """Why the item does not apply to a unit type (_outside), worked out once per unit type."""
        if unit_type not in self.outside:
            self.outside[unit_type] = _outside(ruleset, self.item.applies_to, self.reads, unit_type)
        return self.outside[unit_type]


class _Kept(dict):
    """Results kept by what decides them, the first _MEMO of them: key → (the result, what fired
    for it, the 不良记录 it writes without its 序号 or None, whether it is 待复核)."""

    def recall(self, key: tuple, fired: set[str] | None) -> tuple | None:
        """The entry kept for `key` if durable fired the same checks for it this time."""
        hit = self.get(key)
        return hit if hit is not None and hit[1] == fired else None

    def keep(self, key: tuple, entry: tuple) -> None:
        if len(self) < _MEMO:
            self[key] = entry


def _recallable(ruleset: Ruleset, item, reads: tuple[str, ...], method: Method) -> bool:
    """Whether an item's result is decided by the values it reads, the unit type and the 考核年度
    alone (with what fired), so that a result may be kept for the same ones: it reads no record
    list, writes no 不良记录 of its own, and its conditions read nothing else (the year before's
    result is not among `reads`; relative dates follow from the year)."""
    if method.own_bad_records or any(ruleset.value_specs[name].type == "记录列表" for name in reads):
        return False
    dates = {d.key for d in ruleset.relative_dates}
    known = set(reads) | dates
    for key, cond in ruleset.conditions.items():
        if key == item.id or key.startswith((f"{item.id}.", f"{item.id}#")):
            if cond.record_list is not None or not set(cond.names) <= known:
                return False
    return set(method.reads(item)[0]) <= known


def _keyed_template(ruleset: Ruleset, template: str, reads: tuple[str, ...]) -> bool:
    """Whether a 不良记录's 事项 fills in nothing but the values read, the method's fields and the
    year (interpolate): no other indicator, none of the year before's, not the 单位名称."""
    names = {piece.strip() for piece in _pieces(template)[1::2]} - set(reads) - {"考核年度"}
    return not names & (set(ruleset.value_specs) | set(ruleset.previous_specs) | {"单位名称"})


def _suffix(ruleset: Ruleset, name: str) -> str | None:
    """None for a record list (shown as its count), else the unit shown after a value."""
    spec = ruleset.value_specs[name]
    return None if spec.type == "记录列表" else "" if spec.type in _SHOWN_PLAIN else spec.unit or ""


class Plan:
    """A ruleset's items and indicators as scoring reads them, worked out once (plan_of)."""

    def __init__(self, ruleset: Ruleset):
        self.items = {e.item.id: _ItemPlan(e, ruleset) for e in ruleset.entries}
        self.ordered = [self.items[e.item.id] for e in ruleset.entries]
        self.suffix: dict[str, str | None] = {name: _suffix(ruleset, name) for name in ruleset.value_specs}
        # what grading pending items reads (_risk): each item's 不良记录, the vetoes' ids
        self.record_specs = {e.item.id: e.item.bad_record for e in ruleset.entries}
        self.veto_ids = frozenset(v.id for v in ruleset.model.vetoes)
        # the 不良记录 each veto writes, as the table says: the one it declares, none (不良记录: 否),
        # or by default a 严重 one of its 事项
        self.veto_records = {
            v.id: BadRecordSpec(事项=v.event, 严重程度="严重") if v.bad_record is None else v.bad_record
            for v in ruleset.model.vetoes
        }
        self.rank = {w: k for k, w in enumerate(ruleset.header.grade_words)}
        self.consequences = {severity: _consequence(ruleset, severity) for severity in ("一般", "严重")}
        self.categories: dict[tuple, CategoryTotal] = {}  # (一级指标, 分值, 扣分, 得分) → its line (totals)
        # kept bonus results (score_bonus), for a bonus decided by its values alone (_recallable)
        self.bonus_memo: dict[str, _Kept | None] = {
            b.id: _Kept() if _recallable(ruleset, b, tuple(ruleset.item_reads.get(b.id, ())), method_of(b)) else None
            for b in ruleset.model.bonuses
        }
        self.bonus_heads = {
            b.id: tuple((name, f"{name}=", self.suffix[name]) for name in ruleset.item_reads.get(b.id, ()))
            for b in ruleset.model.bonuses
        }


def _consequence(ruleset: Ruleset, severity: str) -> str:
    """What a 不良记录 of a severity means for the grade, unless its 后果 says otherwise."""
    ordinary, severe = ruleset.header.caps
    words = list(ruleset.header.grade_words)
    # 有不良记录 covers every record (a 严重 one too); 有严重不良记录 the 严重 ones: the strictest applies
    caps = [c for c in (ordinary, severe if severity == "严重" else None) if c is not None and c in words]
    cap = max(caps, key=words.index) if caps else None
    return f"等次不得高于{cap}" if cap is not None and cap not in words[:1] else "记入不良记录"


_PLANS: dict[int, tuple[Ruleset, Plan]] = {}


def plan_of(ruleset: Ruleset) -> Plan:
    """The ruleset's plan, kept for the last few rulesets scored (by identity: a ruleset is never
    changed once built)."""
    hit = _PLANS.get(id(ruleset))
    if hit is not None and hit[0] is ruleset:
        return hit[1]
    plan = Plan(ruleset)
    if len(_PLANS) >= 16:
        del _PLANS[next(iter(_PLANS))]
    _PLANS[id(ruleset)] = (ruleset, plan)
    return plan


@lru_cache(maxsize=4096)
def _owners(rid: str) -> tuple[str, ...]:
    """A rule id and each id it is a part of: JM-01.b#2 → (JM-01.b#2, JM-01, JM-01.b)."""
    return (rid, *(rid[:k] for k, ch in enumerate(rid) if ch in ".#"))


@dataclass
class Context:
    """What scoring one submission needs to know."""

    ruleset: Ruleset
    submission: Submission
    fired: set[tuple[str, int]]
    reviews: dict[str, Decision] = field(default_factory=dict)  # item → the assessors' decision and its file
    bad_records: list[BadRecord] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    _by_item: dict[str, set[str]] | None = field(default=None, repr=False, compare=False)
    plan: Plan = field(init=False, repr=False, compare=False)
    _plain: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.plan = plan_of(self.ruleset)

    def fired_for(self, item_id: str) -> list[str]:
        """Rule ids that fired for an item: its own, and its parts' (`ID.n`, `ID#n`), sorted."""
        return sorted(self._index().get(item_id, ()))

    def fired_any(self, item_id: str) -> bool:
        """Whether any check of an item (its own, its parts') fired."""
        return item_id in self._index()

    def _index(self) -> dict[str, set[str]]:
        if self._by_item is None:  # indexed once: scanning every firing for every item was quadratic
            index: dict[str, set[str]] = {}
            for rid, _ in self.fired:
                for key in _owners(rid):
                    hit = index.get(key)
                    if hit is None:
                        index[key] = {rid}
                    else:
                        hit.add(rid)
            self._by_item = index
        return self._by_item

    def review_of(self, rule_id: str) -> Decision | None:
        """The assessor's decision on an item or on a part of one (子项 of 酌情扣分), with its source."""
        return self.reviews.get(rule_id)

    def holds(self, rule_id: str) -> bool:
        return (rule_id, 0) in self.fired

    def record_hits(self, rule_id: str) -> list[int]:
        return sorted(fid for rid, fid in self.fired if rid == rule_id and fid > 0)

    def unit_of(self, name: str, fallback: str) -> str:
        return self.ruleset.value_specs[name].unit or fallback

    def show(self, name: str) -> str:
        """A submitted value as the sheet's 申报值 column shows it: 96.5%, 3件, 2条 (records)."""
        suffix = self.plan.suffix[name]
        if suffix is None:
            return f"{len(self.submission.records.get(name, []))}条"
        return self.plain(name) + suffix

    @property
    def texts(self) -> dict[str, str]:
        """The values worded so far (`plain`), by name."""
        return self._plain

    def plain(self, name: str) -> str:
        """A submitted value as text, without its unit (format_value), worked out once per submission."""
        text = self._plain.get(name)
        if text is None:
            text = self._plain[name] = text_of(self.submission.values[name])
        return text

    def shown(self, heads: tuple[tuple[str, str, str | None], ...]) -> tuple[str, bool]:
        """The 申报值 of an item (`name=value；…` of the values it reads that were submitted, as
        `show` words each) and whether every one of them was submitted."""
        sub = self.submission
        values, records, texts = sub.values, sub.records, self._plain
        if len(heads) == 1 and heads[0][2] is not None:  # most items read one value: no list to join
            name, head, suffix = heads[0]
            if name not in values:
                return (head + self.plain(name) + suffix, True) if name in records else ("", False)
            text = texts.get(name)
            if text is None:
                text = texts[name] = text_of(values[name])
            return head + text + suffix, True
        parts = []
        for name, head, suffix in heads:
            if name in values:
                if suffix is None:
                    parts.append(f"{head}{len(records.get(name, []))}条")
                    continue
                text = texts.get(name)
                if text is None:
                    text = texts[name] = text_of(values[name])
                parts.append(head + text + suffix)
            elif name in records:
                if suffix is None:
                    parts.append(f"{head}{len(records[name])}条")
                else:
                    parts.append(head + self.plain(name) + suffix)
        return "；".join(parts), len(parts) == len(heads)

    @property
    def words(self) -> Words:
        """The submission's conditions in words (wording.Words)."""
        return Words(self.ruleset.value_specs, self.submission.values, self.submission.year)

    def facts(self, rule_id: str) -> list[Fact]:
        """What decided a condition's outcome, in words."""
        return self.words.facts(self.ruleset.conditions[rule_id].node)

    def told(self, rule_id: str) -> str:
        """A condition as evaluated on the submission, in words: 出庭应诉率25%，低于80%."""
        return self.words.told(self.ruleset.conditions[rule_id].node)

    def records_told(self, rule_id: str, list_name: str, hits: list[int]) -> tuple[str, list[str]]:
        """Records a check matched: ("结果为败诉的记录2条：（2012）基行初字第1号、…", one note per
        record naming it by its identifying fields and saying what matched)."""
        records = self.submission.records.get(list_name, [])
        fields = self.ruleset.indicators[list_name].fields or {}
        cond = self.ruleset.conditions.get(rule_id)
        year = self.submission.year
        matched = [records[fid - 1] for fid in hits]
        what = f"中{Words(fields, {}, year).criterion(cond.node)}的记录" if cond else "记录"
        summary = f"{list_name}{what}{len(hits)}条：{records_named(matched, fields)}"
        notes = []
        for record in matched:
            told = Words(fields, record, year).told(cond.node) if cond else ""
            notes.append(record_name(record, fields) + (f"；{told}" if told else ""))
        return summary, notes

    def write_bad_record(
        self, rule_id: str, standard: str, spec: BadRecordSpec, deduction: Decimal, fields: dict[str, str], note: str
    ) -> None:
        _write_bad_record(rule_id, standard, spec, deduction, self, fields, note)


# -- items ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Outcome:
    deduction: Decimal = CENT * 0
    status: str = "满分"
    counted: bool = True
    reasons: list[str] = field(default_factory=list)
    reviewed: bool = False
    extra: dict[str, str] = field(default_factory=dict)
    review: ReviewNote | None = None
    open: Decimal = ZERO  # 待复核: the most a review may still deduct


# the fields set of each kind of model, shared by every one made (result.made)
_REMEDY = set(Remedy.model_fields)
_RECORD = set(BadRecord.model_fields)
_CATEGORY = set(CategoryTotal.model_fields)
_ITEM_GIVEN = set(name for name in ItemResult.model_fields if name != "responsible")  # what scoring gives


def score_items(ctx: Context) -> list[ItemResult]:
    """Every item of the ruleset scored, in order (序号 from 1)."""
    sub = ctx.submission
    index = ctx._index()
    unit_type, reviews, undefined, self_scores = sub.unit_type, ctx.reviews, sub.undefined, sub.self_scores
    year = sub.year
    values, texts = sub.values, ctx.texts
    # the names with a data warning (_flags): an item reading none of them has none
    flagged = (sub.small_samples.keys() | sub.flags.keys()) if sub.small_samples or sub.flags else ()
    shown_of = ctx.shown
    out = []
    for seq, p in enumerate(ctx.plan.ordered, start=1):
        outside = p.outside.get(unit_type, _UNKNOWN)
        if outside is _UNKNOWN:
            outside = p.outside_for(ctx.ruleset, unit_type)
        key = None
        # a kept result answers only where nothing but its key decides: every value it reads there and
        # defined, no assessor's decision (one may name a part of an item), no 自评分 or data warning
        if (
            outside is None
            and p.memo is not None
            and not reviews
            and not (self_scores and p.id in self_scores)
            and not (flagged and not flagged.isdisjoint(p.reads))
            and not (undefined and _undefined(ctx, p.reads) is not None)
        ):
            key = _key(p.reads, values, unit_type, year)
            if key is not None:
                fired = index.get(p.id)
                hit = p.memo.recall(key, fired)
                if hit is not None:
                    if hit[2] is None and not hit[3] and not _result.CHECK_SHORTCUTS:
                        out.append(hit[0])
                    else:
                        out.append(_recalled(hit, p, seq, ctx))
                    continue
        one = p.one
        if one is not None and one[0] in values:  # as ctx.shown, inline for the common case
            text = texts.get(one[0])
            if text is None:
                text = texts[one[0]] = text_of(values[one[0]])
            shown, complete = one[1] + text + one[2], True
        else:
            shown, complete = shown_of(p.heads)
        if outside is not None:  # whatever was submitted or decided
            if self_scores and p.id in self_scores:
                out.append(_not_applying(p, seq, ctx, shown, outside))
                continue
            # made the same for the same unit type, 申报值 and firings: kept by them
            outside_key = (unit_type, shown)
            fired = index.get(p.id)
            hit = p.outside_memo.recall(outside_key, fired)
            if hit is not None:
                out.append(_recalled(hit, p, seq, ctx) if _result.CHECK_SHORTCUTS else hit[0])
                continue
            made_ = _not_applying(p, seq, ctx, shown, outside)
            p.outside_memo.keep(outside_key, (made_, fired, None, False))
            out.append(made_)
        # not the plain case (every value it reads there and defined, no assessor's decision): the long way
        elif not complete or (reviews and p.id in reviews) or (undefined and _undefined(ctx, p.reads) is not None):
            out.append(_scored(p, seq, ctx, shown))
        elif key is None:
            out.append(_plain_item(p, seq, ctx, shown, index, flagged))
        else:  # kept with what it wrote: 待复核, and its 不良记录 when the key decides that too
            records, pending = len(ctx.bad_records), len(ctx.pending)
            made_ = _plain_item(p, seq, ctx, shown, index, flagged)
            out.append(made_)
            written, pends = len(ctx.bad_records) - records, len(ctx.pending) - pending
            if pends and (pends > 1 or ctx.pending[-1] != p.id):
                continue
            if not written:
                p.memo.keep(key, (made_, fired, None, bool(pends)))
            elif written == 1 and p.record_keyed:  # its fields but the 序号, in the declared order
                record = {k: v for k, v in ctx.bad_records[-1].__dict__.items() if k != "seq"}
                p.memo.keep(key, (made_, fired, record, bool(pends)))
    return out


_MEMO = 16  # results kept per item: in synthetic batches the first 16 catch 94% of what an unbounded store would


def _key(reads: tuple[str, ...], values: dict, unit_type: str, year: int) -> tuple | None:
    """What decides a kept result: the unit type, the year (relative dates) and the values as
    written (str: 96.50 is not 96.5); None when a value is not there."""
    if len(reads) == 1:
        v = values.get(reads[0], _UNKNOWN)
        if v is _UNKNOWN:
            return None
        return (unit_type, year, v if type(v) is not Decimal else str(v))
    key = [unit_type, year]
    for name in reads:
        v = values.get(name, _UNKNOWN)
        if v is _UNKNOWN:
            return None
        key.append(v if type(v) is not Decimal else str(v))
    return tuple(key)


def _plain_item(p: _ItemPlan, seq: int, ctx: Context, shown: str, index: dict, flagged) -> ItemResult:
    """An item of the plain case: every value it reads there and defined, no assessor's decision."""
    if p.quiet and p.id not in index:  # at full score, with nothing to say
        sub = ctx.submission
        fields = p.full.copy()
        fields["seq"] = seq
        fields["reasons"] = []
        fields["values"] = shown
        fields["fired"] = []
        fields["self_score"] = sub.self_scores.get(p.id) if sub.self_scores else None
        warned = p.fixed_dates or (flagged and not flagged.isdisjoint(p.reads))
        fields["flags"] = _flags(p, "满分", ctx) if warned else []
        fields["responsible"] = []
        return _shortcut(fields, p, seq, ctx, shown, "the quiet item's shortcut")
    if _result.CHECK_SHORTCUTS:
        return _checked(p, seq, ctx, shown)
    return _computed_item(p, seq, ctx, shown)


def _recalled(kept: tuple, p: _ItemPlan, seq: int, ctx: Context) -> ItemResult:
    """A kept result with what it writes: the 不良记录 (numbered in this assessment), 待复核. Under
    CHECK_SHORTCUTS checked against scoring the item again and what that writes."""
    hit, _, record, pends = kept
    records, pending = len(ctx.bad_records), len(ctx.pending)
    if _result.CHECK_SHORTCUTS:
        fresh = _scored(p, seq, ctx, ctx.shown(p.heads)[0])
        written = [r.model_dump(mode="json") for r in ctx.bad_records[records:]], ctx.pending[pending:]
        del ctx.bad_records[records:], ctx.pending[pending:]
        if fresh.model_dump_json() != hit.model_dump_json():
            raise AssertionError(f"{p.id}: the kept result differs from scoring it")
    if record is not None:
        ctx.bad_records.append(made(BadRecord, {"seq": records + 1, **record}, _RECORD))
    if pends:
        ctx.pending.append(p.id)
    if _result.CHECK_SHORTCUTS:
        if ([r.model_dump(mode="json") for r in ctx.bad_records[records:]], ctx.pending[pending:]) != written:
            raise AssertionError(f"{p.id}: what the kept result writes differs from scoring it")
    return hit


_UNKNOWN = object()


def _computed_item(p: _ItemPlan, seq: int, ctx: Context, shown: str) -> ItemResult:
    """The plain case (score_items) the short way: what _outcome and _computed do for it, without
    the Outcome in between."""
    item = p.item
    scored = p.method.score(item, ctx)
    deduction = min(scored.amount, p.points)
    if scored.pending:
        status = "待复核"
        room = p.points - deduction if scored.open is None else scored.open
        ctx.pending.append(item.id)
    else:
        status, room = "扣分" if deduction > ZERO else "满分", ZERO
    if p.record_spec is not None and deduction > ZERO:  # as _bad_record
        _write_bad_record(
            item.id, item.standard, p.record_spec, deduction, ctx, scored.extra, "；".join(scored.reasons)
        )
    sub = ctx.submission
    fields = p.full.copy()
    fields["seq"] = seq
    fields["deduction"] = deduction
    fields["score"] = q(item.points - deduction)
    fields["status"] = status
    fields["reasons"] = scored.reasons
    fields["values"] = shown
    fields["fired"] = ctx.fired_for(item.id)
    fields["self_score"] = sub.self_scores.get(item.id) if sub.self_scores else None
    fields["flags"] = _flags(p, status, ctx) if sub.small_samples or sub.flags or p.fixed_dates else []
    fields["open_points"] = room
    fields["responsible"] = []
    return made(ItemResult, fields, _ITEM_GIVEN)


def _checked(p: _ItemPlan, seq: int, ctx: Context, shown: str) -> ItemResult:
    """_computed_item, checked against the long way (_scored) with the same 不良记录 and 待复核 written."""
    records, pending = len(ctx.bad_records), len(ctx.pending)
    slow = _scored(p, seq, ctx, shown)
    written = ctx.bad_records[records:], ctx.pending[pending:]
    del ctx.bad_records[records:], ctx.pending[pending:]
    fast = _computed_item(p, seq, ctx, shown)
    same = (ctx.bad_records[records:], ctx.pending[pending:]) == written
    if not same or fast.model_dump_json() != slow.model_dump_json():
        raise AssertionError(f"{p.item.id}: scoring it the short way differs from the long way")
    return fast


def _not_applying(p: _ItemPlan, seq: int, ctx: Context, shown: str, why: str) -> ItemResult:
    """An item that does not apply to the unit's type, as _scored makes it (checked against it under
    CHECK_SHORTCUTS): no method, no review, no data warnings."""
    counted = p.treatment == "按满分计"
    sub = ctx.submission
    fields = p.full.copy()  # at full score: 按满分计 keeps it
    fields["seq"] = seq
    fields["status"] = "不适用"
    if not counted:
        fields["score"] = ZERO
        fields["counted"] = False
    fields["reasons"] = [why + ("，按满分计" if counted else "，剔除后折算")]
    fields["values"] = shown
    fields["fired"] = ctx.fired_for(p.id)
    fields["self_score"] = sub.self_scores.get(p.id) if sub.self_scores else None
    fields["flags"] = []
    fields["responsible"] = []
    return _shortcut(fields, p, seq, ctx, shown, "the shortcut for an item that does not apply")


def _shortcut(fields: dict, p: _ItemPlan, seq: int, ctx: Context, shown: str, what: str) -> ItemResult:
    """An item made from its fields the short way; under CHECK_SHORTCUTS also scored the long way
    (`_scored`) and required to come out the same."""
    fast = made(ItemResult, fields, _ITEM_GIVEN)
    if _result.CHECK_SHORTCUTS and fast.model_dump_json() != _scored(p, seq, ctx, shown).model_dump_json():
        raise AssertionError(f"{p.id}: {what} differs from scoring it")
    return fast


def _scored(p: _ItemPlan, seq: int, ctx: Context, shown: str) -> ItemResult:
    """An item's result the long way: applicability, missing values, the method, the review."""
    out = _outcome(p, ctx)
    sub = ctx.submission
    fields = p.full.copy()
    fields["seq"] = seq
    fields["deduction"] = out.deduction
    fields["score"] = q(p.item.points - out.deduction) if out.counted else ZERO
    fields["status"] = out.status
    fields["counted"] = out.counted
    fields["reasons"] = out.reasons
    fields["values"] = shown
    fields["fired"] = ctx.fired_for(p.item.id)
    fields["reviewed"] = out.reviewed
    fields["review"] = out.review
    fields["self_score"] = sub.self_scores.get(p.item.id) if sub.self_scores else None
    fields["flags"] = _flags(p, out.status, ctx)
    fields["open_points"] = out.open if out.counted else ZERO
    fields["responsible"] = []
    return made(ItemResult, fields, _ITEM_GIVEN)


def _flags(p: _ItemPlan, status: str, ctx: Context) -> list[str]:
    """Data warnings for an applicable item: rates it reads that rest on a small sample, values
    whose reading was ambiguous (intake flags), fixed dates that do not fit the 考核年度."""
    if status == "不适用":
        return []
    sub = ctx.submission
    found = [sub.small_samples[name] for name in p.reads if name in sub.small_samples] if sub.small_samples else []
    if sub.flags:
        found += [flag for name in p.reads for flag in sub.flags.get(name, ())]
    if p.fixed_dates:
        stale = p.stale.get(sub.year)
        if stale is None:
            stale = p.stale[sub.year] = _stale_dates(p.fixed_dates, sub.year)
        found += stale
    return found


def _stale_dates(dates: tuple, year: int) -> list[str]:
    """A fixed date in a condition that is neither in the 考核年度 nor the next year: most likely a
    date kept from another year's rules (write it by the year instead: 次年3月1日)."""
    return [
        f"条件中的固定日期 {d.isoformat()} 不在{year}年度或次年内，请核对规则"
        f"（按考核年度可写作“当年{d.month}月{d.day}日”或“次年{d.month}月{d.day}日”）"
        for d in dates
        if d.year not in (year, year + 1)
    ]


def _present(ctx: Context, name: str) -> bool:
    return name in ctx.submission.values or name in ctx.submission.records


def _applies(ctx: Context, applies_to: list[str] | None, reads: tuple[str, ...] | list[str]) -> str | None:
    """None if the item applies to the unit; else the reason it does not."""
    return _outside(ctx.ruleset, applies_to, reads, ctx.submission.unit_type) or _undefined(ctx, reads)


def _outside(ruleset: Ruleset, applies_to: list[str] | None, reads: tuple[str, ...] | list[str], unit_type: str):
    """Why a thing does not apply to a unit type (its own 适用单位, or an indicator's); None if it does."""
    if applies_to is not None and unit_type not in applies_to:
        return f"本项仅适用于{'、'.join(applies_to)}，不适用于{unit_type}"
    for name in reads:
        spec = ruleset.indicators.get(name)
        if spec is not None and spec.applies_to is not None and unit_type not in spec.applies_to:
            return f"指标“{name}”不适用于{unit_type}"
    return None


def _undefined(ctx: Context, reads: tuple[str, ...] | list[str]) -> str | None:
    """Why a value it reads has none for this submission (e.g. a rate over 0 cases); None if all have."""
    undefined = ctx.submission.undefined
    if undefined:
        for name in reads:
            why = undefined.get(name)
            if why:
                return why
    return None


def _outcome(p: _ItemPlan, ctx: Context) -> Outcome:
    item = p.item
    why_not = p.outside_for(ctx.ruleset, ctx.submission.unit_type) or _undefined(ctx, p.reads)
    if why_not:
        if p.treatment == "按满分计":
            return Outcome(status="不适用", counted=True, reasons=[why_not + "，按满分计"])
        return Outcome(status="不适用", counted=False, reasons=[why_not + "，剔除后折算"])
    computed = _computed(p, ctx)
    decision = ctx.reviews.get(item.id) if ctx.reviews else None
    if decision is None:
        if computed.status == "待复核":
            ctx.pending.append(item.id)
        if not p.method.own_bad_records:  # a computed part applies while another is pending
            _bad_record(item, computed.deduction, computed.reasons, ctx, computed.extra)
        return computed
    review = decision.review
    deduction = review.deduction if review.deduction is not None else item.points - review.score
    deduction = min(max(q(deduction), ZERO), p.points)
    before = computed.deduction if computed.status != "待复核" or computed.deduction > 0 else None
    was = f"；系统计算扣{n(before)}分" if before is not None and before != deduction else ""
    reason = f"复核：{review.reason}（{decision.who}{was}），扣{n(deduction)}分"
    out = Outcome(deduction, "扣分" if deduction > 0 else "满分", reasons=[reason], reviewed=True)
    out.review = ReviewNote(
        reason=review.reason,
        reviewer=review.reviewer,
        date=review.date.isoformat() if review.date else "",
        source=decision.file,
        sha256=decision.sha256,
        computed_deduction=before,
    )
    if not p.method.own_bad_records:
        _bad_record(item, deduction, out.reasons, ctx, computed.extra)
    return out


def _computed(p: _ItemPlan, ctx: Context) -> Outcome:
    """What the engine alone makes of an applicable item (before any review)."""
    item = p.item
    values, records = ctx.submission.values, ctx.submission.records
    missing = [name for name in p.reads if name not in values and name not in records]
    if missing:
        labels = "、".join(missing)
        if ctx.ruleset.header.missing == "不得分":
            d = p.points
            return Outcome(d, "扣分", reasons=[f"未填报{labels}，本项不得分，扣{n(d)}分"])
        return Outcome(status="待复核", reasons=[f"未填报{labels}，待复核"], open=p.points)
    scored = p.method.score(item, ctx)
    deduction = min(scored.amount, p.points)
    if scored.pending:
        room = p.points - deduction if scored.open is None else scored.open
        return Outcome(deduction, "待复核", reasons=scored.reasons, extra=scored.extra, open=room)
    return Outcome(deduction, "扣分" if deduction > 0 else "满分", reasons=scored.reasons, extra=scored.extra)


# -- bad records, bonuses, vetoes -------------------------------------------------------------


def _bad_record(item, deduction: Decimal, reasons: list[str], ctx: Context, extra: dict[str, str]) -> None:
    spec: BadRecordSpec | None = getattr(item, "bad_record", None)
    if spec is None or deduction <= 0:
        return
    _write_bad_record(item.id, item.standard, spec, deduction, ctx, extra, "；".join(reasons))


def _write_bad_record(
    rule_id: str,
    standard: str,
    spec: BadRecordSpec,
    deduction: Decimal,
    ctx: Context,
    fields: dict[str, str],
    note: str,
) -> None:
    event = interpolate(spec.event, ctx, dict(fields, 扣分=n(deduction)))
    consequence = spec.consequence or ctx.plan.consequences[spec.severity]
    record = {
        "seq": len(ctx.bad_records) + 1,
        "rule_id": rule_id,
        "event": event,
        "basis": f"{rule_id} {standard}",
        "deduction": q(deduction),
        "severity": spec.severity,
        "consequence": consequence,
        "note": note,
    }
    ctx.bad_records.append(made(BadRecord, record, _RECORD))


def interpolate(template: str, ctx: Context, fields: dict[str, str]) -> str:
    """Fill {name} from record fields, then indicators, then unit/year; never evaluates anything."""
    pieces = _pieces(template)
    if len(pieces) == 1:
        return template
    values = ctx.submission.values
    out = []
    for k, piece in enumerate(pieces):
        if not k % 2:
            out.append(piece)
            continue
        name = piece.strip()
        if name in fields:
            out.append(fields[name])
        elif name in values:
            out.append(value_text(values[name]))
        elif name == "单位名称":
            out.append(ctx.submission.unit)
        elif name == "考核年度":
            out.append(str(ctx.submission.year))
        else:
            out.append("{" + piece + "}")
    return "".join(out)


@lru_cache(maxsize=1024)
def _pieces(template: str) -> tuple[str, ...]:
    """A template split once: text, placeholder name, text, … (the text around each {name})."""
    return tuple(_PLACEHOLDER.split(template))


_BONUS = set(("seq", "rule_id", "content", "standard", "max_points", "bonus", "values"))  # always given
_BONUS_SAID = _BONUS | {"reasons"}


def score_bonus(bonus, seq: int, ctx: Context) -> BonusResult:
    """A bonus item scored, or its kept result (as an item's: score_items) when the same values
    come again and durable fired the same checks for it."""
    kept = ctx.plan.bonus_memo[bonus.id]
    if kept is None or ctx.reviews:
        return _bonus(bonus, seq, ctx)
    sub = ctx.submission
    reads = ctx.ruleset.item_reads.get(bonus.id, ())
    key = _key(reads, sub.values, sub.unit_type, sub.year)
    if key is None or (sub.undefined and _undefined(ctx, reads) is not None):
        return _bonus(bonus, seq, ctx)
    key, fired = (seq, key), ctx._index().get(bonus.id)
    hit = kept.recall(key, fired)
    if hit is not None:
        if _result.CHECK_SHORTCUTS and _bonus(bonus, seq, ctx).model_dump_json() != hit[0].model_dump_json():
            raise AssertionError(f"{bonus.id}: the kept result differs from scoring it")
        return hit[0]
    made_ = _bonus(bonus, seq, ctx)
    kept.keep(key, (made_, fired, None, False))
    return made_


def _bonus(bonus, seq: int, ctx: Context) -> BonusResult:
    reads = ctx.ruleset.item_reads.get(bonus.id, ())
    shown, complete = ctx.shown(ctx.plan.bonus_heads[bonus.id])
    amount, reasons, applicable, given = ZERO, [], True, _BONUS_SAID
    why_not = _applies(ctx, bonus.applies_to, reads)
    decision = None if why_not else ctx.reviews.get(bonus.id)
    if why_not:
        reasons, applicable, given = [why_not], False, _BONUS_SAID | {"applicable"}
    elif decision is not None:
        review = decision.review
        amount = review.score if review.score is not None else bonus.points - review.deduction
        amount = min(max(q(amount), ZERO), q(bonus.points))
        reasons = [f"复核：{review.reason}（{decision.who}），加{n(amount)}分"]
    elif not complete:
        missing = [name for name in reads if not _present(ctx, name)]
        reasons = [f"未填报{'、'.join(missing)}，不加分"]
    elif not ctx.holds(bonus.id):
        given = _BONUS
    else:
        scored = method_of(bonus).score(bonus, ctx)
        amount, reasons = scored.amount, scored.reasons
    fields = {"seq": seq, "rule_id": bonus.id, "content": bonus.content, "standard": bonus.standard}
    fields["max_points"] = q(bonus.points)
    fields["bonus"] = amount
    fields["reasons"] = reasons
    fields["values"] = shown
    fields["applicable"] = applicable
    return made(BonusResult, fields, given)


def check_veto(veto: Veto, ctx: Context) -> VetoResult | None:
    reads = list(ctx.ruleset.item_reads.get(veto.id, ()))
    if _applies(ctx, veto.applies_to, reads):
        return None
    if any(not _present(ctx, name) for name in reads):
        ctx.pending.append(veto.id)
        return None
    cond = ctx.ruleset.conditions.get(veto.id)
    spec = ctx.plan.veto_records[veto.id]
    if veto.records is not None:
        hits = ctx.record_hits(veto.id)
        if not hits:
            return None
        records = ctx.submission.records.get(veto.records, [])
        detail, notes = ctx.records_told(veto.id, veto.records, hits)
        for fid, note in zip(hits, notes, strict=True) if spec else ():
            fields = {k: value_text(v) for k, v in records[fid - 1].items()}
            _write_bad_record(veto.id, veto.standard, spec, ZERO, ctx, fields, f"一票否决；{note}")
        return VetoResult(rule_id=veto.id, event=veto.event, standard=veto.standard, detail=detail)
    if not ctx.holds(veto.id):
        return None
    detail = ctx.told(veto.id) if cond else ""
    if spec:
        _write_bad_record(veto.id, veto.standard, spec, ZERO, ctx, {}, f"一票否决；{detail}")
    return VetoResult(rule_id=veto.id, event=veto.event, standard=veto.standard, detail=detail)


# -- totals and grade -------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    categories: list[CategoryTotal]
    base_score: Decimal
    applicable_points: Decimal
    scaled_score: Decimal
    bonus_total: Decimal
    total: Decimal
    score_rate: Decimal
    open: OpenTotals | None = None  # with points still 待复核
    figures: tuple = ()  # _figures() of the items and bonuses


def _figures(ruleset: Ruleset, items: list[ItemResult], bonuses: list[BonusResult]) -> tuple:
    """(base, applicable, scaled, bonus_total, total, open_points, total_min or None): the arithmetic of
    totals(), without the models."""
    base = applicable = open_points = ZERO
    for r in items:
        if r.counted:
            base += r.score
            applicable += r.max_points
            open_points += r.open_points
    return _finished(ruleset, base, applicable, open_points, bonuses)


def _finished(
    ruleset: Ruleset, base: Decimal, applicable: Decimal, open_points: Decimal, bonuses: list[BonusResult]
) -> tuple:
    """_figures() from the sums over the counted items."""
    header = ruleset.header
    bonus_total = min(sum((b.bonus for b in bonuses), ZERO), q(header.bonus_cap))
    scaled, total, total_min = _summed(header.total, base, applicable, bonus_total, open_points)
    return base, applicable, scaled, bonus_total, total, open_points, total_min


def _summed(
    points: Decimal, base: Decimal, applicable: Decimal, bonus_total: Decimal, open_points: Decimal
) -> tuple[Decimal, Decimal, Decimal | None]:
    """(scaled, total, total_min or None) from the sums: 折算 to the ruleset's total, then the bonus."""
    scaled = _scaled(points, base, applicable)
    total = q(scaled + bonus_total)
    total_min = q(_scaled(points, base - open_points, applicable) + bonus_total) if open_points > 0 else None
    return scaled, total, total_min


def totals(ruleset: Ruleset, items: list[ItemResult], bonuses: list[BonusResult]) -> Totals:
    header = ruleset.header
    sums: dict[str, list[Decimal]] = {}  # 一级指标 → [分值, 扣分, 得分] of its counted items, in order
    open_points = ZERO
    for item in items:
        row = sums.get(item.category1)
        if row is None:
            row = sums[item.category1] = [ZERO, ZERO, ZERO]
        if item.counted:  # adding the shared ZERO leaves a sum as it is (every sum starts at ZERO): skipped
            row[0] += item.max_points
            if item.deduction is not ZERO:
                row[1] += item.deduction
            row[2] += item.score
            if item.open_points is not ZERO:
                open_points += item.open_points
    # the sums _figures adds up item by item: exact in Decimal, so the same by category
    base = applicable = ZERO
    for a, _, c in sums.values():
        applicable += a
        base += c
    kept = plan_of(ruleset).categories  # a category's line, kept by its sums (most are at full score)
    categories = []
    for name, (a, b, c) in sums.items():
        key = (name, str(a), str(b), str(c))  # as written: 5.00 is not 5
        line = kept.get(key)
        if line is None:
            line = made(CategoryTotal, {"name": name, "max_points": a, "deduction": b, "score": c}, _CATEGORY)
            if len(kept) < 16 * len(sums):
                kept[key] = line
        categories.append(line)
    figures = _finished(ruleset, base, applicable, open_points, bonuses)
    base, applicable, scaled, bonus_total, total, open_points, total_min = figures
    rate = q(scaled / header.total * 100)
    open_totals = None
    if open_points > 0:
        settled = base - open_points
        final = "最终" if applicable == header.total and bonus_total == 0 else "最终（折算、加分后）"
        summary = (
            f"已定 {settled} / {n(applicable - open_points)}；待复核 {n(open_points)} 分；{final} {total_min}–{total}"
        )
        open_totals = built(
            OpenTotals,
            settled_score=settled,
            settled_points=applicable - open_points,
            open_points=open_points,
            total_min=total_min,
            total_max=total,
            summary=summary,
        )
    return Totals(categories, base, applicable, scaled, bonus_total, total, rate, open_totals, figures)


def _scaled(total: Decimal, score: Decimal, applicable: Decimal) -> Decimal:
    if applicable == 0:
        return ZERO
    if applicable == total:
        return score
    return q(score * total / applicable)  # 剔除折算: rescale to the full total


def grade(
    ruleset: Ruleset,
    unit_type: str,
    total: Decimal,
    bad_records: list[BadRecord],
    vetoes: list[VetoResult],
    pending: list[str],
    total_min: Decimal | None = None,
) -> Grade:
    """The grade at `total`; with items pending, also the worst grade reviews could still give."""
    header = ruleset.header
    which = unit_type if unit_type in header.grades else "默认"
    thresholds = ruleset.bands_for(unit_type)
    severities = [b.severity for b in bad_records]
    vetoed = [v.rule_id for v in vetoes]
    counts = len(severities), severities.count("严重")
    result, band, reasons = _graded(ruleset, which, thresholds, total, counts, vetoed)
    cap = _cap(ruleset, severities, vetoed)
    if not pending:
        return built(Grade, grade=result, band_grade=band, reasons=reasons, bands=thresholds, cap=cap)
    low = total if total_min is None else total_min
    worst = _worst(_grading(ruleset), thresholds, low, counts, vetoed, _risk(ruleset, pending))
    span = f"最终总分在{low}–{total}分之间" if low != total else f"总分{total}分"
    head = f"有{len(pending)}项待复核（{'、'.join(pending)}），{span}"
    words = list(header.grade_words)
    possible = words[words.index(result) : words.index(worst) + 1] if result is not None else []
    if result is None:
        reasons.append(f"{head}，以复核后为准")
    elif worst == result:
        reasons.append(f"{head}，无论复核结果如何均为{result}")
    else:
        reasons.append(f"{head}，等次暂定为{result}（复核后可能为{'、'.join(possible)}）")
    return built(
        Grade,
        grade=result,
        band_grade=band,
        reasons=reasons,
        bands=thresholds,
        provisional=worst != result,
        possible=possible,
        cap=cap,
    )


def _risk(ruleset: Ruleset, pending: list[str]) -> tuple[tuple[int, int], list[str]]:
    """The worst case of what is pending: the 不良记录 the open items would write (how many, how many
    严重), and the open vetoes (each firing)."""
    plan = plan_of(ruleset)
    specs, veto_ids = plan.record_specs, plan.veto_ids
    severities = [specs[i].severity for i in pending if specs.get(i) is not None]
    return (len(severities), severities.count("严重")), [i for i in pending if i in veto_ids]


def _worst(
    grading: tuple,
    thresholds: dict[str, Decimal],
    low: Decimal,
    counts: tuple[int, int],
    vetoed: list[str],
    risk: tuple[tuple[int, int], list[str]],
) -> str | None:
    """The worst grade reviews could still give: every open point deducted (`low`), every open item
    writing its 不良记录, every open veto firing."""
    (recorded, severe), ((more, more_severe), vetoes) = counts, risk
    return _grade_word(grading, thresholds, low, (recorded + more, severe + more_severe), vetoed + vetoes)


def _cap(ruleset: Ruleset, severities: list[str], vetoed: list[str]) -> str | None:
    """The best grade the records and vetoes allow, as _graded applies them (a veto's grade is exact)."""
    header = ruleset.header
    words = list(header.grade_words)
    if not words:
        return None
    if vetoed:
        return header.veto_grade
    ordinary, severe = header.caps
    caps = [ordinary] if severities else []
    caps += [severe] if "严重" in severities else []
    caps = [c for c in caps if c is not None and c in words]
    return max(caps, key=words.index) if caps else None


def _grading(ruleset: Ruleset) -> tuple:
    """What _grade_word reads of the header: (grade words, caps, the veto's grade)."""
    header = ruleset.header
    return header.grade_words, header.caps, header.veto_grade


def _grade_word(
    grading: tuple, thresholds: dict[str, Decimal], total: Decimal, counts: tuple[int, int], vetoed: list[str]
) -> str | None:
    """The grade _graded gives, without its reasons (the 整改清单 grades every fix)."""
    words, (ordinary_cap, severe_cap), veto_grade = grading
    if not words:
        return None
    result = words[-1]
    for word, line in thresholds.items():
        if total >= line:
            result = word
            break
    recorded, severe = counts
    if recorded and ordinary_cap is not None and words.index(ordinary_cap) > words.index(result):
        result = ordinary_cap
    if severe and severe_cap is not None and words.index(severe_cap) > words.index(result):
        result = severe_cap
    return veto_grade if vetoed else result


def _graded(
    ruleset: Ruleset,
    which: str,
    thresholds: dict[str, Decimal],
    total: Decimal,
    counts: tuple[int, int],
    vetoed: list[str],
) -> tuple[str | None, str | None, list[str]]:
    """(grade, grade by the total alone, reasons) — both None for a ruleset without grades."""
    header = ruleset.header
    words = header.grade_words
    ordinary_cap, severe_cap = header.caps
    if not words:
        reasons = [f"总分{n(total)}分（本表不评定等次）"]
        if vetoed:
            outcome = f"，{header.veto_result}" if header.veto_result else ""
            reasons.append(f"触发一票否决（{'、'.join(vetoed)}）{outcome}")
        return None, None, reasons
    band = next((g for g, line in thresholds.items() if total >= line), words[-1])
    lines = "、".join(f"{g}≥{n(v)}" for g, v in thresholds.items())
    reasons = [f"总分{n(total)}分，按{which}等次线（{lines}）为{band}"]
    result = band
    # caps exactly as declared: 有不良记录 covers every record (a 严重 one too), 有严重不良记录 the 严重 ones
    recorded, severe = counts  # 不良记录, of them 严重
    for count, limit, why in ((recorded, ordinary_cap, "有不良记录"), (severe, severe_cap, "有严重不良记录")):
        if not count or limit is None:
            continue
        if words.index(limit) > words.index(result):
            reasons.append(f"{why}{count}条，等次不得高于{limit}")
            result = limit
        else:
            reasons.append(f"{why}{count}条（等次上限{limit}，不影响）")
    if vetoed:
        veto = header.veto_grade
        if result != veto:
            reasons.append(f"触发一票否决（{'、'.join(vetoed)}），等次为{veto}")
        result = veto
    return result, band, reasons


# -- 整改清单 -----------------------------------------------------------------------------------

_NO_RECORDS = (0, 0)


def remedies(
    ruleset: Ruleset,
    unit_type: str,
    items: list[ItemResult],
    bonuses: list[BonusResult],
    bad_records: list[BadRecord],
    vetoes: list[VetoResult],
    pending: list[str],
    figures: tuple | None = None,
) -> list[Remedy]:
    """Each deduction and each veto fixed on its own, the assessment re-scored as totals() and grade() do.

    Fixed means: an item's deduction removed (its points still 待复核 stay open) with the 不良记录 it
    wrote; a veto lifted with its 不良记录. Items score independently of each other, so the other
    items, bonuses and records stand as they are: the sums change by the item's deduction alone
    (exact in Decimal), and 折算, the bonus and the grade follow from them as for the assessment.
    Ordered by the grade reached, then the points regained. `figures`: _figures() of the same items
    and bonuses when the caller has them (Totals.figures).
    """
    header = ruleset.header
    base, applicable, _, bonus_total, now, open_points, _ = figures or _figures(ruleset, items, bonuses)
    thresholds = ruleset.bands_for(unit_type)
    grading = _grading(ruleset)
    risk = _risk(ruleset, pending) if pending else ((0, 0), [])
    out: list[Remedy] = []
    recorded, severe = len(bad_records), sum(b.severity == "严重" for b in bad_records)
    written: dict[str, tuple[int, int]] = {}  # rule id → the 不良记录 it wrote (how many, how many 严重)
    for b in bad_records:
        k, s = written.get(b.rule_id, _NO_RECORDS)
        written[b.rule_id] = (k + 1, s + (b.severity == "严重"))

    points = header.total
    same = applicable == points and applicable != 0  # _scaled leaves a sum as it is
    (more, more_severe), open_vetoes = risk

    def rescore(fixed_base: Decimal, vetoed: list[str], rule_id: str) -> tuple[Decimal, str | None, bool]:
        """As _summed, then _grade_word and _worst, for the sum of the counted items' scores once fixed."""
        k, s = written.get(rule_id, _NO_RECORDS)
        recorded_now, severe_now = recorded - k, severe - s
        total = q((fixed_base if same else _scaled(points, fixed_base, applicable)) + bonus_total)
        result = _grade_word(grading, thresholds, total, (recorded_now, severe_now), vetoed)
        if not pending:
            return total, result, False
        low = total
        if open_points > 0:
            settled = fixed_base - open_points
            low = q((settled if same else _scaled(points, settled, applicable)) + bonus_total)
        worst = _grade_word(
            grading, thresholds, low, (recorded_now + more, severe_now + more_severe), vetoed + open_vetoes
        )
        return total, result, worst != result

    vetoed = [v.rule_id for v in vetoes]
    for item in items:
        if not item.counted or item.deduction <= ZERO:
            continue
        total, word, provisional = rescore(base - item.score + item.max_points, vetoed, item.rule_id)
        fields = {
            "rule_id": item.rule_id,
            "content": item.content,
            "problem": "；".join(item.reasons),
            "deduction": item.deduction,
            "gain": total - now,
            "total": total,
            "grade": word,
            "provisional": provisional,
        }
        out.append(made(Remedy, fields, _REMEDY))
    for veto in vetoes:
        others = [v.rule_id for v in vetoes if v is not veto]
        total, word, provisional = rescore(base, others, veto.rule_id)
        out.append(
            made(
                Remedy,
                dict(
                    rule_id=veto.rule_id,
                    content=veto.event,
                    problem=f"一票否决：{veto.detail}",
                    deduction=q(ZERO),
                    gain=total - now,
                    total=total,
                    grade=word,
                    provisional=provisional,
                ),
                _REMEDY,
            )
        )
    rank = plan_of(ruleset).rank
    return sorted(out, key=lambda r: (rank.get(r.grade or "", 0), -r.gain))
