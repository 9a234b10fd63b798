"""`rules import-plan`: a draft 分工表 from a plan's text (规划, 实施方案), every task cited to its line.

A task is a numbered line (“1.…”, “1．…”, “(一)…”) ending in its units in parentheses, nested ones
included: “(区委办(区府办)牵头,区政务监察和审计局(监察)、法制办配合)”. Units after the first of a
list inherit its “区” (“区编办、人才办” → 区编办、区人才办), as plans write them. The 评分项 a task
sits behind are drafted where the task's title shares words with an item's 考核内容; otherwise the
draft says TODO. The draft is for review: nothing here is final.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from engine.ruleset.responsibility import ANY_PARTNER
from engine.ruleset.ruleset import Ruleset

OPEN, CLOSE = "(（", ")）"
_L1 = re.compile(r"^\s*([一二三四五六七八九十]+)[、.．]")
_L2 = re.compile(r"^\s*[(（]([一二三四五六七八九十]+)[)）]")
_L3 = re.compile(r"^\s*(\d{1,2})[.．、](?!\d)")
_LEAD = ("牵头", "负责", "主办")
_PARTNER = ("配合", "协办", "参与")
_FLAT = str.maketrans({"(": "（", ")": "）", ",": "，"})
# words every plan and ruleset uses: no evidence that a task and an item are the same work
_COMMON = set(
    "加强 推进 建立 健全 完善 提高 提升 全面 进一步 工作 制度 机制 建设 依法 行政 政府 深化 积极 强化 落实 认真 做好 "
    "充分 发挥 推行 创新 管理 监督 按时 开展 年度".split()
)


@dataclass
class PlanTask:
    id: str
    name: str
    leads: list[str]
    partners: list[str]
    line: int
    text: str
    items: list[str] = field(default_factory=list)
    shared: list[str] = field(default_factory=list)  # the words the drafted 评分项 share with the task


def parse_plan(lines: list[str]) -> list[PlanTask]:
    """The tasks of a plan: numbered lines that end in their units in parentheses."""
    l1 = l2 = ""
    tasks: list[PlanTask] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if m := _L1.match(line):
            l1, l2 = m.group(1), ""
            continue
        m2, m3 = _L2.match(line), _L3.match(line)
        if m2:
            l2 = m2.group(1)
        units = _units(line)
        if units is None or not (m2 or m3):
            continue
        body = line[(m2 or m3).end() :]
        task_id = _task_id(l1, l2, m3.group(1) if m3 and not m2 else "")
        leads, partners = units
        tasks.append(PlanTask(task_id, _title(body), leads, partners, number, line))
    return tasks


def _task_id(l1: str, l2: str, number: str) -> str:
    """二(三)1, as the plan numbers it: its part, its section, its number (“二.1” without a section)."""
    section = f"{l1}({l2})" if l2 else l1
    return f"{section}.{number}" if number and not l2 and section else section + number


def _title(body: str) -> str:
    """The task's title: its first sentence, or the text before the units when it has no full stop."""
    head = re.split(r"[。:：]", body, maxsplit=1)[0]
    return _tail_group(head)[0].strip() if _tail_group(head) else head.strip()


def _tail_group(text: str) -> tuple[str, str] | None:
    """(text before, inside) of the parenthesised group that ends `text`, nested groups allowed."""
    text = text.rstrip(" 。；;\u3000")
    if not text or text[-1] not in CLOSE:
        return None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] in CLOSE:
            depth += 1
        elif text[i] in OPEN:
            depth -= 1
            if depth == 0:
                return text[:i], text[i + 1 : -1]
    return None


def _units(line: str) -> tuple[list[str], list[str]] | None:
    """(leads, partners) from the units group ending the line, or None when it names no lead."""
    group = _tail_group(line)
    if group is None:
        return None
    leads: list[str] = []
    partners: list[str] = []
    for part in _split(group[1].translate(_FLAT), "，；;"):
        for words, into in ((_LEAD, leads), (_PARTNER, partners)):
            word = next((w for w in words if part.endswith(w)), None)
            if word is not None:
                into.extend(_unit_list(part[: -len(word)]))
    return (leads, partners) if leads else None


