"""The rules file (评分细则) as pydantic models: keys are Chinese, as a policy officer writes them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from engine.documents.text import printable
from engine.ruleset.conditions import MAX_DECIMALS, MAX_MAGNITUDE
from engine.ruleset.extraction import ExtractionSpec

GRADES = ("优秀", "良好", "合格", "不合格")
INDICATOR_TYPES = ("数值", "百分比", "次数", "是否", "日期", "选项", "文本", "记录列表")
FIELD_TYPES = INDICATOR_TYPES[:-1]
ID_PATTERN = r"^[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9_\-.\u4e00-\u9fff]{0,39}$"
NAME_PATTERN = r"^[A-Za-z\u3400-\u9fff\uf900-\ufaff][A-Za-z0-9_\u3400-\u9fff\uf900-\ufaff]{0,39}$"


def _yes_no(value: Any) -> Any:
    if isinstance(value, str):
        if value.strip() in ("是", "true", "True", "yes"):
            return True
        if value.strip() in ("否", "false", "False", "no"):
            return False
    return value


def _number(value: Any) -> Any:
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


YesNo = Annotated[bool, BeforeValidator(_yes_no), Field(strict=False)]
Number = Annotated[Decimal, BeforeValidator(_comparable), Field(allow_inf_nan=False)]
Points = Annotated[Decimal, BeforeValidator(_number), Field(ge=0, le=1000, decimal_places=2, allow_inf_nan=False)]
Text = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(printable)]
IndicatorName = Annotated[str, Field(pattern=NAME_PATTERN)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


# -- header -------------------------------------------------------------------------------


class GradeBands(Model):
    excellent: Points = Field(alias="优秀", description="评为优秀的最低分")
    good: Points = Field(alias="良好", description="评为良好的最低分")
    passing: Points = Field(alias="合格", description="评为合格的最低分；低于此分为不合格")

    @model_validator(mode="after")
    def _ordered(self) -> "GradeBands":
        if not (self.excellent > self.good > self.passing):
            raise ValueError("等次分数线应为 优秀 > 良好 > 合格")
        return self


class GradeCaps(Model):
    ordinary: Literal["优秀", "良好", "合格", "不合格"] = Field("良好", alias="有不良记录")
    severe: Literal["优秀", "良好", "合格", "不合格"] = Field("合格", alias="有严重不良记录")


def period_input(value: Any) -> Any:
    """`适用期间: 2012` is short for `{起: 2012, 止: 2012}`."""
    if isinstance(value, int) and not isinstance(value, bool):
        return {"起": value, "止": value}
    return value


class Period(Model):
    """The assessment years (the submissions' 考核年度) a ruleset applies to, both ends included."""

    start: int = Field(alias="起", ge=1990, le=2100)
    end: int | None = Field(None, alias="止", ge=1990, le=2100, description="absent: no end year")

    @model_validator(mode="after")
    def _ordered(self) -> "Period":
        if self.end is not None and self.end < self.start:
            raise ValueError("适用期间的“止”不能早于“起”")
        return self

    def covers(self, year: int) -> bool:
        return self.start <= year and (self.end is None or year <= self.end)

    def __str__(self) -> str:
        if self.end == self.start:
            return f"{self.start}年度"
        if self.end is None:
            return f"{self.start}年度起"
        return f"{self.start}—{self.end}年度"


class RulesetHeader(Model):
    id: Annotated[str, Field(pattern=ID_PATTERN)] = Field(alias="编号")
    name: Text = Field(alias="名称")
    year: int = Field(alias="考核年度", ge=1990, le=2100)
    total: Points = Field(alias="总分", gt=0)
    bonus_cap: Points = Field(Decimal(0), alias="加分上限")
    unit_types: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(alias="单位类型", min_length=1)
    grades: dict[str, GradeBands] = Field(alias="等次", min_length=1)
    grade_caps: GradeCaps = Field(default_factory=GradeCaps, alias="等次限制")
    not_applicable: Literal["剔除折算", "按满分计"] = Field("剔除折算", alias="不适用项")
    missing: Literal["待复核", "不得分", "按缺省值"] = Field("待复核", alias="缺项处理")
    issuer: str | None = Field(None, alias="发布单位")
    note: str | None = Field(None, alias="说明")
    period: Annotated[Period | None, BeforeValidator(period_input)] = Field(
        None, alias="适用期间", description="submission 考核年度 range; needed to pick a ruleset from a folder"
    )
    rate_tolerance: Points = Field(Decimal("0.5"), alias="比率容差", description="percentage points")
    small_sample: int | None = Field(None, alias="小样本", ge=1, description="flag rates over fewer cases")
    extends: str | None = Field(None, alias="继承", description="the ruleset this one extends (id or file)")


# -- indicators ---------------------------------------------------------------------------


class FieldSpec(Model):
    label: Text = Field(alias="标签")
    type: Literal["数值", "百分比", "次数", "是否", "日期", "选项", "文本"] = Field(alias="类型")
    unit: str | None = Field(None, alias="单位")
    range: tuple[Number, Number] | None = Field(None, alias="范围")
    options: list[Text] | None = Field(None, alias="选项")
    required: YesNo = Field(True, alias="必填")

    @model_validator(mode="after")
    def _consistent(self) -> "FieldSpec":
        _check_type_params(self.type, self.options, self.range)
        return self


class IndicatorSpec(Model):
    label: Text = Field(alias="标签")
    type: Literal["数值", "百分比", "次数", "是否", "日期", "选项", "文本", "记录列表"] = Field(alias="类型")
    unit: str | None = Field(None, alias="单位")
    range: tuple[Number, Number] | None = Field(None, alias="范围")
    options: list[Text] | None = Field(None, alias="选项")
    required: YesNo = Field(True, alias="必填")
    applies_to: list[str] | None = Field(None, alias="适用单位")
    default: Any = Field(None, alias="缺省值")
    fields: dict[IndicatorName, FieldSpec] | None = Field(None, alias="字段")
    max_records: int = Field(500, alias="最多条数", ge=1, le=10000)
    note: str | None = Field(None, alias="说明")
    extraction: ExtractionSpec | None = Field(None, alias="提取", description="如何从年度报告中提取本指标的值")
    statistical: YesNo = Field(False, alias="仅统计", description="只作统计或展示，不计分（不用于任何评分项）")
    numerator: IndicatorName | None = Field(None, alias="分子")
    denominator: IndicatorName | None = Field(None, alias="分母")
    small_sample: int | None = Field(None, alias="小样本", ge=0, description="0: never flag")

    @model_validator(mode="after")
    def _consistent(self) -> "IndicatorSpec":
        _check_type_params(self.type, self.options, self.range)
        if (self.numerator is None) != (self.denominator is None):
            raise ValueError("“分子”和“分母”须同时写出")
        if self.numerator is not None and self.type != "百分比":
            raise ValueError("只有百分比型指标才有“分子”“分母”")
        if self.small_sample is not None and self.denominator is None:
            raise ValueError("“小样本”只用于写明了“分母”的比率")
        if self.type == "记录列表":
            if not self.fields:
                raise ValueError("记录列表须用“字段”列出每条记录的字段")
            if len(self.fields) > 150:
                raise ValueError("一条记录最多 150 个字段")
        elif self.fields is not None:
            raise ValueError("只有记录列表才有“字段”")
        return self


def _check_type_params(kind: str, options: list[str] | None, rng: tuple | None) -> None:
    if kind == "选项":
        if not options:
            raise ValueError("选项型须列出“选项”")
        if len(set(options)) != len(options):
            raise ValueError("“选项”有重复")
    elif options is not None:
        raise ValueError("只有选项型才有“选项”")
    if rng is not None:
        if kind not in ("数值", "百分比", "次数"):
            raise ValueError("只有数值、百分比、次数才有“范围”")
        if rng[0] > rng[1]:
            raise ValueError("“范围”应为 [最小值, 最大值]")


# -- items ----------------------------------------------------------------------------------


class BadRecordSpec(Model):
    event: Text = Field(alias="事项", description="不良记录的事项，可用 {指标名} 或 {字段名} 插入申报值")
    severity: Literal["一般", "严重"] = Field("一般", alias="严重程度")
    consequence: str | None = Field(None, alias="后果")


class ItemBase(Model):
    id: Annotated[str, Field(pattern=ID_PATTERN)] = Field(alias="编号")
    content: Text = Field(alias="考核内容")
    points: Points = Field(alias="分值", gt=0)
    standard: Text = Field(alias="评分标准")
    applies_to: list[str] | None = Field(None, alias="适用单位")
    when_not_applicable: Literal["剔除折算", "按满分计"] | None = Field(None, alias="不适用时")
    bad_record: BadRecordSpec | None = Field(None, alias="不良记录")
    source: str | None = Field(None, alias="数据来源")


class PerEvent(ItemBase):
    method: Literal["按件扣分"] = Field(alias="计分方式")
    count: IndicatorName = Field(alias="件数")
    per_event: Points = Field(alias="每件扣分", gt=0)
    cap: Points | None = Field(None, alias="扣分上限")


class CountShortfall(ItemBase):
    method: Literal["少于目标扣分"] = Field(alias="计分方式")
    indicator: IndicatorName = Field(alias="指标")
    target: Number = Field(alias="目标")
    per_unit: Points = Field(alias="每少一次扣分", gt=0)
    cap: Points | None = Field(None, alias="扣分上限")


class RateShortfall(ItemBase):
    method: Literal["比率不足扣分"] = Field(alias="计分方式")
    indicator: IndicatorName = Field(alias="指标")
    target: Number = Field(Decimal(100), alias="目标")
    per_point: Points = Field(alias="每低一个百分点扣分", gt=0)
    cap: Points | None = Field(None, alias="扣分上限")
    partial: Literal["按实际", "按一个百分点计", "不计"] = Field("按实际", alias="不足一个百分点")


class Conditional(ItemBase):
    method: Literal["条件扣分"] = Field(alias="计分方式")
    condition: Text = Field(alias="条件")
    deduction: Points | None = Field(None, alias="扣分")


class SubPoint(Model):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,8}$")] = Field(alias="编号")
    text: Text = Field(alias="说明")
    condition: Text | None = Field(None, alias="条件")
    deduction: Points | None = Field(None, alias="扣分", gt=0)
    count: IndicatorName | None = Field(None, alias="件数")
    per_event: Points | None = Field(None, alias="每件扣分", gt=0)
    cap: Points | None = Field(None, alias="扣分上限")

    @model_validator(mode="after")
    def _one_form(self) -> "SubPoint":
        by_condition = self.condition is not None
        by_count = self.count is not None
        if by_condition == by_count:
            raise ValueError("子项应写“条件”+“扣分”，或“件数”+“每件扣分”，二者选一")
        if by_condition and (self.deduction is None or self.per_event is not None or self.cap is not None):
            raise ValueError("按条件的子项须有“扣分”，不写“每件扣分”“扣分上限”")
        if by_count and (self.per_event is None or self.deduction is not None):
            raise ValueError("按件数的子项须有“每件扣分”，不写“扣分”")
        return self


