"""JSON Schema for rules files and submissions, with Chinese titles and descriptions.

The schemas are generated from the pydantic models; the Chinese words come from one table keyed
by the key a person types (the alias), so an editor (VS Code with the YAML extension) shows the
same words policy staff read in the README. `assess schema submission --rules X` also types
every indicator of that ruleset (ranges, options, record fields).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from engine.intake.submission import Header
from engine.ruleset.methods import METHODS
from engine.ruleset.model import Outcome, RulesFile
from engine.ruleset.ruleset import Ruleset

RULES_SCHEMA_ID = "https://fazhi-assess.invalid/schema/rules.schema.json"
SUBMISSION_SCHEMA_ID = "https://fazhi-assess.invalid/schema/submission.schema.json"

WORDS: dict[str, str] = {
    "规则集": "规则集的基本信息：编号、名称、年度、总分、单位类型、等次线等",
    "编号": "编号：字母、数字、- . _ 或汉字，在本文件内唯一",
    "名称": "名称",
    "考核年度": "考核年度",
    "总分": "总分：全部评分项分值之和须等于此数",
    "加分上限": "加分项合计的上限",
    "单位类型": "被考核单位的类型，如 区直部门、镇街",
    "等次": "等次分数线：“默认”及各单位类型各自的 优秀/良好/合格 最低分",
    "优秀": "评为优秀的最低分",
    "良好": "评为良好的最低分",
    "合格": "评为合格的最低分；低于此分为不合格",
    "等次限制": "有不良记录时等次的上限",
    "有不良记录": "有（一般）不良记录时最高可评的等次",
    "有严重不良记录": "有严重不良记录时最高可评的等次",
    "不适用项": "不适用于某类单位的评分项：剔除折算（剔除后按总分折算）或 按满分计",
    "缺项处理": "选填指标未填报时：待复核、不得分 或 按缺省值",
    "发布单位": "发布评分细则的单位",
    "说明": "说明",
    "指标": "单位申报的指标：指标名 → 类型、单位、范围等",
    "标签": "指标或字段的中文全称",
    "类型": "数值、百分比（0–100）、次数（整数）、是否、日期、选项、文本、记录列表",
    "单位": "计量单位，如 件、次、%",
    "范围": "取值范围 [最小值, 最大值]",
    "选项": "选项型指标的可选值",
    "必填": "是否必须填报",
    "适用单位": "只适用于这些单位类型；不写则适用于全部",
    "缺省值": "选填指标未填报时使用的值",
    "字段": "记录列表中每条记录的字段",
    "最多条数": "记录列表最多允许的条数",
    "仅统计": "只作统计或展示，不计分",
    "提取": "从年度报告中提取本指标的值：关键词、模式、排除等（见 README）",
    "评分细则": "评分项，按 一级指标 → 二级指标 → 评分项 分组",
    "一级指标": "一级指标名称",
    "二级指标": "二级指标",
    "评分项": "评分项",
    "考核内容": "考核内容",
    "分值": "分值（本项满分；加分项为本项最多加分）",
    "评分标准": "评分标准：公布给单位的原文",
    "计分方式": "、".join(m.name for m in METHODS.values() if not m.bonus)
    + "；加分项："
    + "、".join(m.name for m in METHODS.values() if m.bonus),
    "件数": "计件的指标（次数型）",
    "每件扣分": "每件扣多少分",
    "扣分上限": "本项（或子项）最多扣多少分；不写则以分值为限",
    "目标": "目标值：低于目标时扣分",
    "每少一次扣分": "比目标每少一次扣多少分",
    "每低一个百分点扣分": "比目标每低1个百分点扣多少分",
    "不足一个百分点": "不足1个百分点的部分：按实际、按一个百分点计、不计",
    "条件": "条件表达式，如 备案率 < 100 且 应诉案件数 > 0；也可读上年结果（上年总分、上年等次、上年未整改不良记录数等）",
    "扣分": "扣多少分",
    "子项": "分项扣分的各个子项，扣分相加，以本项分值为限",
    "档次": "分档计分的各档：第一个条件成立的档次给分",
    "得分": "得多少分",
    "其余得分": "没有任何档次成立时的得分",
    "零分值": "线性计分：此值得0分",
    "满分值": "线性计分：此值得满分（零分值大于满分值表示越低越好）",
    "记录": "逐条扣分或否决所针对的记录列表",
    "每条扣分": "每条符合条件的记录扣多少分",
    "不良记录": "本项扣分时写入的不良记录",
    "事项": "不良记录或否决事项的文字，可用 {指标名} 或 {字段名} 插入申报值",
    "严重程度": "一般 或 严重",
    "后果": "不良记录的后果，如 不得评为优秀",
    "不适用时": "本项不适用时的处理，覆盖规则集的“不适用项”",
    "数据来源": "数据来源",
    "加分项": "加分项，合计不超过加分上限",
    "加分": "加多少分",
    "每件加分": "每件加多少分",
    "否决项": "一票否决事项：成立时等次为不合格",
    "单位名称": "被考核单位的全称",
    "单位编码": "单位的固定编码（如统一社会信用代码），历年不变；单位更名时据此对应上年结果",
    "上年不良记录整改": "上年的每条不良记录是否已整改完成（评分项编号、序号、整改完成、说明）；未列出的按未整改计",
    "整改完成": "是：该条不良记录已整改完成；否：仍未整改",
    "等次后果": "评定等次之后才判断的后果（如连续两年不合格），不影响总分和等次",
    "数据说明": "各指标数据的出处或假设说明",
    "复核": "考核组的复核决定：评分项、扣分或得分、理由、复核人",
    "理由": "复核理由",
    "复核人": "复核人",
    "自评分": "单位对各评分项的自评得分（评分项编号 → 分数）",
    "$schema": "JSON Schema 地址（编辑器用）",
    "分子": "比率的分子指标（次数或数值型）；引擎按 分子÷分母×100 重新计算比率",
    "分母": "比率的分母指标；分母为0时比率不适用",
    "可只报比率": "是：比率可以不报分子分母，只报比率（评分表标注“未提供分子分母，无法复核”）",
    "逾期": "由引擎计算的逾期天数：{日期: 日期型指标, 期限: 2013-03-01 或 次年3月1日}；期限当天及以前为0",
    "期限": "报送期限：固定日期，或按考核年度写（当年12月31日、次年3月1日）",
    "复核日期": "作出复核决定的日期",
    "小样本": "分母小于此数时标注“样本量小”（0 表示不标注）",
    "比率容差": "申报的比率与按分子分母计算的比率相差超过此数（百分点）即为错误",
    "适用期间": "本规则集适用的考核年度：一个年份，或 {起, 止}",
    "起": "起始年度",
    "止": "终止年度（不写表示至今）",
    "继承": "继承的规则集：同一文件夹中的规则集编号，或相对路径",
    "删除指标": "不再使用的继承指标",
    "修改": "修改继承的评分项：编号 → 要改的键及新值（~ 表示删除该键）",
    "删除": "删除的继承评分项编号",
    "新增评分项": "新增的评分项，注明所属一级指标和二级指标",
    "新增加分项": "新增的加分项",
    "新增否决项": "新增的否决项",
    "一级指标分值": "修改一级指标的分值（一级指标名称 → 分值）",
}


def _annotate(node: Any) -> None:
    """Add Chinese titles/descriptions to every property named in WORDS, recursively."""
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            for key, sub in props.items():
                if key in WORDS and isinstance(sub, dict):
                    sub.setdefault("title", key)
                    sub["description"] = WORDS[key]
        for value in node.values():
            _annotate(value)
    elif isinstance(node, list):
        for value in node:
            _annotate(value)


_YES_NO_KEYS = {"必填", "仅统计", "合计"}


def _match_validators(node: Any) -> None:
    """Make the schema say what the validators accept.

    Decimal fields appear as number-or-string; the validators refuse quoted numbers. Yes/no keys
    appear as boolean; the validators also take 是/否. Model docstrings (English, for developers)
    are not shown to users.
    """
    if isinstance(node, dict):
        any_of = node.get("anyOf")
        if isinstance(any_of, list):
            kinds = [a.get("type") for a in any_of if isinstance(a, dict)]
            if "number" in kinds and "string" in kinds and "null" not in kinds:
                del node["anyOf"]
                node["type"] = "number"
        props = node.get("properties")
        if isinstance(props, dict):
            patterns = props.get("模式")
            if isinstance(patterns, dict) and "items" in patterns:  # 提取.模式: a phrase, or a phrase with 值/等于
                patterns["items"] = {"anyOf": [{"type": "string", "minLength": 1}, patterns["items"]]}
            for key in _YES_NO_KEYS & set(props):
                props[key] = {
                    **{k: v for k, v in props[key].items() if k != "type"},
                    "anyOf": [{"type": "boolean"}, {"enum": ["是", "否"]}],
                }
        if "description" in node and isinstance(node.get("description"), str) and node["description"].isascii():
            del node["description"]
        for value in node.values():
            _match_validators(value)
    elif isinstance(node, list):
        for value in node:
            _match_validators(value)


def rules_schema() -> dict[str, Any]:
    """A whole rules file, or a file that extends another (继承: only what it changes)."""
    from pydantic import TypeAdapter

    from engine.ruleset.inheritance import ChildFile

    schema = TypeAdapter(RulesFile | ChildFile).json_schema(by_alias=True, mode="validation")
    _match_validators(schema)
    _annotate(schema)
    # 等次后果's 事项/条件/后果 mean other things than an item's: its own words
    outcome = schema.get("$defs", {}).get("Outcome", {}).get("properties", {})
    for field in Outcome.model_fields.values():
        if field.alias in outcome and field.description:
            outcome[field.alias]["description"] = field.description
    schema["title"] = "评分细则（规则文件）"
    schema["description"] = "法治政府建设考核评分细则：规则集、指标、评分项、加分项、否决项；或继承另一规则集后的修改。"
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": RULES_SCHEMA_ID, **schema}


def submission_schema(ruleset: Ruleset | None = None) -> dict[str, Any]:
    schema = Header.model_json_schema(by_alias=True, mode="validation")
    if ruleset is not None:
        schema["properties"]["指标"] = _indicators_schema(ruleset)
        schema["properties"]["单位类型"] = {"enum": list(ruleset.header.unit_types)}
        schema["title"] = f"申报数据（{ruleset.header.name}）"
    else:
        schema["title"] = "申报数据"
    _match_validators(schema)
    _annotate(schema)
    schema["description"] = "单位的申报数据：单位名称、单位类型、考核年度、各指标的值及其说明。"
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SUBMISSION_SCHEMA_ID, **schema}


def _num(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _value_schema(spec) -> dict[str, Any]:
    lo, hi = spec.bounds
    out: dict[str, Any]
    if spec.type in ("数值", "百分比"):
        out = {"type": "number"}
    elif spec.type == "次数":
        out = {"type": "integer"}
    elif spec.type == "是否":
        out = {"type": "boolean"}
    elif spec.type == "日期":
        out = {"type": "string", "format": "date"}
    elif spec.type == "选项":
        out = {"enum": list(spec.options or ())}
    else:
        out = {"type": "string", "maxLength": 2000}
    if lo is not None:
        out["minimum"] = _num(lo)
    if hi is not None:
        out["maximum"] = _num(hi)
    out["title"] = spec.label
    if getattr(spec, "unit", None):
        out["description"] = f"{spec.label}（单位：{spec.unit}）"
    return out


def _indicators_schema(ruleset: Ruleset) -> dict[str, Any]:
    props: dict[str, Any] = {}
    required = []
    for name, spec in ruleset.indicators.items():
        if spec.type == "记录列表":
            fields = spec.fields or {}
            props[name] = {
                "type": "array",
                "title": spec.label,
                "maxItems": spec.max_records,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {f: _value_schema(fs) for f, fs in fields.items()},
                    "required": [f for f, fs in fields.items() if fs.required],
                },
            }
        else:
            props[name] = _value_schema(spec)
        # a rate with its counts may be left out; days late (逾期) are counted by the engine
        computed = (spec.numerator and spec.denominator) or spec.overdue is not None
        if spec.required and spec.applies_to is None and not computed:
            required.append(name)
    return {"type": "object", "title": "指标", "additionalProperties": False, "properties": props, "required": required}


def dump(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
