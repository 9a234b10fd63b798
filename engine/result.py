"""The assessment result: everything a renderer (xlsx, JSON, terminal) needs, nothing more."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["扣分", "满分", "不适用", "待复核"]
DEFAULT_TITLE = "法治政府建设考核评分表"  # what follows the year and unit in a scoresheet's title


class Frozen(BaseModel):
    # validators are built when first used: a one-file run makes its results with `made`/`built`
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


M = TypeVar("M", bound=Frozen)
CHECK_SHORTCUTS = False  # the tests set it: each shortcut (made, quiet items) is checked against the long way
_set = object.__setattr__
_new = object.__new__  # no model here has a __new__ of its own
# BaseModel's slots, set through their descriptors (cheaper than object.__setattr__ by name)
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


def made(
    cls: type[M],
    fields: dict[str, Any],
    given: set[str],
    _new: Any = _new,
    _set: Any = _set,
    _set_fields_set: Any = _set_fields_set,
    _set_extra: Any = _set_extra,
    _set_private: Any = _set_private,
) -> M:
    """A result model from values the engine computed itself, already of the declared types, without
    validating them again (for the many items and lines of every assessment, validating was most of
    their cost). `fields` holds every field in the declared order (defaults filled); `given` names
    those a validating call would be passed (the model's fields set), a set every model made with
    it shares: a frozen model never changes its own, and model_copy copies it first. The same object
    validation gives, but for values no one changes afterwards: lists are not copied. (The helpers
    are bound as defaults: local lookups, for the ~200 models of an assessment.)"""
    model = _new(cls)
    _set(model, "__dict__", fields)
    _set_fields_set(model, given)
    _set_extra(model, None)
    _set_private(model, None)
    if CHECK_SHORTCUTS:
        _same(model, cls(**{name: fields[name] for name in given}))
    return model


_IMMUTABLE = (str, int, bool, type(None), Decimal)


def built(cls: type[M], **given: Any) -> M:
    """`made` for keyword arguments, the declared defaults filling the rest; a run that builds its
    results this way never builds their validators (a tenth of a one-file run)."""
    key = (cls, *given)
    plan = _BUILT.get(key)
    if plan is None:
        plan = _BUILT[key] = _built_plan(cls, given.keys())
    template, factories, fields_set = plan
    fields = template.copy()  # the declared order, the given values in their places
    fields.update(given)
    for name, info in factories:
        fields[name] = info.get_default(call_default_factory=True)
    return made(cls, fields, fields_set)


_BUILT: dict[tuple, tuple[dict[str, Any], list[tuple[str, Any]], set[str]]] = {}


def _built_plan(cls: type[Frozen], given: Iterable[str]) -> tuple[dict[str, Any], list[tuple[str, Any]], set[str]]:
    """For `built` with these field names (worked out once per model and set of names): every field
    in the declared order with its default where it may be shared (an immutable value), the fields
    not given whose default is made afresh each time (their FieldInfo), and the fields set the
    models share."""
    given = set(given)
    fields = cls.__pydantic_fields__
    unknown = given - fields.keys()
    if unknown:
        raise TypeError(f"{cls.__name__}: unknown fields {sorted(unknown)}")
    shared = {name: info.default_factory is None and type(info.default) in _IMMUTABLE for name, info in fields.items()}
    template = {name: info.default if shared[name] else None for name, info in fields.items()}
    factories = [(name, info) for name, info in fields.items() if not shared[name] and name not in given]
    return template, factories, given


def _same(model: Frozen, checked: Frozen) -> None:
    """`model` is what validation made of the same values: equal, with values of the same types,
    the same fields set and the same JSON."""
    mine, theirs = model.__dict__, checked.__dict__
    kinds = [type(v) for v in mine.values()] == [type(v) for v in theirs.values()]
    if not (kinds and mine == theirs and list(mine) == list(theirs)):
        raise AssertionError(f"made {type(model).__name__} differs from a validated one: {mine} != {theirs}")
    # JSON-mode dumps, not JSON text: a file name with an undecodable byte (a lone surrogate) is
    # shown repaired by the renderers, but cannot be encoded as JSON text
    if model.model_fields_set != checked.model_fields_set or model.model_dump(mode="json") != checked.model_dump(
        mode="json"
    ):
        raise AssertionError(f"made {type(model).__name__} differs from a validated one: {mine}")


class ReviewNote(Frozen):
    """An assessor's decision (复核) and what the engine had computed before it."""

    reason: str
    reviewer: str
    date: str = Field("", description="复核日期 (YYYY-MM-DD) as the review file gives it")
    source: str = Field(description="the name of the file the decision came from (the review file)")
    sha256: str = Field("", description="sha256 of that file")
    computed_deduction: Decimal | None = Field(description="the engine's deduction; None where it cannot compute one")


class Responsible(Frozen):
    """A plan task behind an item, from the unit's 分工表: who leads it, who supports it."""

    task: str = Field(description="任务编号 in the plan, e.g. 二(三)1")
    name: str = Field(description="任务名称")
    leads: list[str] = Field(description="牵头单位")
    partners: list[str] = Field(default_factory=list, description="配合单位")
    source: str = Field("", description="出处: the plan file and line")


class ItemResult(Frozen):
    """One scored item (评分项) of the scoresheet."""

    seq: int = Field(description="序号, 1-based over scored items")
    rule_id: str
    category1: str = Field(description="一级指标")
    category2: str = Field(description="二级指标")
    content: str = Field(description="考核内容")
    standard: str = Field(description="评分标准")
    method: str = Field(description="计分方式")
    max_points: Decimal = Field(description="分值")
    deduction: Decimal = Field(description="扣分, 0 when not applicable or pending")
    score: Decimal = Field(description="得分 = 分值 - 扣分; for 不适用 under 剔除折算 it is 0 and excluded")
    status: Status
    counted: bool = Field(description="whether the item counts towards the total (False: excluded 不适用)")
    reasons: list[str] = Field(default_factory=list, description="扣分说明, in words with the values used")
    values: str = Field("", description="申报值 as shown on the sheet, e.g. '备案率=96%'")
    fired: list[str] = Field(default_factory=list, description="durable_rules rule ids that fired")
    reviewed: bool = Field(False, description="an assessor's decision replaced the computed deduction")
    review: ReviewNote | None = Field(None, description="the 复核 decision applied, if any")
    self_score: Decimal | None = Field(None, description="自评分 the unit gave itself")
    flags: list[str] = Field(
        default_factory=list, description="data warnings that do not change the score, e.g. 出庭应诉率样本量小（4件）"
    )
    open_points: Decimal = Field(
        Decimal("0.00"),
        description="待复核: the most a review may still deduct (the whole 分值 of an item not computed at all)",
    )
    responsible: list[Responsible] = Field(
        default_factory=list, description="the plan tasks behind the item and their units (with a 分工表)"
    )


class BonusResult(Frozen):
    seq: int
    rule_id: str
    content: str
    standard: str
    max_points: Decimal
    bonus: Decimal
    reasons: list[str] = Field(default_factory=list)
    values: str = ""
    applicable: bool = True


class CategoryTotal(Frozen):
    name: str = Field(description="一级指标")
    max_points: Decimal = Field(description="applicable 分值 of the category")
    deduction: Decimal
    score: Decimal


class BadRecord(Frozen):
    seq: int
    rule_id: str
    event: str = Field(description="事项")
    basis: str = Field(description="依据: rule id + 评分标准")
    deduction: Decimal
    severity: Literal["一般", "严重"]
    consequence: str
    note: str = Field("", description="说明")


class VetoResult(Frozen):
    rule_id: str
    event: str
    standard: str
    detail: str


class Grade(Frozen):
    grade: str | None = Field(description="the ruleset's own word (优秀/良好/合格/不合格 by default); None: no grades")
    band_grade: str | None = Field(description="grade by score alone")
    reasons: list[str] = Field(description="why: the band, then any cap or veto")
    bands: dict[str, Decimal] = Field(description="the thresholds applied (unit type's bands), best first")
    provisional: bool = Field(False, description="暂定: a review could still change the grade")
    possible: list[str] = Field(
        default_factory=list, description="with items 待复核: the grades the final result can take, best first"
    )
    cap: str | None = Field(
        None, description="the best grade 不良记录 and 一票否决 allow (a veto's grade is the grade); None: no limit"
    )


class OpenTotals(Frozen):
    """With items 待复核: what is settled, what is open, and the range the final total can take."""

    settled_score: Decimal = Field(description="已定得分: Σ得分 with every open point deducted (before 折算)")
    settled_points: Decimal = Field(description="已定分值: 适用分值 − 待复核分值")
    open_points: Decimal = Field(description="待复核分值: the most reviews may still deduct (before 折算)")
    total_min: Decimal = Field(description="最终总分的下限: every open point deducted")
    total_max: Decimal = Field(description="最终总分的上限: nothing more deducted (= total)")
    summary: str = Field(description="e.g. 已定 22.00 / 32；待复核 8 分；最终 22.00–30.00")


class SubmittedValue(Frozen):
    name: str
    label: str
    unit: str = ""
    type: str
    value: str = Field(description="as displayed; records are summarised as 'N 条'")
    note: str = Field("", description="数据说明 given with the submission (source or assumption)")
    missing: bool = Field(False, description="a real gap: applies to the unit, is scored, and was not given")
    use: Literal["", "不适用", "仅统计"] = Field(
        "", description="不适用: not for this unit type; 仅统计: shown, never scored; empty: scored"
    )


class Remedy(Frozen):
    """One entry of the 整改清单: a deduction or veto made whole and the assessment re-scored."""

    rule_id: str
    content: str = Field(description="考核内容 of the item, or the veto's 事项")
    problem: str = Field(description="what was found: the item's 扣分说明 or the veto's detail")
    deduction: Decimal = Field(description="扣分 of the item (0 for a veto)")
    gain: Decimal = Field(description="总分 after the fix − 总分 now (after 折算 and the bonus cap)")
    total: Decimal = Field(description="总分 after the fix")
    grade: str | None = Field(description="等次 after the fix (None: the ruleset grades nothing)")
    provisional: bool = Field(False, description="that 等次 is still 暂定 (items 待复核)")


class RecordRow(Frozen):
    list_name: str
    index: int = Field(description="1-based position in the submitted list")
    values: dict[str, str]


class Audit(Frozen):
    rules_file: str
    rules_sha256: str
    submission_file: str
    submission_sha256: str
    engine_version: str
    assessed_at: str = Field(description="ISO 8601 time of the assessment")
    overrides_file: str = ""
    overrides_sha256: str = ""
    overrides_applied: list[str] = Field(default_factory=list, description="item ids decided by the overrides file")
    overrides_decisions: list[str] = Field(
        default_factory=list,
        description="each decision applied, with who and when: 'XF-05（区司法局 张三，2013-04-10）'",
    )
    responsibility_file: str = Field("", description="the 分工表 the responsible units come from (file name)")
    responsibility_sha256: str = Field("", description="sha256 of that 分工表")


class PreviousRecord(Frozen):
    """One 不良记录 of the year before, as its result lists it."""

    seq: int
    rule_id: str
    event: str = Field(description="事项")
    severity: str = Field("一般", description="严重程度")


class FollowUp(Frozen):
    """A 不良记录 of the year before and its 整改 as this year's submission reports it (上年不良记录整改)."""

    seq: int = Field(description="its 序号 in the year before's result")
    rule_id: str
    event: str
    corrected: bool = Field(description="整改完成 as reported; a record not reported is open")
    note: str = Field("", description="说明 reported with it")

    @property
    def state(self) -> str:
        return "已整改" if self.corrected else "未整改"


class PreviousResult(Frozen):
    """The unit's result of the year before (`--history`), as the trend columns and 等次后果 read it."""

    year: int = Field(description="上年的考核年度")
    unit: str = Field(description="上年的单位名称 (differs from this year's when the unit was renamed)")
    unit_id: str = Field("", description="单位编码 of that result")
    total: Decimal = Field(description="上年总分")
    grade: str | None = Field(description="上年等次 (None: that ruleset graded nothing)")
    item_scores: dict[str, Decimal] = Field(default_factory=dict, description="上年得分 of each counted item, by id")
    bad_records: int = Field(0, description="上年不良记录数")
    records: list[PreviousRecord] | None = Field(
        None, description="the 不良记录 themselves; None: the source lists only their number (a scoresheet)"
    )
    source: str = Field(description="the history file it was read from")

    def change(self, total: Decimal) -> Decimal:
        """This year's total − last year's (变化, 较上年)."""
        return total - self.total


class Consequence(Frozen):
    """An 等次后果 that held: decided after the total and grade, never changing them."""

    rule_id: str
    event: str = Field(description="事项")
    consequence: str = Field(description="后果")
    reason: str = Field(description="the condition with the values it was decided on")

    @property
    def text(self) -> str:
        return f"{self.rule_id} {self.event}：{self.consequence}（{self.reason}）"


class AssessmentResult(Frozen):
    unit: str
    unit_id: str = Field("", description="单位编码: the stable id that links a unit's results across years")
    unit_type: str
    year: int
    ruleset_id: str
    ruleset_name: str
    title: str = Field("", description="the scoresheet's title, e.g. 2012年度花山区人民政府法治政府建设考核评分表")
    grade_words: list[str] = Field(
        default_factory=list, description="the ruleset's grades, best first (empty: it grades nothing)"
    )
    total_points: Decimal = Field(description="规则集总分")
    items: list[ItemResult]
    categories: list[CategoryTotal]
    base_score: Decimal = Field(description="得分合计 of counted items, before rescaling")
    applicable_points: Decimal = Field(description="分值合计 of counted items")
    scaled_score: Decimal = Field(description="base score rescaled to total_points (剔除折算)")
    bonuses: list[BonusResult]
    bonus_cap: Decimal
    bonus_total: Decimal
    total: Decimal = Field(description="scaled_score + bonus_total")
    score_rate: Decimal = Field(description="得分率 % = scaled_score / total_points × 100")
    grade: Grade
    bad_records: list[BadRecord]
    vetoes: list[VetoResult]
    pending: list[str] = Field(description="rule ids still 待复核")
    open_totals: OpenTotals | None = Field(None, description="with items 待复核: settled total, open points, range")
    submitted: list[SubmittedValue]
    records: list[RecordRow]
    audit: Audit
    notices: list[str] = Field(
        default_factory=list, description="things the reader should know, e.g. the year is outside the ruleset's period"
    )
    ruleset_extends: list[str] = Field(
        default_factory=list, description="ids of the rulesets this one extends (继承), nearest first"
    )
    remedies: list[Remedy] = Field(
        default_factory=list,
        description="整改清单: each deduction and veto fixed on its own and re-scored, the best outcome first",
    )
    previous: PreviousResult | None = Field(None, description="the year before's result (`--history`); None: none")
    consequences: list[Consequence] = Field(
        default_factory=list, description="等次后果 that held (e.g. 连续两年不合格), decided after the grade"
    )
    follow_ups: list[FollowUp] = Field(
        default_factory=list,
        description="上年不良记录整改: each of the year before's 不良记录, corrected or still open",
    )

    @property
    def change(self) -> Decimal | None:
        """总分 − 上年总分 (None without a previous result)."""
        return None if self.previous is None else self.previous.change(self.total)

    @property
    def versus_previous(self) -> str:
        """较上年 +2.35（2012年度：总分98.79，等次优秀）; empty without a previous result."""
        p = self.previous
        if p is None:
            return ""
        renamed = f"，单位名称为{p.unit}" if p.unit != self.unit else ""
        grade = f"，等次{p.grade}" if p.grade else ""
        return f"较上年 {self.change:+.2f}（{p.year}年度：总分{p.total:.2f}{grade}{renamed}）"

    responsibility_map: str = Field("", description="the 分工表 the items' responsible units come from")
    partner_share: Decimal = Field(
        Decimal(0), description="its 配合扣分比例: the share of a task's loss a partner bears"
    )

    @property
    def heading(self) -> str:
        """The scoresheet's title: the ruleset's (评分表标题), else the default."""
        return self.title or f"{self.year}年度{self.unit}{DEFAULT_TITLE}"
