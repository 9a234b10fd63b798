"""The rules file (评分细则) as pydantic models: keys are Chinese, as a policy officer writes them."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal, Union

from pydantic import Field, model_validator

from engine.documents.formats import ID_PATTERN
from engine.documents.text import one_line
from engine.result import DEFAULT_TITLE
from engine.ruleset.extraction import ExtractionSpec
from engine.ruleset.methods import BONUS_MODELS, ITEM_MODELS
from engine.ruleset.methods.base import BadRecordSpec
from engine.ruleset.scalars import After, Before, IndicatorName, Line, Model, Name, Note, Number, Points, Text, YesNo

GRADES = ("优秀", "良好", "合格", "不合格")
INDICATOR_TYPES = ("数值", "百分比", "次数", "是否", "日期", "选项", "文本", "记录列表")
NUMERIC_TYPES = ("数值", "百分比", "次数")


# -- header -------------------------------------------------------------------------------


GradeWord = Annotated[str, Field(min_length=1, max_length=20), After(one_line)]
GradeBands = dict[GradeWord, Points]  # grade word → the lowest total that earns it (every word but the last)


class GradeCaps(Model):
    """Caps on the grade, exactly as declared: a cap not written does not apply.

    `有不良记录` applies to any bad record (a 严重 one is a record too); `有严重不良记录` to 严重 ones.
    """

    ordinary: GradeWord | None = Field(
        None, alias="有不良记录", description="有不良记录（含严重）时等次最高为；不写则不限制"
    )
    severe: GradeWord | None = Field(
        None, alias="有严重不良记录", description="有严重不良记录时等次最高为；不写则不限制"
    )


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
    name: Line = Field(alias="名称")
    year: int = Field(alias="考核年度", ge=1990, le=2100)
    total: Points = Field(alias="总分", gt=0)
    bonus_cap: Points = Field(Decimal(0), alias="加分上限")
    unit_types: list[Annotated[str, Field(min_length=1, max_length=40), After(one_line)]] = Field(
        alias="单位类型", min_length=1
    )
    grade_words: list[GradeWord] = Field(
        list(GRADES), alias="等次名称", description="等次，从高到低；最后一个是低于所有分数线的等次；[] 表示不评等次"
    )
    grades: dict[str, GradeBands] = Field(
        default_factory=dict,
        alias="等次",
        description="分数线：默认，及各单位类型单独的（除最后一个等次外每个等次一条）",
    )
    grade_caps: GradeCaps = Field(default_factory=GradeCaps, alias="等次限制")
    veto_result: Text | None = Field(
        None, alias="否决结果", description="触发一票否决的结果：一个等次名称（缺省为最低等次）；不评等次时为一句话"
    )
    sheet_title: Line | None = Field(
        None, alias="评分表标题", description="评分表标题中单位名称之后的部分（缺省：法治政府建设考核评分表）"
    )
    not_applicable: Literal["剔除折算", "按满分计"] = Field("剔除折算", alias="不适用项")
    missing: Literal["待复核", "不得分", "按缺省值"] = Field("待复核", alias="缺项处理")
    issuer: Note | None = Field(None, alias="发布单位")
    note: Note | None = Field(None, alias="说明")
    period: Annotated[Period | None, Before(period_input)] = Field(
        None, alias="适用期间", description="submission 考核年度 range; needed to pick a ruleset from a folder"
    )
    rate_tolerance: Points = Field(Decimal("0.5"), alias="比率容差", description="percentage points")
    small_sample: int | None = Field(None, alias="小样本", ge=1, description="flag rates over fewer cases")
    extends: str | None = Field(None, alias="继承", description="the ruleset this one extends (id or file)")

    @property
    def caps(self) -> tuple[str | None, str | None]:
        """The grade caps for (any, 严重) 不良记录, exactly as written (a cap not written does not apply)."""
        return self.grade_caps.ordinary, self.grade_caps.severe

    @property
    def veto_grade(self) -> str | None:
        """The grade a veto gives (None when the ruleset has no grades)."""
        if not self.grade_words:
            return None
        return self.veto_result or self.grade_words[-1]

    def title(self, year: int, unit: str) -> str:
        return f"{year}年度{unit}{self.sheet_title or DEFAULT_TITLE}"


# -- indicators ---------------------------------------------------------------------------


class _Bounded:
    """The values a numeric indicator or record field may take, for every check and sheet that needs them."""

    # no annotations here: pydantic would take them for fields of the models that mix this in
    @property
    def bounds(self) -> tuple[Decimal | None, Decimal | None]:
        """(lowest, highest) allowed, None where open: the 范围 if given, else 0–100 for a 百分比 and
        at least 0 for a 次数; (None, None) for a type that is not a number."""
        if self.type not in NUMERIC_TYPES:
            return None, None
        if self.range is not None:
            return self.range
        if self.type == "百分比":
            return Decimal(0), Decimal(100)
        if self.type == "次数":
            return Decimal(0), None
        return None, None


class FieldSpec(Model, _Bounded):
    label: Text = Field(alias="标签")
    type: Literal["数值", "百分比", "次数", "是否", "日期", "选项", "文本"] = Field(alias="类型")
    unit: Name | None = Field(None, alias="单位")
    range: tuple[Number, Number] | None = Field(None, alias="范围")
    options: list[Text] | None = Field(None, alias="选项")
    required: YesNo = Field(True, alias="必填")

    @model_validator(mode="after")
    def _consistent(self) -> "FieldSpec":
        _check_type_params(self.type, self.options, self.range)
        return self


def _date_text(value: Any) -> Any:
    # YAML reads 2013-03-01 as a date; a deadline is kept as written and parsed when checked
    return value.isoformat() if isinstance(value, dt.date) else value


class OverdueSpec(Model):
    """Days late, computed by the engine: from the 期限 (a date, or one named by the 考核年度) to 日期."""

    date: IndicatorName = Field(alias="日期", description="the 日期 indicator whose lateness is counted")
    deadline: Annotated[Text, Before(_date_text)] = Field(
        alias="期限", description="2013-03-01, or by the 考核年度: 次年3月1日, 当年12月31日"
    )


class IndicatorSpec(Model, _Bounded):
    label: Text = Field(alias="标签")
    type: Literal["数值", "百分比", "次数", "是否", "日期", "选项", "文本", "记录列表"] = Field(alias="类型")
    unit: Name | None = Field(None, alias="单位")
    range: tuple[Number, Number] | None = Field(None, alias="范围")
    options: list[Text] | None = Field(None, alias="选项")
    required: YesNo = Field(True, alias="必填")
    applies_to: list[Name] | None = Field(None, alias="适用单位")
    default: Any = Field(None, alias="缺省值")
    fields: dict[IndicatorName, FieldSpec] | None = Field(None, alias="字段")
    max_records: int = Field(500, alias="最多条数", ge=1, le=10000)
    note: Note | None = Field(None, alias="说明")
    extraction: ExtractionSpec | None = Field(None, alias="提取", description="如何从年度报告中提取本指标的值")
    statistical: YesNo = Field(False, alias="仅统计", description="只作统计或展示，不计分（不用于任何评分项）")
    numerator: IndicatorName | None = Field(None, alias="分子")
    denominator: IndicatorName | None = Field(None, alias="分母")
    small_sample: int | None = Field(None, alias="小样本", ge=0, description="0: never flag")
    rate_alone: YesNo = Field(
        False, alias="可只报比率", description="a rate with 分子/分母 may be submitted alone (flagged 无法复核)"
    )
    overdue: OverdueSpec | None = Field(
        None, alias="逾期", description="computed: days from 期限 to 日期 (0 on or before the deadline)"
    )

    @model_validator(mode="after")
    def _consistent(self) -> "IndicatorSpec":
        _check_type_params(self.type, self.options, self.range)
        if self.rate_alone and self.denominator is None:
            raise ValueError("“可只报比率”只用于写明了“分子”“分母”的比率")
        if self.overdue is not None and self.type != "次数":
            raise ValueError("“逾期”（由引擎计算的逾期天数）只用于次数型指标")
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


Item = Annotated[Union[ITEM_MODELS], Field(discriminator="method")]  # one model per 计分方式 (methods/)
Bonus = Annotated[Union[BONUS_MODELS], Field(discriminator="method")]


def _no_record(value: Any) -> Any:
    """`不良记录: 否` (or 无): the veto writes none."""
    if value is False or (isinstance(value, str) and value.strip() in ("否", "无", "false", "False", "no")):
        return False
    return value


class Veto(Model):
    id: Annotated[str, Field(pattern=ID_PATTERN)] = Field(alias="编号")
    event: Text = Field(alias="事项")
    standard: Text = Field(alias="评分标准")
    condition: Text | None = Field(None, alias="条件")
    records: IndicatorName | None = Field(None, alias="记录")
    applies_to: list[Name] | None = Field(None, alias="适用单位")
    bad_record: Annotated[BadRecordSpec | Literal[False] | None, Before(_no_record)] = Field(
        None, alias="不良记录", description="the record it writes; 否: none; not written: a 严重 record of its 事项"
    )

    @model_validator(mode="after")
    def _has_trigger(self) -> "Veto":
        if self.condition is None and self.records is None:
            raise ValueError("否决项须有“条件”（或“记录”+“条件”）")
        return self


PREVIOUS_WORDS = "上年总分、上年等次、上年得分[编号]、上年不良记录数、上年未整改不良记录数、有上年结果"
OUTCOME_WORDS = f"总分、等次、不良记录数、得分[编号]、{PREVIOUS_WORDS}、较上年增减"


class Outcome(Model):
    """An 等次后果: decided after the total and the grade (which it may read, with last year's), never changing them."""

    id: Annotated[str, Field(pattern=ID_PATTERN)] = Field(alias="编号")
    event: Text = Field(alias="事项", description="写入结果的事项，如 连续两年考核等次为不合格")
    condition: Text = Field(
        alias="条件",
        description=f"只读本年和上年的结果：{OUTCOME_WORDS}；没有上年结果时，读上年的比较不成立",
    )
    consequence: Text = Field(alias="后果", description="条件成立时的后果，如 通报批评；不改变本年的总分和等次")


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
    outcomes: list[Outcome] = Field(
        default_factory=list,
        alias="等次后果",
        description="评定等次之后判断的后果：条件可读本年的总分、等次和上年结果，不影响本年的总分和等次",
    )
