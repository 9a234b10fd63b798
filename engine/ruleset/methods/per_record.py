"""逐条扣分: each record of a list that matches deducts, and may write a 不良记录 with its fields
(行政诉讼案件败诉的，每件扣1分)."""

from typing import Literal

from pydantic import Field

from engine.ruleset.methods.base import Check, ItemBase, Method, Scored, cap_limit, cap_note, cap_of, capped, n, q
from engine.ruleset.scalars import IndicatorName, Points, Text
from engine.ruleset.wording import value_text


class PerRecord(ItemBase):
    method: Literal["逐条扣分"] = Field(alias="计分方式")
    records: IndicatorName = Field(alias="记录")
    condition: Text | None = Field(None, alias="条件")
    per_record: Points = Field(alias="每条扣分", gt=0)
    cap: Points | None = Field(None, alias="扣分上限")


class PerRecordMethod(Method):
    name = "逐条扣分"
    model = PerRecord
    own_bad_records = True

    def validate(self, item, loc, v):
        v.indicator(item.records, loc + ("记录",), ("记录列表",), "记录")
        if item.condition is not None:
            v.condition(item.id, item.condition, loc + ("条件",), item.records)
        v.cap(item.cap, item.points, loc + ("扣分上限",))

    def checks(self, item, conditions):
        c = conditions.get(item.id)
        return [Check(item.id, item.id, c.node if c else None, c.names if c else frozenset(), item.records)]

    def reads(self, item):
        return [item.records], [item.id]

    def score(self, item, ctx):
        hits = ctx.record_hits(item.id)
        if not hits:
            return Scored()
        records = ctx.submission.records.get(item.records, [])
        limit = q(cap_of(item.cap, item.points))
        d = capped(len(hits) * item.per_record, limit)
        summary, notes = ctx.records_told(item.id, item.records, hits)
        text = f"{summary}；每条扣{n(item.per_record)}分{cap_note(len(hits) * item.per_record, limit)}"
        remaining = d
        for fid, note in zip(hits, notes, strict=True):
            share = min(q(item.per_record), remaining)
            remaining -= share
            if item.bad_record is not None:
                fields = {k: value_text(v) for k, v in records[fid - 1].items()}
                ctx.write_bad_record(item.id, item.standard, item.bad_record, share, fields, note)
        return Scored(d, [f"{text}，扣{n(d)}分"])

    def quiet(self, item):
        return True

    def limits(self, item):
        return [cap_limit(item.cap, item.points)]


METHOD = PerRecordMethod()
