"""The pattern language of `提取.模式`, compiled to Python regular expressions.

A template is literal text with placeholders:

| written | matches |
|---|---|
| `{关键词}` | any of the indicator's 关键词 |
| `{数}` | a number: 2673, 2,673, １２, 一千二百二十二, 近50, 4000余, 1.2万 — the value |
| `{率}` | a percentage: 99.36%, 99.36％, 百分之百, 百分之九十五 — the value |
| `{日期}` | a date: 2016年12月19日, 二○一六年十二月十九日, 2016-12-19 — the value |
| `…` (or `...`, `……`) | up to 间隔 (default 12) characters of the same sentence |
| `{句首}` / `{句尾}` | the start / end of the sentence |

A template that starts with `{句首}` and ends with `{句尾}` matches whole sentences only (a
落款 date on its own line); such templates also read the plan sections at the end of a report.

Everything else is matched literally (it is escaped, never read as a regular expression), after
the same NFKC folding as the report (so `%` also matches `％`). A `…` right before a value never
skips over another number, so `投诉…{数}件` takes the nearest figure — except a hotline's number
(受理12345诉求1,204件) and a change in percentage points (较上年提高15个百分点，达到90%) — and
never crosses “其中” (what follows is a part, not the total). Matching is done one sentence at a
time (a sentence ends at 。；！？ or the end of a line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from engine.extract import numbers
from engine.ruleset.extraction import GAP, VALUE_SLOTS, parse_template

_SENTENCE_END = "。;!?\n"
# figures a gap before a value may step over: a hotline's number, a change in percentage points
_SKIPPED = (
    r"[由从]\d+(?:\.\d+)?%|123\d\d(?=热线|诉求|平台|工单|市民|政务|便民|服务|转办|来电|渠道|等)|\d+(?:\.\d+)?个百分点"
)


def fold(text: str) -> str:
    return "".join(numbers.fold(ch) for ch in text)


@dataclass(frozen=True)
class CompiledPattern:
    """A template as a regex; `slot` is the value placeholder ({数}/{率}/{日期}) or None."""

    template: str
    regex: re.Pattern[str]
    slot: str | None
    value: Any = None
    equals: str | None = None
    whole: bool = False  # {句首}…{句尾}: a sentence of its own, read even in plan sections (落款)


def compile_template(template: str, keywords: list[str], gap: int, value: Any = None, equals: str | None = None):
    tokens = parse_template(template)
    parts: list[str] = []
    slot = None
    for n, token in enumerate(tokens):
        if token == "{关键词}":
            words = sorted({fold(w) for w in keywords}, key=len, reverse=True)
            parts.append("(?:" + "|".join(re.escape(w) for w in words) + ")")
        elif token in VALUE_SLOTS:
            slot = token
            fragment = {"{数}": numbers.NUMBER, "{率}": numbers.PERCENT, "{日期}": numbers.DATE}[token]
            parts.append(f"(?P<v>{fragment})")
        elif token == "{句首}":
            parts.append(r"^\s*")
        elif token == "{句尾}":
            parts.append(r"\s*[。;!?]?\s*$")
        elif token == GAP:
            before_value = n + 1 < len(tokens) and tokens[n + 1] in VALUE_SLOTS
            if before_value:
                parts.append(f"(?:(?!其中)(?:[^{re.escape(_SENTENCE_END)}\\d%]|{_SKIPPED})){{0,{gap}}}?")
            else:
                parts.append(f"[^{re.escape(_SENTENCE_END)}]{{0,{gap}}}?")
        else:
            parts.append(re.escape(fold(token)))
    whole = tokens[0] == "{句首}" and tokens[-1] == "{句尾}"
    return CompiledPattern(template, re.compile("".join(parts)), slot, value, equals, whole)


def compile_spec(spec) -> list[CompiledPattern]:
    return [compile_template(p.template, spec.keywords, spec.gap, p.value, p.equals) for p in spec.patterns]
