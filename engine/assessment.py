"""One assessment: validated submission + compiled ruleset → durable_rules → scored result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from engine import __version__
from engine.evaluation.checks import CompiledRuleset, compile_ruleset
from engine.evaluation.durable.adapter import adapter
from engine.evaluation.plain import oracle_firings
from engine.intake.review import Overrides
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
    firings: Firings | None = None,
) -> AssessmentResult:
    """Score a validated submission. `firings` decides the checks (default: durable_rules;
    engine.evaluation.plain passes its plain-Python evaluator)."""
    compiled = compiled_for(ruleset)
    fired = (firings or adapter().run)(compiled, submission.values, submission.records)
    reviews = {r.item: (r, "申报数据") for r in submission.reviews}
    decided = overrides.for_unit(submission.unit) if overrides else {}
    reviews.update({item: (r, Path(overrides.file).name) for item, r in decided.items()})
    ctx = Context(ruleset, submission, fired, reviews=reviews)
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
        notices=_notices(ruleset, submission),
        ruleset_extends=_ancestors(ruleset),
        audit=Audit(
            rules_file=Path(ruleset.file).name,
            rules_sha256=ruleset.sha256,
            submission_file=Path(submission.file).name,
            submission_sha256=submission.sha256,
            engine_version=__version__,
            assessed_at=when,
            overrides_file=Path(overrides.file).name if overrides else "",
            overrides_sha256=overrides.sha256 if overrides else "",
            overrides_applied=sorted(decided),
        ),
    )


def _notices(ruleset: Ruleset, submission: Submission) -> list[str]:
    period = ruleset.header.period
    if period is not None and not period.covers(submission.year):
        return [
            f"规则集 {ruleset.header.id} 的适用期间为{period}，申报数据为{submission.year}年度；"
            "请确认所用规则集（给出规则文件夹时按年度自动选用）"
        ]
    return []


def _ancestors(ruleset: Ruleset) -> list[str]:
    out = []
    parent = ruleset.parent
    while parent is not None:
        out.append(parent.header.id)
        parent = parent.parent
    return out


def _submitted(ruleset: Ruleset, submission: Submission) -> list[SubmittedValue]:
    out = []
    for name, spec in ruleset.indicators.items():
        note = submission.notes.get(name, "")
        if name in submission.defaulted:
            note = (note + "；" if note else "") + "未填报，按缺省值计"
        extra = submission.computed.get(name) or submission.undefined.get(name)
        if extra:
            note = (note + "；" if note else "") + extra
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
                missing=missing,
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


def assess_with_oracle(
    ruleset: Ruleset, submission: Submission, *, as_of: dt.datetime | None = None
) -> AssessmentResult:
    """The same assessment as `assess`, deciding the checks with the oracle."""
    return assess(ruleset, submission, as_of=as_of, firings=oracle_firings)
