"""One assessment: validated submission + compiled ruleset → durable_rules → scored result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from engine import __version__
from engine.evaluation.checks import CompiledRuleset, compile_ruleset
from engine.evaluation.durable.adapter import adapter
from engine.intake.review import Decision, Overrides
from engine.intake.submission import Submission
from engine.result import (
    AssessmentResult,
    Audit,
    RecordRow,
    SubmittedValue,
)
from engine.ruleset.conditions import format_value
from engine.ruleset.ruleset import Ruleset
from engine.scoring.arithmetic import (
    Context,
    check_veto,
    grade,
    remedies,
    score_bonus,
    score_item,
    totals,
)

_COMPILED: dict[str, CompiledRuleset] = {}


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
) -> AssessmentResult:
    """Score a validated submission. Assessors' decisions come from `overrides` (a review file)
    or, for a test case, `reviews`. `firings` decides the checks (default: durable_rules;
    engine.evaluation.plain passes its plain-Python evaluator)."""
    compiled = compiled_for(ruleset)
    values, records = facts(ruleset, submission)
    fired = (firings or adapter().run)(compiled, values, records)
    decided = overrides.for_unit(submission.unit, submission.year, ruleset) if overrides else dict(reviews or {})
    ctx = Context(ruleset, submission, fired, reviews=decided)
    items = [score_item(entry, seq, ctx) for seq, entry in enumerate(ruleset.entries, start=1)]
    bonuses = [score_bonus(b, seq, ctx) for seq, b in enumerate(ruleset.model.bonuses, start=1)]
    vetoes = [v for v in (check_veto(v, ctx) for v in ruleset.model.vetoes) if v is not None]
    t = totals(ruleset, items, bonuses)
    total_min = t.open.total_min if t.open else None
    g = grade(ruleset, submission.unit_type, t.total, ctx.bad_records, vetoes, ctx.pending, total_min)
    header = ruleset.header
    when = (as_of or dt.datetime.now(dt.UTC).astimezone()).isoformat(timespec="seconds")
    return AssessmentResult(
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
        submitted=_submitted(ruleset, submission),
        records=_records(ruleset, submission),
        notices=_notices(ruleset, submission, overrides, decided),
        ruleset_extends=_ancestors(ruleset),
        remedies=remedies(ruleset, submission.unit_type, items, bonuses, ctx.bad_records, vetoes, ctx.pending),
        audit=Audit(
            rules_file=Path(ruleset.file).name,
            rules_sha256=ruleset.sha256,
            submission_file=Path(submission.file).name,
            submission_sha256=submission.sha256,
            engine_version=__version__,
            assessed_at=when,
            overrides_file=Path(overrides.file).name if overrides else "",
            overrides_sha256=overrides.sha256 if overrides else "",
            overrides_applied=sorted(decided) if overrides else [],
            overrides_decisions=[_decision_text(item, d) for item, d in sorted(decided.items())] if overrides else [],
        ),
    )


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


def _use(spec, name: str, submission: Submission, not_here: set[str]) -> str:
    if spec.statistical:
        return "仅统计"
    outside = spec.applies_to is not None and submission.unit_type not in spec.applies_to
    if outside or name in not_here or name in submission.undefined:  # undefined: e.g. a rate over 0 cases
        return "不适用"
    return ""


def _submitted(ruleset: Ruleset, submission: Submission) -> list[SubmittedValue]:
    out = []
    not_here = _not_here(ruleset, submission.unit_type)
    for name, spec in ruleset.indicators.items():
        use = _use(spec, name, submission, not_here)
        note = submission.notes.get(name, "")
        if name in submission.defaulted:
            note = (note + "；" if note else "") + "未填报，按缺省值计"
        extra = submission.computed.get(name) or submission.undefined.get(name)
        for text in ([extra] if extra else []) + list(submission.flags.get(name, ())):
            note = (note + "；" if note else "") + text
        if spec.type == "记录列表":
            rows = submission.records.get(name)
            shown, missing = (f"{len(rows)} 条", False) if rows is not None else ("", True)
        elif name in submission.values:
            shown, missing = format_value(submission.values[name]), False
        else:
            shown, missing = "", True
        out.append(
            SubmittedValue(
                name=name,
                label=spec.label,
                unit=spec.unit or "",
                type=spec.type,
                value=shown,
                note=note,
                missing=missing and not use,
                use=use,
            )
        )
    return out


def _records(ruleset: Ruleset, submission: Submission) -> list[RecordRow]:
    out = []
    for name, rows in submission.records.items():
        fields = list(ruleset.indicators[name].fields or {})
        for index, row in enumerate(rows, start=1):
            out.append(
                RecordRow(
                    list_name=name,
                    index=index,
                    values={f: format_value(row[f]) if f in row else "" for f in fields},
                )
            )
    return out
