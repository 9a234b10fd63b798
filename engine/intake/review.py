"""Assessors' review decisions (复核) kept in their own file: `assess --overrides review.yaml`.

```yaml
复核:
  - 单位名称: 花山区人民政府      # optional: without it the entry applies to whatever unit is assessed
    评分项: XF-05
    得分: 1.5                    # or 扣分: 0.5
    理由: 法治宣传覆盖全部街道，成效明显
    复核人: 区司法局 张三
```

An entry here replaces the computed deduction of its item (and the submission's own 复核 entry
for it); the result records the reason, the reviewer, the file and its sha256.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine.documents.messages import problems_from
from engine.documents.source import load_document, plain
from engine.errors import ErrorList, SubmissionError
from engine.intake.submission import PART_REVIEW, Review
from engine.ruleset.ruleset import Ruleset


class OverridesError(SubmissionError):
    kind = "复核文件"


class Override(Review):
    unit: str | None = Field(None, alias="单位名称", min_length=1)


class OverridesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    entries: list[Override] = Field(alias="复核", min_length=1)


@dataclass(frozen=True)
class Overrides:
    file: str
    sha256: str
    entries: tuple[Override, ...]

    def for_unit(self, unit: str) -> dict[str, Review]:
        return {e.item: e for e in self.entries if e.unit is None or e.unit == unit}


def load_overrides(path: Path | str, ruleset: Ruleset) -> Overrides:
    doc = load_document(path, OverridesError)
    try:
        model = OverridesFile.model_validate(plain(doc.data))
    except ValidationError as exc:
        words = ["复核", "单位名称", "评分项", "扣分", "得分", "理由", "复核人"]
        raise OverridesError(problems_from(exc, doc.file, doc.data, words)) from None
    errors = ErrorList()
    ids = ruleset.review_ids
    seen: dict[tuple[str | None, str], int] = {}
    for n, entry in enumerate(model.entries):
        where = doc.locate(("复核", n))
        if entry.item not in ids:
            close = difflib.get_close_matches(entry.item, sorted(ids), n=1, cutoff=0.5)
            hint = f"（是否应为 “{close[0]}”？）" if close else ""
            errors.add(
                doc.locate(("复核", n, "评分项")),
                f"规则集 {ruleset.header.id} 没有编号为 “{entry.item}” 的评分项{hint}",
            )
        if (entry.deduction is None) == (entry.score is None):
            errors.add(where, "复核应给出“扣分”或“得分”之一")
        elif entry.item in ruleset.open_parts and entry.deduction is None:
            errors.add(where, PART_REVIEW)
        key = (entry.unit, entry.item)
        if key in seen:
            errors.add(where, f"与第 {seen[key] + 1} 条复核重复（同一单位、同一评分项）")
        seen[key] = n
    if errors:
        raise OverridesError(errors.problems)
    return Overrides(doc.file, doc.sha256, tuple(model.entries))
