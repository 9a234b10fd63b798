"""The value types of a rules file (numbers, points, text, yes/no, names) and the strict base model."""

from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

from engine.documents.formats import NAME_PATTERN
from engine.documents.source import Written
from engine.documents.text import one_line, printable
from engine.ruleset.conditions import MAX_DECIMALS, MAX_MAGNITUDE


class Before(BeforeValidator):
    """pydantic's BeforeValidator for a function of the value alone, said so: pydantic would read
    the function's signature at every use to find out (a fifth of building the rules file's
    validator went to that, 170 uses)."""

    __slots__ = ()

    def __get_pydantic_core_schema__(self, source_type: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(self.func, schema=handler(source_type))


class After(AfterValidator):
    """pydantic's AfterValidator for a function of the value alone, said so (see `Before`)."""

    __slots__ = ()

    def __get_pydantic_core_schema__(self, source_type: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.func, schema=handler(source_type))


def _yes_no(value: Any) -> Any:
    if isinstance(value, str):
        if value.strip() in ("是", "true", "True", "yes"):
            return True
        if value.strip() in ("否", "false", "False", "no"):
            return False
    return value


def _number(value: Any) -> Any:
    if isinstance(value, Written):
        raise ValueError(value.why)
    if isinstance(value, str) and value.strip().lstrip(".").lower() in ("nan", "inf", "-inf", "infinity", "-infinity"):
        raise ValueError("应为有限的数字（不能是 NaN 或无穷大）")
    if isinstance(value, bool) or isinstance(value, str):
        raise ValueError("应为数字（不加引号）")
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def _comparable(value: Any) -> Any:
    # the engine compares numbers exactly to 6 decimals within ±10^12 (see compiler.encode)
    value = _number(value)
    if isinstance(value, (int, Decimal)) and Decimal(value).is_finite():
        if abs(value) > MAX_MAGNITUDE:
            raise ValueError("数值过大（上限 10^12）")
        if Decimal(value).normalize().as_tuple().exponent < -MAX_DECIMALS:
            raise ValueError(f"小数位数不得超过 {MAX_DECIMALS} 位")
    return value


YesNo = Annotated[bool, Before(_yes_no), Field(strict=False)]
Number = Annotated[Decimal, Before(_comparable), Field(allow_inf_nan=False)]
Points = Annotated[Decimal, Before(_number), Field(ge=0, le=1000, decimal_places=2, allow_inf_nan=False)]
Text = Annotated[str, Field(min_length=1, max_length=2000), After(printable)]
Note = Annotated[str, Field(max_length=2000), After(printable)]  # optional text: may be empty
Name = Annotated[str, Field(min_length=1, max_length=200), After(one_line)]  # one line: a unit, a person
Line = Annotated[str, Field(min_length=1, max_length=2000), After(one_line)]  # a title: one line
IndicatorName = Annotated[str, Field(pattern=NAME_PATTERN)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False, defer_build=True)
