"""The `提取` declaration of an indicator in a rules file: how to find its value in a report.

```yaml
群众投诉办结率:
  标签: 群众投诉办结率
  类型: 百分比
  提取:
    关键词: [办结率]                       # {关键词} in a 模式 stands for any of these
    模式: ["{关键词}…{率}"]                # phrase templates, see patterns.py
    须含: [投诉, 热线, "12345"]            # the sentence (or its heading) must name the subject
    排除: [建议, 提案]                     # a sentence with any of these is not read
    计算: {分子: 投诉办结件数, 分母: 投诉受理件数}   # or derived from two other indicators
```

Templates are checked here (placeholders, one value slot); what needs the whole ruleset (the
indicator's type, names in 等于/计算) is checked by `patterns.check_ruleset`.
"""

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.documents.formats import NAME_PATTERN
from engine.ruleset.scalars import Before

Word = Annotated[str, Field(min_length=1, max_length=40)]
Name = Annotated[str, Field(pattern=NAME_PATTERN)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False, defer_build=True)


def _as_entry(value: Any) -> Any:
    return {"模式": value} if isinstance(value, str) else value


class PatternEntry(_Model):
    """One phrase template; with 值 (a fixed value) or 等于 (another indicator's figure in the same sentence)."""

    template: Annotated[str, Field(min_length=1, max_length=200)] = Field(alias="模式")
    value: Any = Field(None, alias="值")
    equals: Name | None = Field(None, alias="等于")

    @model_validator(mode="after")
    def _template(self) -> "PatternEntry":
        tokens = parse_template(self.template)  # raises ValueError with a Chinese message
        slots = [t for t in tokens if t in VALUE_SLOTS]
        if self.value is not None and self.equals is not None:
            raise ValueError("“值”和“等于”只能写一个")
        fixed = self.value is not None or self.equals is not None
        if fixed and slots:
            raise ValueError(f"写了“值”或“等于”的模式不能再含 {slots[0]}")
        if len(slots) > 1:
            raise ValueError(f"一个模式只能有一个取值占位符，这里有 {len(slots)} 个：{'、'.join(slots)}")
        return self


Pattern = Annotated[PatternEntry, Before(_as_entry)]


class Ratio(_Model):
    """A rate derived from two other indicators: 分子 ÷ 分母 × 100, to 2 places, half up."""

    numerator: Name = Field(alias="分子")
    denominator: Name = Field(alias="分母")


class ExtractionSpec(_Model):
    keywords: list[Word] = Field(default_factory=list, alias="关键词", max_length=50)
    patterns: list[Pattern] = Field(default_factory=list, alias="模式", max_length=30)
    require: list[Word] = Field(default_factory=list, alias="须含", max_length=50)
    exclude: list[Word] = Field(default_factory=list, alias="排除", max_length=50)
    gap: int = Field(12, alias="间隔", ge=1, le=60, description="… 最多代表的字数")
    total: Annotated[bool, Before(lambda v: {"是": True, "否": False}.get(v, v))] = Field(
        False, alias="合计", description="不同句子给出的数相加（分渠道统计时）"
    )
    ratio: Ratio | None = Field(None, alias="计算")
    note: Annotated[str, Field(max_length=200)] | None = Field(None, alias="说明")

    @model_validator(mode="after")
    def _consistent(self) -> "ExtractionSpec":
        if not self.patterns and self.ratio is None:
            raise ValueError("“提取”须有“模式”或“计算”")
        if self.keywords == [] and any("{关键词}" in p.template for p in self.patterns):
            raise ValueError("模式中用了 {关键词}，须列出“关键词”")
        return self


# -- the template grammar (compiled to regular expressions in engine/extract/patterns.py) --

VALUE_SLOTS = ("{数}", "{率}", "{日期}")
PLACEHOLDERS = ("{关键词}", *VALUE_SLOTS, "{句首}", "{句尾}")
GAP = "…"
_GAP_RUN = re.compile(r"(?:…|\.\.\.)+")


def parse_template(template: str) -> list[str]:
    """Split a template into placeholders, GAP and literal runs; ValueError names what is wrong."""
    tokens: list[str] = []
    literal = ""
    i = 0
    while i < len(template):
        ch = template[i]
        if ch in "{｛":
            end = min((template.find(c, i) for c in "}｝" if template.find(c, i) != -1), default=-1)
            if end == -1 or any(c in template[i + 1 : end] for c in "{｛"):
                raise ValueError(f"第 {i + 1} 个字的“{{”没有对应的“}}”")
            name = "{" + template[i + 1 : end].strip() + "}"
            if name not in PLACEHOLDERS:
                raise ValueError(f"不认识的占位符 {name}；可用：{'、'.join(PLACEHOLDERS)}")
            if literal:
                tokens.append(literal)
                literal = ""
            tokens.append(name)
            i = end + 1
            continue
        if ch in "}｝":
            raise ValueError(f"第 {i + 1} 个字的“}}”没有对应的“{{”")
        gap = _GAP_RUN.match(template, i)
        if gap:
            if literal:
                tokens.append(literal)
                literal = ""
            if not tokens or tokens[-1] != GAP:
                tokens.append(GAP)
            i = gap.end()
            continue
        literal += ch
        i += 1
    if literal:
        tokens.append(literal)
    if all(t == GAP for t in tokens):
        raise ValueError("模式不能只有“…”")
    return tokens