class SubPoints(ItemBase):
    method: Literal["分项扣分"] = Field(alias="计分方式")
    parts: list[SubPoint] = Field(alias="子项", min_length=1, max_length=30)


class Band(Model):
    condition: Text = Field(alias="条件")
    score: Points = Field(alias="得分")


class Banded(ItemBase):
    method: Literal["分档计分"] = Field(alias="计分方式")
    bands: list[Band] = Field(alias="档次", min_length=1, max_length=20)
    otherwise: Points = Field(Decimal(0), alias="其余得分")


class Linear(ItemBase):
    method: Literal["线性计分"] = Field(alias="计分方式")
    indicator: IndicatorName = Field(alias="指标")
    zero_at: Number = Field(alias="零分值")
    full_at: Number = Field(alias="满分值")

    @model_validator(mode="after")
    def _anchors(self) -> "Linear":
        if self.zero_at == self.full_at:
            raise ValueError("“零分值”与“满分值”不能相同")
        return self


class PerRecord(ItemBase):
    method: Literal["逐条扣分"] = Field(alias="计分方式")
    records: IndicatorName = Field(alias="记录")
    condition: Text | None = Field(None, alias="条件")
    per_record: Points = Field(alias="每条扣分", gt=0)
    cap: Points | None = Field(None, alias="扣分上限")


