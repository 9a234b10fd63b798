"""One assessment: validated submission + compiled ruleset → durable_rules → scored result."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import replace as dc_replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from engine import __version__
from engine.errors import ErrorList, HistoryError, Location, Problem, SubmissionError
from engine.evaluation.checks import CompiledRuleset, compile_outcomes, compile_ruleset
from engine.evaluation.durable.adapter import adapter
from engine.intake.review import Decision, Overrides
from engine.intake.submission import Submission
from engine.result import (
    AssessmentResult,
    Audit,
    BadRecord,
    Consequence,
    FollowUp,
    Grade,
    ItemResult,
    PreviousResult,
    RecordRow,
    SubmittedValue,
    built,
    made,
)
from engine.ruleset import conditions as expr
from engine.ruleset.conditions import format_value
from engine.ruleset.model import IndicatorSpec
from engine.ruleset.ruleset import Ruleset
from engine.ruleset.wording import Words
from engine.scoring.arithmetic import (
    Context,
    check_veto,
    grade,
    remedies,
    score_bonus,
    score_items,
    totals,
)

_COMPILED: dict[str, CompiledRuleset] = {}
_OUTCOMES: dict[str, CompiledRuleset | None] = {}
NO_PREVIOUS = "无上年结果"


def compiled_for(ruleset: Ruleset) -> CompiledRuleset:
    """Compile a ruleset once per process (keyed by the rules file's content)."""
    hit = _COMPILED.get(ruleset.sha256)
    if hit is None:
        hit = compile_ruleset(ruleset)
        _COMPILED[ruleset.sha256] = hit
    return hit


Firings = Callable[[CompiledRuleset, dict, dict], set[tuple[str, int]]]


def assess(
    ruleset: Ruleset,
    submission: Submission,
    *,
    as_of: dt.datetime | None = None,
    overrides: Overrides | None = None,
    reviews: dict[str, Decision] | None = None,
    firings: Firings | None = None,
    previous: PreviousResult | None = None,
) -> AssessmentResult:
    """Score a validated submission. Assessors' decisions come from `overrides` (a review file)
    or, for a test case, `reviews`. `firings` decides the checks (default: durable_rules;
    engine.evaluation.plain passes its plain-Python evaluator). `previous` is the unit's result of
    the year before (`--history`), read by the 等次后果 once the total and grade are settled."""
    compiled = compiled_for(ruleset)
    submission, follow, follow_notes = with_previous(ruleset, submission, previous)
    values, records = facts(ruleset, submission)
    fired = (firings or adapter().run)(compiled, values, records)
    decided = overrides.for_unit(submission.unit, submission.year, ruleset) if overrides else dict(reviews or {})
    ctx = Context(ruleset, submission, fired, reviews=decided)
    items = score_items(ctx)
    bonuses = [score_bonus(b, seq, ctx) for seq, b in enumerate(ruleset.model.bonuses, start=1)]
    vetoes = [v for v in (check_veto(v, ctx) for v in ruleset.model.vetoes) if v is not None]
    t = totals(ruleset, items, bonuses)
    total_min = t.open.total_min if t.open else None
    g = grade(ruleset, submission.unit_type, t.total, ctx.bad_records, vetoes, ctx.pending, total_min)
    after = (
        outcome_values(ruleset, t.total, g, ctx.bad_records, items, previous, follow)
        if ruleset.outcome_conditions
        else {}
    )
    consequences, notes = _consequences(ruleset, after, firings, previous, g.provisional, submission.year)
    header = ruleset.header
    when = (as_of or dt.datetime.now(dt.UTC).astimezone()).isoformat(timespec="seconds")
    # the parts are made or validated already
    return built(
        AssessmentResult,
        unit=submission.unit,
        unit_type=submission.unit_type,
        year=submission.year,
        ruleset_id=header.id,
        ruleset_name=header.name,
        title=header.title(submission.year, submission.unit),
        grade_words=list(header.grade_words),
        total_points=header.total,
        items=items,
        categories=t.categories,
        base_score=t.base_score,
        applicable_points=t.applicable_points,
        scaled_score=t.scaled_score,
        bonuses=bonuses,
        bonus_cap=header.bonus_cap,
        bonus_total=t.bonus_total,
        total=t.total,
        score_rate=t.score_rate,
        grade=g,
        bad_records=ctx.bad_records,
        vetoes=vetoes,
        pending=ctx.pending,
        open_totals=t.open,
        submitted=_submitted(ruleset, submission, ctx),
        records=_records(ruleset, submission),
        notices=_notices(ruleset, submission, overrides, decided) + follow_notes + notes + _unread(ruleset, previous),
        unit_id=submission.unit_id,
        previous=previous,
        consequences=consequences,
        follow_ups=follow,
        ruleset_extends=_ancestors(ruleset),
        remedies=remedies(
            ruleset, submission.unit_type, items, bonuses, ctx.bad_records, vetoes, ctx.pending, t.figures
        ),
        audit=built(
            Audit,
            rules_file=_name(ruleset.file),
            rules_sha256=ruleset.sha256,
            submission_file=_name(submission.file),
            submission_sha256=submission.sha256,
            engine_version=__version__,
            assessed_at=when,
            overrides_file=Path(overrides.file).name if overrides else "",
            overrides_sha256=overrides.sha256 if overrides else "",
            overrides_applied=sorted(decided) if overrides else [],
            overrides_decisions=[_decision_text(item, d) for item, d in sorted(decided.items())] if overrides else [],
        ),
    )


@lru_cache(maxsize=256)
def _name(path: str) -> str:
    return Path(path).name


def outcome_values(
    ruleset: Ruleset,
    total: Decimal,
    g: Grade,
    bad_records: list[BadRecord],
    items: list[ItemResult],
    previous: PreviousResult | None,
    follow: list[FollowUp],
) -> dict[str, expr.Value]:
    """The facts an 等次后果 reads (Ruleset.outcome_symbols): this year's settled result, and the year
    before's. Without a previous result the 上年… names are absent, so every comparison on them is false."""
    out: dict[str, expr.Value] = {"总分": total, "不良记录数": Decimal(len(bad_records))}
    if g.grade is not None:
        out["等次"] = g.grade
    out.update({f"得分[{i.rule_id}]": i.score for i in items if i.counted and i.status != "待复核"})
    out.update(previous_values(ruleset, previous, follow))
    if previous is not None:
        out["较上年增减"] = previous.change(total)
    return out


def with_previous(
    ruleset: Ruleset, submission: Submission, previous: PreviousResult | None
) -> tuple[Submission, list[FollowUp], list[str]]:
    """The submission with the year before's result among its values when items or vetoes read it
    (Ruleset.reads_previous), the follow-up of last year's 不良记录, and notices."""
    follow, notes = follow_ups(ruleset, submission, previous)
    if ruleset.reads_previous:
        values = {**previous_values(ruleset, previous, follow), **submission.values}
        submission = dc_replace(submission, values=values)
    return submission, follow, notes


def previous_values(ruleset: Ruleset, previous: PreviousResult | None, follow: list[FollowUp]) -> dict[str, expr.Value]:
    """The year before's result under the names conditions read (Ruleset.previous_specs). Without one,
    有上年结果 is false and the counts are 0; 上年总分, 上年等次 and 上年得分 are absent (comparisons false)."""
    out: dict[str, expr.Value] = {"有上年结果": previous is not None}
    out["上年不良记录数"] = Decimal(previous.bad_records if previous else 0)
    out["上年未整改不良记录数"] = Decimal(sum(not f.corrected for f in follow))
    if previous is not None:
        out["上年总分"] = previous.total
        if previous.grade is not None:
            out["上年等次"] = previous.grade
        out.update({f"上年得分[{k}]": v for k, v in previous.item_scores.items()})
    return {name: value for name, value in out.items() if name in ruleset.previous_specs}


def follow_ups(
    ruleset: Ruleset, submission: Submission, previous: PreviousResult | None
) -> tuple[list[FollowUp], list[str]]:
    """Each of the year before's 不良记录 with its 整改 as the submission reports it (a record not
    reported is open), and notices. A report naming no such record is an error at its place."""
    if previous is None:
        note = "无上年结果：申报的上年不良记录整改未核对" if submission.corrections else ""
        return [], [note] if note else []
    if previous.records is None:
        if previous.bad_records and "上年未整改不良记录数" in ruleset.reads_previous | _outcome_reads(ruleset):
            message = (
                f"上年结果 {previous.source} 只记有不良记录{previous.bad_records}条，没有逐条的不良记录，"
                "无法按申报的整改情况计算上年未整改不良记录数；请改用上年 assess --format json 或 "
                "assess batch --format json 写出的结果"
            )
            raise HistoryError(Problem(Location(previous.source), message, "history.no-records"))
        return [], []
    errors = ErrorList()
    reported: dict[int, bool | None] = {}
    notes: dict[int, str] = {}
    for c in submission.corrections:
        hits = [r for r in previous.records if r.rule_id == c.rule_id and c.seq in (None, r.seq)]
        if not hits:
            known = "、".join(f"{r.rule_id}（序号{r.seq}）" for r in previous.records) or "无"
            message = (
                f"上年（{previous.year}年度）结果中没有评分项 {c.rule_id}"
                f"{f'、序号{c.seq}' if c.seq else ''}的不良记录（上年的不良记录：{known}）"
            )
            errors.problems.append(Problem(c.location, message, "submission.unknown-record", c.rule_id))
        for r in hits:
            reported[r.seq], notes[r.seq] = c.done, c.note
    if errors:
        raise SubmissionError(errors.problems)
    out = [
        FollowUp(
            seq=r.seq, rule_id=r.rule_id, event=r.event, corrected=bool(reported.get(r.seq)), note=notes.get(r.seq, "")
        )
        for r in previous.records
    ]
    return out, []


def _outcome_reads(ruleset: Ruleset) -> set[str]:
    return {n for c in ruleset.outcome_conditions.values() for n in c.names}


@dataclass(frozen=True)
class _Named:
    label: str
    type: str
    unit: str | None


def _outcome_spec(ruleset: Ruleset, name: str) -> _Named | IndicatorSpec:
    """How a name an 等次后果 reads is worded: 得分 in 分, 不良记录数 in 条, 等次 as an option."""
    if name in ruleset.previous_specs:
        return ruleset.previous_specs[name]
    if name.startswith("得分[") or name in ("总分", "较上年增减"):
        return _Named(name, "数值", "分")
    if name == "不良记录数":
        return _Named(name, "次数", "条")
    return _Named(name, "选项", None)  # 等次


def _consequences(
    ruleset: Ruleset,
    values: dict,
    firings: Firings | None,
    previous: PreviousResult | None,
    provisional: bool,
    year: int,
) -> tuple[list[Consequence], list[str]]:
    """The 等次后果 that hold, through the same evaluator as the items (decided on a 暂定 grade, they
    say so); a notice for those that read the year before when there is no previous result."""
    key = ruleset.sha256
    if key not in _OUTCOMES:
        _OUTCOMES[key] = compile_outcomes(ruleset)
    compiled = _OUTCOMES[key]
    if compiled is None:
        return [], []
    fired = (firings or adapter().run)(compiled, values, {})
    out, unread = [], []
    for outcome in ruleset.model.outcomes:
        cond = ruleset.outcome_conditions[outcome.id]
        if (outcome.id, 0) in fired:
            specs = {name: _outcome_spec(ruleset, name) for name in cond.names}
            reason = Words(specs, values, year).told(cond.node)  # in words, as every reason
            if provisional and "等次" in cond.names:
                reason += "；等次为暂定，复核后按最终等次重新判断"
            out.append(
                Consequence(rule_id=outcome.id, event=outcome.event, consequence=outcome.consequence, reason=reason)
            )
        elif previous is None and any(n.startswith("上年") or n == "较上年增减" for n in cond.names):
            unread.append(outcome.id)
    notes = [f"{NO_PREVIOUS}：等次后果 {'、'.join(unread)} 读上年结果，按不成立处理"] if unread else []
    return out, notes


def _unread(ruleset: Ruleset, previous: PreviousResult | None) -> list[str]:
    """Without a previous result, the items and vetoes that read the year before's say so."""
    if previous is not None or not ruleset.reads_previous:
        return []
    ids = [
        key
        for key, names in _previous_reads(ruleset).items()
        if names - {"有上年结果", "上年不良记录数", "上年未整改不良记录数"}
    ]
    if not ids:
        return []
    return [f"{NO_PREVIOUS}：{'、'.join(ids)} 读上年结果，其中比较上年总分、等次或得分的条件按不成立处理"]


def _previous_reads(ruleset: Ruleset) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for key, cond in ruleset.conditions.items():
        names = set(cond.names) & set(ruleset.previous_specs)
        if names and cond.record_list is None:
            out.setdefault(re.split(r"[.#]", key, maxsplit=1)[0], set()).update(names)
    return out


def facts(ruleset: Ruleset, submission: Submission) -> tuple[dict, dict]:
    """The values the evaluator sees: the submission's, plus each relative date of the conditions
    (次年3月1日 …) as the date it is for this submission's 考核年度 — in every record too."""
    dates = ruleset.dates_for(submission.year)
    if not dates:
        return submission.values, submission.records
    records = {name: [{**rec, **dates} for rec in rows] for name, rows in submission.records.items()}
    return {**submission.values, **dates}, records


def _decision_text(item: str, decision: Decision) -> str:
    review = decision.review
    when = f"，{review.date.isoformat()}" if review.date else ""
    return f"{item}（{review.reviewer}{when}）"


def _notices(ruleset: Ruleset, submission: Submission, overrides: Overrides | None, decided: dict) -> list[str]:
    out = []
    period = ruleset.header.period
    if period is not None and not period.covers(submission.year):
        out.append(
            f"规则集 {ruleset.header.id} 的适用期间为{period}，申报数据为{submission.year}年度；"
            "请确认所用规则集（给出规则文件夹时按年度自动选用）"
        )
    if overrides is not None and not decided:
        out.append(
            f"复核文件 {Path(overrides.file).name} 的{len(overrides.entries)}条复核中，"
            f"没有适用于{submission.unit}（{submission.year}年度）的；请核对单位名称和考核年度"
        )
    return out


def _ancestors(ruleset: Ruleset) -> list[str]:
    out = []
    parent = ruleset.parent
    while parent is not None:
        out.append(parent.header.id)
        parent = parent.parent
    return out


def _not_here(ruleset: Ruleset, unit_type: str) -> set[str]:
    """The indicators only items, bonuses and vetoes that do not apply to this unit type read."""
    things = [e.item for e in ruleset.entries] + list(ruleset.model.bonuses) + list(ruleset.model.vetoes)
    read: dict[bool, set[str]] = {True: set(), False: set()}
    for thing in things:
        read[thing.applies_to is None or unit_type in thing.applies_to].update(ruleset.item_reads.get(thing.id, ()))
    return read[False] - read[True]


_Row = tuple[str, str, str, str, str | None, bool, dict]
_SEEN = 16  # lines kept per indicator: a SubmittedValue holds only texts and flags, so results share them
_LINE = set(SubmittedValue.model_fields)  # shared by every line (made)
_ROWS: dict[tuple[int, str], tuple[Ruleset, list[_Row]]] = {}


def _rows(ruleset: Ruleset, unit_type: str) -> list[_Row]:
    """Each indicator's line of the 申报数据 as far as the unit type decides it: (name, label, unit,
    type, its use when fixed — 仅统计, or 不适用 to this unit type — else None, whether a record list,
    the first lines made for it by what they show). Kept for the last few (ruleset, unit type) pairs,
    by the ruleset's identity."""
    key = (id(ruleset), unit_type)
    hit = _ROWS.get(key)
    if hit is not None and hit[0] is ruleset:
        return hit[1]
    not_here = _not_here(ruleset, unit_type)
    rows = []
    for name, spec in ruleset.indicators.items():
        if spec.statistical:
            use: str | None = "仅统计"
        elif (spec.applies_to is not None and unit_type not in spec.applies_to) or name in not_here:
            use = "不适用"
        else:
            use = None  # 不适用 when the submission leaves it undefined (e.g. a rate over 0 cases)
        rows.append((name, spec.label, spec.unit or "", spec.type, use, spec.type == "记录列表", {}))
    if len(_ROWS) >= 8:
        del _ROWS[next(iter(_ROWS))]
    _ROWS[key] = (ruleset, rows)
    return rows


def _submitted(ruleset: Ruleset, submission: Submission, ctx: Context) -> list[SubmittedValue]:
    out: list[SubmittedValue] = []
    append = out.append
    values, records, undefined, computed = (
        submission.values,
        submission.records,
        submission.undefined,
        submission.computed,
    )
    notes, defaulted, flags = submission.notes, submission.defaulted, submission.flags
    # the names with a note or an undefined value; every other line is its value alone
    noted = set().union(*(d for d in (notes, defaulted, computed, undefined, flags) if d))
    plain, texts = ctx.plain, ctx.texts
    for name, label, unit, kind, fixed, is_records, seen in _rows(ruleset, submission.unit_type):
        if name not in noted and not is_records:  # the line is its value alone: kept by that
            if name in values:
                shown = texts.get(name) or plain(name)
                line = seen.get(shown)
                if line is None:
                    line = _line(name, label, unit, kind, shown, "", False, fixed or "")
                    if len(seen) < _SEEN:
                        seen[shown] = line
            else:
                line = seen.get(None)
                if line is None:
                    line = _line(name, label, unit, kind, "", "", not fixed, fixed or "")
                    if len(seen) < _SEEN:
                        seen[None] = line
            append(line)
            continue
        if name not in noted:
            use, note = fixed or "", ""
        else:
            use = fixed if fixed is not None else "不适用" if name in undefined else ""
            note = notes.get(name, "") if notes else ""
            if defaulted and name in defaulted:
                note = (note + "；" if note else "") + "未填报，按缺省值计"
            if computed or undefined:
                extra = computed.get(name) or undefined.get(name)
                if extra:
                    note = (note + "；" if note else "") + extra
            if flags and name in flags:
                for text in flags[name]:
                    note = (note + "；" if note else "") + text
        if is_records:
            rows = records.get(name)
            shown, missing = (f"{len(rows)} 条", False) if rows is not None else ("", True)
        elif name in values:
            shown, missing = texts.get(name) or plain(name), False
        else:
            shown, missing = "", True
        missing = missing and not use
        key = (shown, note, missing, use)
        line = seen.get(key)
        if line is None:
            line = _line(name, label, unit, kind, shown, note, missing, use)
            if len(seen) < _SEEN:
                seen[key] = line
        append(line)
    return out


def _line(
    name: str, label: str, unit: str, kind: str, shown: str, note: str, missing: bool, use: str
) -> SubmittedValue:
    """One line of the 申报数据, its fields in the declared order."""
    fields = {
        "name": name,
        "label": label,
        "unit": unit,
        "type": kind,
        "value": shown,
        "note": note,
        "missing": missing,
        "use": use,
    }
    return made(SubmittedValue, fields, _LINE)


def _records(ruleset: Ruleset, submission: Submission) -> list[RecordRow]:
    out = []
    for name, rows in submission.records.items():
        fields = list(ruleset.indicators[name].fields or {})
        for index, row in enumerate(rows, start=1):
            out.append(
                built(
                    RecordRow,
                    list_name=str(name),
                    index=index,
                    values={str(f): format_value(row[f]) if f in row else "" for f in fields},
                )
            )
    return out
