"""Assessors' review decisions (复核), only ever from the assessors' own file: `assess --overrides review.yaml`.

```yaml
复核:
  - 单位名称: 花山区人民政府      # optional: without it the entry applies to whatever unit is assessed
    考核年度: 2012               # optional: without it, to any year
    评分项: XF-05
    得分: 1.5                    # or 扣分: 0.5
    理由: 法治宣传覆盖全部街道，成效明显
    复核人: 区司法局 张三
    复核日期: 2013-04-10
```

A unit's own submission or 填报表 cannot carry decisions (intake refuses them). An entry here
replaces the computed deduction of its item; the result records who decided, when, the reason,
and the file with its sha256.
"""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from engine.documents.hints import did_you_mean
from engine.documents.messages import problems_from
from engine.documents.source import Written, load_document, plain
from engine.errors import ErrorList, Location, SubmissionError
from engine.ruleset.model import Points, Text
from engine.ruleset.ruleset import Ruleset
from engine.ruleset.scalars import Before, Name
from engine.ruleset.wording import chinese_date

PART_REVIEW = "酌情部分（子项）的复核写“扣分”：该部分扣多少分"
REFUSED = (
    "复核决定只能由考核组在复核文件中给出（assess 申报文件 --overrides 复核.yaml，格式见 examples/reviews/review.yaml），"
    "单位的申报数据和填报表不能带复核"
)


def _date(value: Any) -> Any:
    if isinstance(value, Written):
        raise ValueError(value.why)
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError("应为日期，写作 YYYY-MM-DD（如 2013-04-10）") from None
    return value


class Review(BaseModel):
    """An assessor's decision on one item: a deduction or a score, the reason, who and (in a file) when."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    item: Annotated[str, Field(min_length=1)] = Field(alias="评分项")
    deduction: Points | None = Field(None, alias="扣分")
    score: Points | None = Field(None, alias="得分")
    reason: Text = Field(alias="理由")
    reviewer: Name = Field(alias="复核人")
    date: Annotated[dt.date | None, Before(_date)] = Field(None, alias="复核日期")


class Override(Review):
    unit: Name | None = Field(None, alias="单位名称")
    year: StrictInt | None = Field(None, alias="考核年度", ge=1990, le=2100)
    date: Annotated[dt.date, Before(_date)] = Field(alias="复核日期")


class OverridesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    entries: list[Override] = Field(alias="复核", min_length=1)


@dataclass(frozen=True)
class Decision:
    """A decision as scoring applies it: the entry and the file it came from."""

    review: Review
    file: str  # the file's name
    sha256: str

    @property
    def who(self) -> str:
        """Who decided, when, and in which file: what a reader of the scoresheet needs to trace it."""
        when = f"，复核日期：{chinese_date(self.review.date)}" if self.review.date else ""
        return f"复核人：{self.review.reviewer}{when}，复核文件：{self.file}"


def beyond(review: Review, ruleset: Ruleset) -> tuple[str, str] | None:
    """(key, message) when the entry's 得分 or 扣分 lies outside [0, what the item can give or take].

    An amount beyond the item is a mistake (100 written for 1.00), never clamped to fit.
    """
    limit = ruleset.review_limits.get(review.item)
    if limit is None:
        return None
    for key, amount in (("得分", review.score), ("扣分", review.deduction)):
        if amount is not None and amount > limit:
            return key, f"{key} {amount} 超出评分项 {review.item} 的分值（0 至 {limit:g} 分），请改正"
    return None


@dataclass(frozen=True)
class Overrides:
    file: str
    sha256: str
    entries: tuple[Override, ...]
    places: tuple[Location, ...] = ()  # where each entry's 评分项 is written
    amounts: tuple[Location, ...] = ()  # where each entry's 得分 or 扣分 is written

    def for_unit(self, unit: str, year: int, ruleset: Ruleset) -> dict[str, Decision]:
        """The decisions for one unit and year; an item the unit's ruleset does not have is an error."""
        name = Path(self.file).name
        ids = ruleset.review_ids  # items, bonus items and the assessor's parts of partly-discretionary items
        errors = ErrorList()
        out = {}
        for n, entry in enumerate(self.entries):
            if (entry.unit is not None and entry.unit != unit) or (entry.year is not None and entry.year != year):
                continue
            if entry.item not in ids:
                where = self.places[n] if n < len(self.places) else Location(self.file)
                errors.add(
                    where,
                    f"规则集 {ruleset.header.id} 没有编号为 “{entry.item}” 的评分项{did_you_mean(entry.item, ids)}",
                    "review.unknown-item",
                    entry.item,
                )
            elif entry.item in ruleset.open_parts and entry.deduction is None:
                where = self.places[n] if n < len(self.places) else Location(self.file)
                errors.add(where, PART_REVIEW, "review.part-needs-deduction", entry.item)
            elif (over := beyond(entry, ruleset)) is not None:
                where = self.amounts[n] if n < len(self.amounts) else Location(self.file)
                errors.add(where, over[1], "review.out-of-range", entry.item)
            out[entry.item] = Decision(entry, name, self.sha256)
        if errors:
            raise OverridesError(errors.problems)
        return out


def decisions(entries: list[Review] | tuple[Review, ...], file: str, sha256: str) -> dict[str, Decision]:
    """Decisions given some other way than a review file (a test case's 复核)."""
    return {e.item: Decision(e, Path(file).name, sha256) for e in entries}


def load_overrides(path: Path | str) -> Overrides:
    """Read and check a review file; which ruleset an entry's 评分项 belongs to is checked per unit."""
    doc = load_document(path, OverridesError)
    try:
        model = OverridesFile.model_validate(plain(doc.data))
    except ValidationError as exc:
        words = ["复核", "单位名称", "考核年度", "评分项", "扣分", "得分", "理由", "复核人", "复核日期"]
        raise OverridesError(problems_from(exc, doc.file, doc.data, words)) from None
    errors = ErrorList()
    seen: dict[tuple[str | None, int | None, str], int] = {}
    for n, entry in enumerate(model.entries):
        where = doc.locate(("复核", n))
        if (entry.deduction is None) == (entry.score is None):
            errors.add(where, "复核应给出“扣分”或“得分”之一", "review.invalid")
        key = (entry.unit, entry.year, entry.item)
        if key in seen:
            errors.add(
                where,
                f"与第 {seen[key] + 1} 条复核重复（同一单位、同一年度、同一评分项）",
                "review.duplicate",
                entry.item,
            )
        seen[key] = n
    if errors:
        raise OverridesError(errors.problems)
    places = tuple(doc.locate(("复核", n, "评分项")) for n in range(len(model.entries)))
    amounts = tuple(
        doc.locate(("复核", n, "得分" if e.score is not None else "扣分")) for n, e in enumerate(model.entries)
    )
    return Overrides(doc.file, doc.sha256, tuple(model.entries), places, amounts)


class OverridesError(SubmissionError):
    kind = "复核文件"
