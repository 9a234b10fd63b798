"""Chinese messages for pydantic validation errors, keyed by error type."""

from __future__ import annotations

from collections.abc import Iterable
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from engine.documents.formats import describe
from engine.documents.hints import did_you_mean
from engine.documents.lookalike import lookalike
from engine.documents.numbers import format_decimal
from engine.documents.source import key_location, locate
from engine.documents.text import visible_line
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
    if kind == "string_pattern_mismatch":
        return describe(ctx.get("pattern"))
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
    model: type[BaseModel] | None = None,
) -> list[Problem]:
    """Turn a ValidationError into located problems.

    `tags` are discriminator values that pydantic puts into `loc`; they are dropped so the
    path matches the document. `vocabulary` feeds the “是否应为” hint for unknown keys; with the
    document's root `model`, the hint also names the keys allowed where an unknown key stands.
    `prefix` is where the validated value sits in the document, when it is a part of it.
    """
    tagset = set(tags)
    vocab = list(dict.fromkeys(vocabulary))
    out: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors(include_url=False):
        loc = tuple(prefix) + tuple(step for step in err["loc"] if step not in tagset)
        if err["type"] == "extra_forbidden":
            key = str(loc[-1]) if loc else ""
            allowed = allowed_keys(model, data, loc[:-1]) if model is not None else None
            where = doc.locate_key(loc) if doc is not None else key_location(file, data, loc)
            message, code, subject = f"不认识的键 “{key}”{_key_hint(key, vocab, allowed)}", "schema.unknown-key", key
        else:
            if err["type"] == "union_tag_invalid":
                loc = loc + (_strip_quotes((err.get("ctx") or {}).get("discriminator", "")),)
            where = doc.locate(loc) if doc is not None else locate(file, data, loc)
            message, code, subject = (
                translate(err),
                f"schema.{'missing' if err['type'] == 'missing' else 'invalid'}",
                None,
            )
            if err["type"] == "union_tag_not_found":
                message += _written_as(_strip_quotes((err.get("ctx") or {}).get("discriminator", "")), err.get("input"))
            if err["type"] not in ("missing",) and "input" in err and _is_scalar(err["input"]):
                message += f"（实为 {_show(err['input'])}）"
        marker = (str(where), message)
        if marker in seen:
            continue
        seen.add(marker)
        out.append(Problem(where, message, code, subject))
    return out


def _written_as(wanted: str, node: Any) -> str:
    """A key that looks like the missing one: `：写成了 “计分⽅式”（与 “计分方式” 看似相同，…）`."""
    for key in node if isinstance(node, dict) else ():
        same = lookalike(str(key), [wanted])
        if same:
            return f"：写成了 “{key}”{same}"
    return ""


def _key_hint(key: str, vocab: list[str], allowed: list[str] | None) -> str:
    """A key that looks like a known one but differs in its characters; a known key in the wrong
    place; else the closest known key."""
    same = lookalike(key, allowed or vocab)
    if same:
        return same
    if key in vocab:
        if allowed:
            return f"（“{key}” 不能写在这里；这里可写：{'、'.join(allowed)}）"
        return f"（“{key}” 不能写在这里）"
    return did_you_mean(key, allowed or vocab) or (did_you_mean(key, vocab) if allowed else "")


def allowed_keys(model: type[BaseModel], data: Any, path: tuple[Any, ...]) -> list[str] | None:
    """The keys (aliases) a pydantic `model` allows at `path` inside `data`; None if not found.
    A union of models is resolved by the Literal field (such as 计分方式) whose value `data` holds."""
    annotation: Any = model
    node = data
    for step in (*path, None):
        annotation = _concrete(annotation, node)
        if annotation is None:
            return None
        if step is None:
            break
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = next((f for f in annotation.model_fields.values() if f.alias == step), None)
            if field is None:
                return None
            annotation = field.annotation
        elif get_origin(annotation) in (list, tuple) and isinstance(step, int):
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) is dict and isinstance(step, str):
            annotation = get_args(annotation)[1]
        else:
            return None
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [f.alias or name for name, f in annotation.model_fields.items()]
    return None


def _concrete(annotation: Any, node: Any) -> Any:
    """Strip Annotated and Optional; pick the member of a union of models that `node` names."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        if len(members) == 1:
            return _concrete(members[0], node)
        if not models or not isinstance(node, dict):
            return None
        return next((m for m in models if _tagged(m, node)), None)
    return annotation


def _tagged(model: type[BaseModel], node: dict) -> bool:
    for field in model.model_fields.values():
        if get_origin(field.annotation) is Literal and field.alias in node:
            return node[field.alias] in get_args(field.annotation)
    return False


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
        return f"“{visible_line(text)}”"  # a message is one line, on a terminal and in a sheet
    return str(value)
