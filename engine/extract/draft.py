"""The draft submission written by `assess extract`, and the table shown on the terminal.

The draft is a submission (单位名称, 单位类型, 考核年度, 指标, 数据说明) in which every indicator
not found in the report has the value "待填"; `assess` refuses to score it while a required
indicator (or a header field) is still 待填, naming each one. The `草稿` block keeps what was
found: each value with its flags and citations (file, line, column, phrase, sentence), how a
derived value was computed, the values of a conflict, and why each missing value is missing.
`assess` ignores the `草稿` block.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine import __version__
from engine.extract.choice import Choice, Guess
from engine.extract.extractor import (
    APPROXIMATE,
    CONFLICT,
    DERIVED,
    NEGATED,
    RANGE,
    UNCERTAIN,
    Citation,
    Extraction,
    Finding,
)
from engine.intake.submission import PENDING

FLAG_NAMES = {
    APPROXIMATE: "约数",
    DERIVED: "推算",
    CONFLICT: "冲突",
    RANGE: "范围",
    NEGATED: "否定",
    UNCERTAIN: "待核",
}
_MAX_QUOTE = 60


def build_draft(extraction: Extraction, choice: Choice) -> dict[str, Any]:
    """The draft submission; header values from the options or the report (`choice`), each with its source."""
    ruleset, report = extraction.ruleset, extraction.report
    types = ruleset.header.unit_types
    unit_type = str(choice.unit_type.value) if choice.unit_type is not None else None
    if unit_type is None and len(types) == 1 and not choice.unit_type_note:
        unit_type = types[0]
    unit = str(choice.unit.value) if choice.unit is not None else None
    year = int(choice.year.value) if choice.year is not None else None
    values: dict[str, Any] = {}
    notes: dict[str, str] = {}
    found: dict[str, Any] = {}
    missing: dict[str, str] = {}
    for name, spec in ruleset.indicators.items():
        if unit_type is not None and spec.applies_to is not None and unit_type not in spec.applies_to:
            continue
        if spec.overdue is not None:
            continue  # days late: the engine counts them from the date
        finding = extraction.findings.get(name)
        if finding is not None and finding.value is not None:
            values[name] = _json_value(finding.value)
            notes[name] = _note(finding, spec.extraction.note if spec.extraction else None)
            found[name] = _entry(finding, spec.extraction.note if spec.extraction else None)
        else:
            values[name] = PENDING
            why = extraction.missing.get(name, "报告中未找到")
            kind = "必填" if spec.required else "选填"
            notes[name] = f"待填（{kind}）：{why}"
            missing[name] = why
            if finding is not None and finding.rejected:
                found[name] = _entry(finding, None)
    header_sources = {
        key: _guess(guess)
        for key, guess in (("单位名称", choice.unit), ("单位类型", choice.unit_type), ("考核年度", choice.year))
        if guess is not None
    }
    chosen = {"编号": ruleset.header.id, "文件": Path(ruleset.file).name, "sha256": ruleset.sha256, "选用": choice.how}
    if choice.unit_type_note:
        chosen["单位类型"] = choice.unit_type_note
    return {
        "单位名称": unit or PENDING,
        "单位类型": unit_type or PENDING,
        "考核年度": year if year is not None else PENDING,
        "指标": values,
        "数据说明": notes,
        "草稿": {
            "说明": "由 assess extract 从年度报告提取的草稿：逐项核对出处，补齐“待填”的值；"
            "必填项仍为“待填”时 assess 不予评分。本块不参与评分。",
            "报告": {
                "文件": report.file,
                "sha256": report.sha256,
                "编码": report.encoding,
                **({"字形": "繁体（按 OpenCC t2s 转为简体后匹配，出处为原文）"} if report.traditional else {}),
            },
            "规则集": chosen,
            "程序版本": __version__,
            "表头出处": header_sources,
            "已提取": found,
            "待填": missing,
        },
    }


def draft_json(draft: dict[str, Any]) -> str:
    return json.dumps(draft, ensure_ascii=False, indent=2) + "\n"


def _guess(guess: Guess) -> dict[str, Any]:
    out: dict[str, Any] = {"值": guess.value, "依据": guess.how}
    if guess.line is not None:
        out["出处"] = {"行": guess.line, "原文": guess.phrase, "句子": guess.sentence[:300]}
    return out


# -- the draft's pieces ------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if isinstance(value, bool) or isinstance(value, (int, str)):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _cite(c: Citation) -> dict[str, Any]:
    sentence = c.sentence if len(c.sentence) <= 300 else c.sentence[:300] + "…"
    return {"文件": c.file, "行": c.line, "列": c.col, "原文": c.phrase, "句子": sentence}


def _entry(finding: Finding, note: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "值": _json_value(finding.value) if finding.value is not None else None,
        "标记": list(finding.flags),
        "出处": [_cite(c) for c in finding.citations[:10]],
    }
    if finding.ratio is not None:
        r = finding.ratio
        entry["计算"] = {
            "分子": {"指标": r.numerator, "值": _json_value(r.num_value)},
            "分母": {"指标": r.denominator, "值": _json_value(r.den_value)},
            "结果": _json_value(r.result) if r.result is not None else None,
            "与原文一致": r.matches_stated,
            **({"说明": r.note} if r.note else {}),
        }
    if DERIVED in finding.flags and finding.ratio is None and len(finding.parts) > 1:
        entry["合计"] = [{"值": _json_value(p.value), "出处": _cite(p.citation)} for p in finding.parts]
    if finding.alternatives:
        entry["候选"] = [
            {"值": _json_value(v), "来源": how, "出处": [_cite(c) for c in cites[:10]]}
            for v, cites, how in finding.alternatives
        ]
    if finding.rejected:
        entry["未采用"] = [{"值": _json_value(v), "原因": why, "出处": _cite(c)} for v, why, c in finding.rejected]
    if note:
        entry["说明"] = note
    return entry


def _quote(c: Citation) -> str:
    phrase = c.phrase if len(c.phrase) <= _MAX_QUOTE else c.phrase[:_MAX_QUOTE] + "…"
    return f"第{c.line}行“{phrase}”"


def _show(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    value = _json_value(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _note(finding: Finding, extra: str | None) -> str:
    cites = finding.citations
    if CONFLICT in finding.flags:
        listed = "；".join(
            f"{_show(v)}（{'计算' if how == '计算' else _quote(cs[0])}）" for v, cs, how in finding.alternatives
        )
        text = f"冲突：报告给出不同的值 {listed}；暂取 {_show(finding.value)}，请核对"
    elif finding.ratio is not None and finding.ratio.matches_stated is None and DERIVED in finding.flags:
        r = finding.ratio
        text = (
            f"推算：{r.numerator} {_show(r.num_value)} ÷ {r.denominator} {_show(r.den_value)} × 100 = {_show(r.result)}"
            f"（{'；'.join(_quote(c) for c in cites[:4])}）"
        )
    elif DERIVED in finding.flags:
        parts = " + ".join(_show(p.value) for p in finding.parts)
        text = f"合计：{parts} = {_show(finding.value)}（{'；'.join(_quote(p.citation) for p in finding.parts[:6])}）"
    else:
        more = f"等 {len(cites)} 处" if len(cites) > 1 else ""
        text = f"出处：报告原文{_quote(cites[0])}{more}"
        if finding.ratio is not None and finding.ratio.matches_stated:
            r = finding.ratio
            text += f"；与 {r.numerator} ÷ {r.denominator} 核对一致"
    if APPROXIMATE in finding.flags:
        text += "；原文为约数"
    if RANGE in finding.flags:
        text += "；原文为范围，取下限，请核对"
    if NEGATED in finding.flags:
        text += "；原文为否定句，取“否”，请核对"
    if UNCERTAIN in finding.flags:
        text += "；原文“分别”前后的项数与数值个数不同，请核对"
    if extra:
        text += f"；{extra}"
    return text[:2000]


# -- the terminal table ------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def render_table(extraction: Extraction, draft: dict[str, Any]) -> str:
    ruleset = extraction.ruleset
    values = draft["指标"]
    found = [n for n, v in values.items() if v != PENDING]
    missing = [n for n, v in values.items() if v == PENDING]
    rows = [("指标", "值", "标记", "出处")]
    for name in found:
        finding = extraction.findings[name]
        unit = ruleset.indicators[name].unit or ""
        flags = "、".join(FLAG_NAMES[f] for f in finding.flags) or "-"
        where = _quote(finding.citations[0]) + (f" 等{len(finding.citations)}处" if len(finding.citations) > 1 else "")
        shown = _show(finding.value) + ("" if isinstance(finding.value, bool) else unit)
        rows.append((name, shown, flags, where))
    widths = [max(_width(r[i]) for r in rows) for i in range(3)]
    report = extraction.report
    script = "，繁体" if report.traditional else ""
    lines = [
        f"从 {report.file} 提取（规则集 {ruleset.header.id}，{report.encoding}{script}）："
        f"找到 {len(found)} 项，待填 {len(missing)} 项",
        f"规则集：{ruleset.header.id}（{Path(ruleset.file).name}），{draft['草稿']['规则集']['选用']}",
    ]
    for key, info in draft["草稿"]["表头出处"].items():
        where = f"，第{info['出处']['行']}行“{info['出处']['原文']}”" if "出处" in info else ""
        lines.append(f"{key}：{info['值']}（{info['依据']}{where}）")
    if "单位类型" in draft["草稿"]["规则集"]:
        lines.append(f"注意：{draft['草稿']['规则集']['单位类型']}")
    for n, row in enumerate(rows):
        lines.append("  " + "  ".join(_pad(row[i], widths[i]) for i in range(3)) + "  " + row[3])
        if n == 0:
            lines.append("  " + "-" * (sum(widths) + 6 + 20))
    by_reason: dict[str, list[str]] = {}
    for name in missing:
        spec = ruleset.indicators[name]
        reason = draft["草稿"]["待填"].get(name, "报告中未找到")
        by_reason.setdefault(reason, []).append(name + ("" if spec.required else "（选填）"))
    for reason, names in by_reason.items():
        lines.append(f"待填（{reason}）：{'、'.join(names)}")
    set_aside = [
        f"{name} {_show(v)}（{why}，{_quote(c)}）"
        for name in missing
        if name in extraction.findings
        for v, why, c in extraction.findings[name].rejected[:2]
    ]
    if set_aside:
        lines.append("未采用（见草稿“未采用”）：" + "；".join(set_aside[:12]) + ("；…" if len(set_aside) > 12 else ""))
    header_missing = [k for k in ("单位名称", "单位类型", "考核年度") if draft[k] == PENDING]
    if header_missing:
        lines.append(f"表头待填：{'、'.join(header_missing)}（可用 --unit、--unit-type、--year 给出）")
    return "\n".join(lines) + "\n"
