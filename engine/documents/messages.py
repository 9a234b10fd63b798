"""Chinese messages for pydantic validation errors, keyed by error type."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from engine.documents.hints import did_you_mean
from engine.documents.numbers import format_decimal
from engine.documents.source import key_location, locate
from engine.errors import Problem

_TEMPLATES = {
    "missing": "缺少必填项",
    "string_type": "应为文字",
    "string_unicode": "含有无效的 Unicode 字符（如孤立的代理项 \\ud800），请删除",
    "string_too_short": "不能为空",
    "string_too_long": "过长（最多 {max_length} 个字符）",
    "string_pattern_mismatch": "格式不正确",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数（不能有小数）",
    "bool_type": "应为 是/否（true/false）",
    "bool_parsing": "应为 是/否（true/false）",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_max_places": "小数位数不得超过 {decimal_places} 位",
    "finite_number": "应为有限的数字（不能是 NaN 或无穷大）",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}",
    "too_short": "至少应有 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "list_type": "应为列表",
    "tuple_type": "应为 [最小值, 最大值] 形式的列表",
    "dict_type": "应为键值表（映射）",
    "model_type": "应为键值表（映射）",
    "model_attributes_type": "应为键值表（映射）",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "union_tag_not_found": "缺少“{discriminator}”",
}


def translate(err: dict[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", "、").replace(", ", "、")
        return f"应为以下之一：{expected}"
    if kind == "union_tag_invalid":
        tags = str(ctx.get("expected_tags", "")).replace("'", "").replace(", ", "、")
        return f"未知的{_strip_quotes(ctx.get('discriminator'))} “{ctx.get('tag')}”，可选：{tags}"
    if kind == "union_tag_not_found":
        return f"缺少“{_strip_quotes(ctx.get('discriminator'))}”"
    if kind == "value_error":
        return str(ctx.get("error", err.get("msg", "")))
    if kind in ("assertion_error",):
        return str(err.get("msg", ""))
    template = _TEMPLATES.get(kind)
    if template is None:
        return str(err.get("msg", kind))
    try:
        return template.format(**{k: _fmt(v) for k, v in ctx.items()})
    except (KeyError, IndexError):
        return template


def _strip_quotes(value: Any) -> str:
    # pydantic reports an aliased discriminator as "'method' | '计分方式'": keep the name users write
    parts = [p.strip().strip("'\"") for p in str(value).split("|")]
    return parts[-1]


def _fmt(value: Any) -> str:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return format_decimal(value)
    text = str(value)
    if text.startswith("Decimal('") and text.endswith("')"):  # how pydantic passes some bounds
        return _fmt(Decimal(text[9:-2]))
    return text[:-2] if text.endswith(".0") else text


def problems_from(
    exc: ValidationError,
    file: str,
    data: Any,
    vocabulary: Iterable[str] = (),
    tags: Iterable[str] = (),
    doc: Any = None,
    prefix: tuple[Any, ...] = (),
) -> list[Problem]:
    """Turn a ValidationError into located problems.

    `tags` are discriminator values that pydantic puts into `loc`; they are dropped so the
    path matches the document. `vocabulary` feeds the “是否应为” hint for unknown keys. `prefix` is
    where the validated value sits in the document, when it is a part of it.
    """
    tagset = set(tags)
    vocab = list(dict.fromkeys(vocabulary))
    out: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors(include_url=False):
        loc = tuple(prefix) + tuple(step for step in err["loc"] if step not in tagset)
        if err["type"] == "extra_forbidden":
            key = str(loc[-1]) if loc else ""
            hint = did_you_mean(key, vocab)
            where = doc.locate_key(loc) if doc is not None else key_location(file, data, loc)
            message, code, subject = f"不认识的键 “{key}”{hint}", "schema.unknown-key", key
        else:
            if err["type"] == "union_tag_invalid":
                loc = loc + (_strip_quotes((err.get("ctx") or {}).get("discriminator", "")),)
            where = doc.locate(loc) if doc is not None else locate(file, data, loc)
            message, code, subject = (
                translate(err),
                f"schema.{'missing' if err['type'] == 'missing' else 'invalid'}",
                None,
            )
            if err["type"] not in ("missing",) and "input" in err and _is_scalar(err["input"]):
                message += f"（实为 {_show(err['input'])}）"
        marker = (str(where), message)
        if marker in seen:
            continue
        seen.add(marker)
        out.append(Problem(where, message, code, subject))
    return out


def _is_scalar(value: Any) -> bool:
    from decimal import Decimal

    return isinstance(value, (str, int, float, bool, Decimal)) or value is None


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "空值"
    if isinstance(value, str):
        text = value if len(value) <= 30 else value[:30] + "…"
        return f"“{text}”"
    return str(value)
