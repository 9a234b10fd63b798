"""Value checks of one indicator or record field: what a submitted value must look like, by declared type."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationError,
)

from engine.documents.messages import translate
from engine.documents.source import Written, plain
from engine.documents.text import printable
from engine.ruleset.conditions import MAX_DECIMALS, MAX_MAGNITUDE
from engine.ruleset.model import FieldSpec, IndicatorSpec
from engine.ruleset.scalars import After, Before

NON_FINITE = frozenset({"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"})


def _number(value: Any) -> Any:
    if isinstance(value, Written):
        raise ValueError(value.why)
    if isinstance(value, str) and value.strip().lstrip(".").lower() in NON_FINITE:
        raise ValueError("应为有限的数字（不能是 NaN 或无穷大）")  # JSON's NaN/Infinity tokens arrive as text
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError("应为数字（不加引号）")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("应为有限的数字（不能是 NaN 或无穷大）")
        value = Decimal(repr(value))
    elif isinstance(value, int):
        value = Decimal(value)
    if not value.is_finite():
        raise ValueError("应为有限的数字（不能是 NaN 或无穷大）")
    if abs(value) > MAX_MAGNITUDE:
        raise ValueError("数值过大")
    if value.normalize().as_tuple().exponent < -MAX_DECIMALS:
        raise ValueError(f"小数位数不得超过 {MAX_DECIMALS} 位")
    return value


def _date(value: Any) -> Any:
    if isinstance(value, Written):
        raise ValueError(value.why)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError('应为日期，写作 "YYYY-MM-DD"（如 "2013-03-01"）')


def written(value: Any) -> Any:
    """A number or yes/no YAML kept as text (0x3, 1_000, yes): refused with why."""
    if isinstance(value, Written):
        raise ValueError(value.why)
    return value


MAX_COUNT = 10**9  # the largest 次数 accepted (also the cap of a 范围 written for one)
StrictNumber = Annotated[Decimal, Before(_number)]
StrictDate = Annotated[dt.date, Before(_date)]


def _annotation(spec: IndicatorSpec | FieldSpec) -> Any:
    lo, hi = spec.bounds
    bounds = {k: v for k, v in (("ge", lo), ("le", hi)) if v is not None}
    if spec.type in ("数值", "百分比"):
        return Annotated[StrictNumber, Field(**bounds)]
    if spec.type == "次数":
        bounds["le"] = min(bounds.get("le", MAX_COUNT), MAX_COUNT)
        limits = {k: int(v) if v == int(v) else v for k, v in bounds.items()}
        return Annotated[StrictInt, Before(written), Field(**limits)]
    if spec.type == "是否":
        return Annotated[StrictBool, Before(written)]
    if spec.type == "日期":
        return StrictDate
    if spec.type == "选项":
        return Literal[tuple(spec.options)]  # type: ignore[misc]
    if spec.type == "文本":
        return Annotated[StrictStr, Field(max_length=2000), After(printable)]
    raise AssertionError(spec.type)


_ADAPTERS: dict[int, tuple[IndicatorSpec | FieldSpec, TypeAdapter]] = {}
_SCALARS: dict[tuple, TypeAdapter] = {}


def type_adapter(spec: IndicatorSpec | FieldSpec) -> TypeAdapter:
    if not (isinstance(spec, IndicatorSpec) and spec.type == "记录列表"):
        # one adapter per kind of value, not per indicator: building one is most of a single
        # run's submission check, and a ruleset's 120 indicators have a handful of kinds
        lo, hi = spec.bounds
        options = tuple((type(o), o) for o in spec.options or ()) if spec.type == "选项" else ()
        key = (spec.type, None if lo is None else str(lo), None if hi is None else str(hi), options)
        adapter = _SCALARS.get(key)
        if adapter is None:
            if len(_SCALARS) > 20000:
                _SCALARS.clear()
            adapter = _SCALARS[key] = TypeAdapter(_annotation(spec))
        return adapter
    # keyed by identity: specs hold lists, so they are not hashable; the spec is kept alive
    # in the entry so its id is never reused while cached
    hit = _ADAPTERS.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    adapter = TypeAdapter(Annotated[list[_record_model(spec)], Field(max_length=spec.max_records)])
    if len(_ADAPTERS) > 20000:
        _ADAPTERS.clear()
    _ADAPTERS[id(spec)] = (spec, adapter)
    return adapter


def _record_model(spec: IndicatorSpec) -> type[BaseModel]:
    from pydantic import create_model

    fields: dict[str, Any] = {}
    for n, (name, fspec) in enumerate((spec.fields or {}).items()):
        default = ... if fspec.required else None
        annotation = _annotation(fspec) if fspec.required else _annotation(fspec) | None
        fields[f"f{n}"] = (annotation, Field(default, alias=name))
    return create_model(  # type: ignore[call-overload]
        "Record", __config__=ConfigDict(extra="forbid", frozen=True, populate_by_name=False), **fields
    )


def check_value(spec: IndicatorSpec, value: Any) -> str | None:
    """Validate one value against its spec; return a Chinese message or None."""
    try:
        type_adapter(spec).validate_python(plain(value))
    except ValidationError as exc:
        return translate(exc.errors(include_url=False)[0])
    return None
