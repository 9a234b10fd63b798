"""What a matched figure means in its sentence: the year's result, or something else.

A pattern finds “出庭应诉率…90%”; whether 90 is this year's rate depends on the words around it.
These checks read the (folded) sentence around a match and say why a reading is not a result:

- a **target or plan** (力争、争取、计划、目标、拟、预计、要求…达到、确保…达到、下一步、明年): what
  is to be achieved, not what was;
- a **change** (同比/较上年/比去年 + 提高/下降/增长…, or “…个百分点”): a difference, not the level —
  “提高到98%” and “提升至98%” are levels;
- a **negated** figure (未达到100%、没有达到): the figure was not reached;
- a **frequency** (每月1次、每两月1次): a rhythm, not a count;
- for a yes/no phrase, a **negation** just before it (尚未聘请法律顾问、未建立…、没有…) turns 是 into 否,
  and a target or plan (计划聘请…) is not a fact.

“分别” pairs names and figures in order: “办复率和满意率分别为98%、95%” gives 满意率 95.
"""

from __future__ import annotations

import re

TARGET = "target"
CHANGE = "change"
NOT_REACHED = "not reached"
FREQUENCY = "frequency"

REASONS = {
    TARGET: "目标、要求或计划，不是当年的实绩",
    CHANGE: "变化量（同比、较上年、增减或个百分点），不是当年的值",
    NOT_REACHED: "否定句（未达到），不是当年的值",
    FREQUENCY: "频次（每…一次），不是次数",
}

_CLAUSE = re.compile(r"[,，:：、]")
_TARGET_WORDS = re.compile(r"力争|争取|计划|目标|拟|预计|下一步|明年|今后|将要|确保|要求|应当|必须|务必")
_NOT_TARGET_BEFORE = re.compile(r"(按照|根据|依照|对照|落实|按|按时|符合|达到|满足).{0,10}$")
_CHANGE_WORDS = re.compile(
    r"同比|环比|较上年|较去年|较上一年|比上年|比去年|较\d{4}年|上升|下降|提高|提升|增长|增加|降低|减少"
)
_LEVEL_AFTER_CHANGE = re.compile(r"[到至达为]")
_NOT_REACHED = re.compile(r"未达|没有达|未能达|尚未达|未实现|没能达")
_NEGATION = re.compile(r"(尚未|暂未|仍未|并未|从未|未能|没有|未曾|不再|未)(?!来|成年|满)")
_RESPECTIVELY = re.compile(r"分别(?:为|是|达到|达|占|有)?")


def clause_start(text: str, position: int) -> int:
    """Where the clause holding `position` begins (after the last comma, colon or 、 before it)."""
    best = 0
    for m in _CLAUSE.finditer(text, 0, position):
        best = m.end()
    return best


_TITLE = re.compile(r"《[^》]*》?")
_NOUN_BEFORE = re.compile(r"(年度|工作|学法|培训|普法|实施|考核|规划|总体)$")


def _target_before(text: str, position: int) -> bool:
    """A target word in the clause holding `position` or the one before it (titles in 《》 aside)."""
    start = clause_start(text, clause_start(text, position) - 1) if clause_start(text, position) else 0
    prefix = _TITLE.sub(lambda m: "＿" * len(m.group(0)), text[start:position])
    for m in _TARGET_WORDS.finditer(prefix):
        word = m.group(0)
        if word in ("计划", "目标") and _NOUN_BEFORE.search(prefix[: m.start()]):
            continue  # 制定年度工作计划: a document, not a plan for this figure
        if word == "要求" and (
            _NOT_TARGET_BEFORE.search(prefix[: m.start()]) or prefix[m.end() : m.end() + 1] in "的,，"
        ):
            continue  # 按照上级要求… / 要求的 / 要求，: the occasion, not a target
        if word == "确保" and prefix[m.end() : m.end() + 1] == "了":
            continue
        return True
    return False


def figure_problem(text: str, match_start: int, value_start: int, value_end: int) -> str | None:
    """Why the figure at text[value_start:value_end] is not the year's value, or None."""
    if _target_before(text, value_start):
        return TARGET
    between = text[match_start:value_start]
    changes = list(_CHANGE_WORDS.finditer(between))
    if changes and not _LEVEL_AFTER_CHANGE.search(between[changes[-1].end() :]):
        return CHANGE
    if text[value_end : value_end + 4].lstrip().startswith("个百分点"):
        return CHANGE
    if _NOT_REACHED.search(text[clause_start(text, match_start) : value_start]):
        return NOT_REACHED
    if "每" in text[max(0, value_start - 5) : value_start]:
        return FREQUENCY
    return None


def yes_no_problem(text: str, match_start: int) -> str | None:
    """TARGET for a plan, "negated" for a negation just before a yes/no phrase, else None."""
    prefix = text[clause_start(text, match_start) : match_start]
    if _target_before(text, match_start):
        return TARGET
    if _NEGATION.search(prefix[-6:]) or prefix.endswith("无"):
        return "negated"
    return None


def respective_value(text: str, match_start: int, value_start: int, value_regex: re.Pattern[str]):
    """With 分别 between name and figure: the figure in the name's place, (match, uncertain), or None."""
    resp = _RESPECTIVELY.search(text, match_start, value_start)
    if resp is None:
        return None
    start = 0
    for m in re.finditer(r"[,，:：;；]", text[:match_start]):
        start = m.end()
    names = [n for n in re.split(r"[和、及与]", text[start : resp.start()]) if n.strip()]
    place = len(re.split(r"[和、及与]", text[start : match_start + 1])) - 1
    values = list(value_regex.finditer(text, resp.end()))
    if not values:
        return None
    if place >= len(values):
        return values[0], True
    return values[place], len(values) != len(names)