def _split(text: str, seps: str) -> list[str]:
    """Split at separators outside parentheses."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch in OPEN) - (ch in CLOSE)
        if ch in seps and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return [p.strip() for p in out if p.strip()]


def _unit_list(text: str) -> list[str]:
    """“区政务监察和审计局（监察）、信访局、法制办等有关部门” → the units, 区 carried, then 各有关部门."""
    text, any_partner = text.strip(), False
    for word in ("等有关部门", "等相关部门", "等部门"):
        if text.endswith(word):
            text, any_partner = text[: -len(word)], True
    units = _split(text, "、")
    prefix = "区" if units and units[0].startswith("区") else ""
    out = [units[0]] if units else []
    for unit in units[1:]:
        inherits = prefix and not unit.startswith(("区", "市委", "市政府", "省", "团", "中共")) and "分局" not in unit
        out.append(prefix + unit if inherits and unit not in ANY_PARTNER else unit)
    return out + (["各有关部门"] if any_partner else [])


# -- 评分项 by shared words -----------------------------------------------------------------------


def shared_words(title: str, content: str) -> list[str]:
    """The words a task's title and an item's 考核内容 share: common runs of two or more characters,
    less the words every plan and ruleset uses."""
    from difflib import SequenceMatcher

    blocks = SequenceMatcher(None, title, content, autojunk=False).get_matching_blocks()
    out: list[str] = []
    for b in blocks:
        for piece in re.split("|".join(sorted(_COMMON, key=len, reverse=True)), title[b.a : b.a + b.size]):
            if len(piece) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", piece) and piece not in out:
                out.append(piece)
    return out


def match_items(tasks: list[PlanTask], ruleset: Ruleset) -> None:
    """Draft each task's 评分项: the items whose 考核内容 shares a word with its title."""
    for task in tasks:
        for entry in ruleset.entries:
            shared = shared_words(task.name, entry.item.content)
            if shared:
                task.items.append(entry.item.id)
                task.shared.extend(w for w in shared if w not in task.shared)
        task.shared = [w for w in task.shared if not any(w != o and w in o for o in task.shared)]


# -- the draft file ---------------------------------------------------------------------------------


def draft_map(tasks: list[PlanTask], plan: str, ruleset: Ruleset, units: list[str], title: str) -> str:
    """The 分工表 draft as YAML text, with a comment on every entry to review."""
    out = [
        f"# 分工表草稿：由 assess rules import-plan 从 {plan} 生成（{len(tasks)} 项任务），请逐条对照出处核对后使用。",
        "# 牵头、配合单位照规划原文摘录；列表中后面的单位沿用第一个单位的“区”字，请核对。",
        "# 评分项按任务名称与考核内容的字词重合起草；标 TODO 的任务未找到对应评分项，请补写或删去该任务。",
        "分工:",
        f"  规则集: {_scalar(ruleset.header.id)}",
        f"  适用单位: [{', '.join(_scalar(u) for u in units)}]"
        + ("" if units else "   # TODO 填写被考核单位全称（与申报数据的单位名称一致）"),
    ]
    if title:
        out.append(f"  规划: {_scalar(title)}")
    out += ["  配合扣分比例: 0            # 配合单位承担所配合任务失分的比例（0～1）；0：只扣牵头单位", "任务:"]
    for t in tasks:
        out += [
            f"  - 编号: {_scalar(t.id)}",
            f"    名称: {_scalar(t.name)}",
            f"    牵头: [{', '.join(_scalar(u) for u in t.leads)}]",
            f"    配合: [{', '.join(_scalar(u) for u in t.partners)}]",
            f"    出处: {_scalar(f'{plan}:{t.line}')}",
        ]
        if t.items:
            out.append(f"    评分项: [{', '.join(t.items)}]   # 字词重合：{'、'.join(t.shared)}")
        else:
            out.append("    评分项: []   # TODO 未找到对应的评分项")
    return "\n".join(out) + "\n"


def _scalar(text: str) -> str:
    """A YAML scalar: plain when it reads back as the same string, else double-quoted."""
    plain = re.fullmatch(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`0-9][^:#,\[\]{}]*", text) and not text.endswith(" ")
    return text if plain else json.dumps(text, ensure_ascii=False)


def plan_title(lines: list[str]) -> str:
    """The plan's title: the first line naming a 规划 or 方案 that is not a 通知 about it."""
    for line in lines:
        text = line.strip()
        if 4 < len(text) < 80 and re.search(r"(规划|方案|纲要)[^，。]*$", text) and "通知" not in text:
            return text
    return ""


def import_plan(path: Path | str, ruleset: Ruleset, units: list[str]) -> tuple[list[PlanTask], str]:
    """(tasks, draft YAML) from a plan file (.txt in UTF-8/GBK, or .docx)."""
    from engine.extract.report import read_report

    report = read_report(path)
    tasks = parse_plan(report.lines)
    match_items(tasks, ruleset)
    return tasks, draft_map(tasks, Path(path).name, ruleset, units, plan_title(report.lines))