class Discretionary(ItemBase):
    method: Literal["酌情扣分"] = Field(alias="计分方式")


Item = Annotated[
    Union[PerEvent, CountShortfall, RateShortfall, Conditional, SubPoints, Banded, Linear, PerRecord, Discretionary],
    Field(discriminator="method"),
]


class BonusBase(Model):
    id: Annotated[str, Field(pattern=ID_PATTERN)] = Field(alias="编号")
    content: Text = Field(alias="考核内容")
    points: Points = Field(alias="分值", gt=0, description="本项最多加分")
    standard: Text = Field(alias="评分标准")
    applies_to: list[str] | None = Field(None, alias="适用单位")
    source: str | None = Field(None, alias="数据来源")


class ConditionalBonus(BonusBase):
    method: Literal["条件加分"] = Field(alias="计分方式")
    condition: Text = Field(alias="条件")
    bonus: Points | None = Field(None, alias="加分")


class PerEventBonus(BonusBase):
    method: Literal["按件加分"] = Field(alias="计分方式")
    count: IndicatorName = Field(alias="件数")
    per_event: Points = Field(alias="每件加分", gt=0)


Bonus = Annotated[Union[ConditionalBonus, PerEventBonus], Field(discriminator="method")]


class Veto(Model):
    id: Annotated[str, Field(pattern=ID_PATTERN)] = Field(alias="编号")
    event: Text = Field(alias="事项")
    standard: Text = Field(alias="评分标准")
    condition: Text | None = Field(None, alias="条件")
    records: IndicatorName | None = Field(None, alias="记录")
    applies_to: list[str] | None = Field(None, alias="适用单位")
    bad_record: BadRecordSpec | None = Field(None, alias="不良记录")

    @model_validator(mode="after")
    def _has_trigger(self) -> "Veto":
        if self.condition is None and self.records is None:
            raise ValueError("否决项须有“条件”（或“记录”+“条件”）")
        return self


class Category2(Model):
    name: Text = Field(alias="名称")
    items: list[Item] = Field(alias="评分项", min_length=1)


class Category1(Model):
    name: Text = Field(alias="一级指标")
    points: Points | None = Field(None, alias="分值")
    subcategories: list[Category2] = Field(alias="二级指标", min_length=1)


class RulesFile(Model):
    """A whole rules file."""

    schema_: str | None = Field(None, alias="$schema")
    header: RulesetHeader = Field(alias="规则集")
    indicators: dict[IndicatorName, IndicatorSpec] = Field(alias="指标", min_length=1)
    categories: list[Category1] = Field(alias="评分细则", min_length=1)
    bonuses: list[Bonus] = Field(default_factory=list, alias="加分项")
    vetoes: list[Veto] = Field(default_factory=list, alias="否决项")


ScoredItem = Union[
    PerEvent, CountShortfall, RateShortfall, Conditional, SubPoints, Banded, Linear, PerRecord, Discretionary
]
DateValue = dt.date
