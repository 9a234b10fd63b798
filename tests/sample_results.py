"""Hand-built AssessmentResult fixtures for the scoresheet tests (no engine run needed).

`sample_result()` (numbers worked out by hand, checked by `assert`s in `_assemble`):
  一、依法全面履行政府职能  分值 10+15(+5 不适用，剔除)  扣分 2     得分 8+15      小计 25 / 2 / 23
  二、依法行政制度体系      分值 12+10+8                 扣分 2+0+1.5 得分 10+10+6.5 小计 30 / 3.5 / 26.5
  三、严格规范公正文明执法  分值 25+15                   扣分 0.75+5  得分 24.25+10  小计 40 / 5.75 / 34.25
  基础得分 83.75，适用分值 95，折算得分 ROUND(83.75×100÷95, 2) = 88.16，加分 1.5（上限 3），总分 89.66。
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from engine.result import (
    AssessmentResult,
    Audit,
    BadRecord,
    BonusResult,
    CategoryTotal,
    Grade,
    ItemResult,
    RecordRow,
    SubmittedValue,
)

D = Decimal
CENT = D("0.01")
BANDS = {"优秀": D(90), "良好": D(80), "合格": D(60)}

CAT1 = "依法全面履行政府职能"
CAT2 = "依法行政制度体系"
CAT3 = "严格规范公正文明执法"


def _item(seq, rule_id, cat1, cat2, content, standard, method, max_points, deduction, status="扣分", **kw):
    counted = kw.pop("counted", True)
    max_points, deduction = D(max_points), D(deduction)
    score = max_points - deduction if counted else D(0)
    return ItemResult(
        seq=seq,
        rule_id=rule_id,
        category1=cat1,
        category2=cat2,
        content=content,
        standard=standard,
        method=method,
        max_points=max_points,
        deduction=deduction,
        score=score,
        status=status,
        counted=counted,
        **kw,
    )


def sample_items() -> list[ItemResult]:
    return [
        _item(
            1,
            "A1-1",
            CAT1,
            "权责清单",
            "全面实行政府权责清单制度，并根据法律法规立改废释情况动态调整",
            "未按规定动态调整权责清单的，扣2分；权责清单未向社会公开的，扣3分",
            "分项扣分",
            10,
            2,
            reasons=["权责清单年度调整次数=0，未按规定动态调整，扣2分"],
            values="调整次数=0；是否公开=是",
        ),
        _item(
            2,
            "A1-2",
            CAT1,
            "“放管服”改革",
            "深化行政审批制度改革，政务服务事项“一网通办”",
            "网上可办率每低于目标1个百分点扣0.5分，最多扣15分",
            "比率不足扣分",
            15,
            0,
            status="满分",
            values="网上可办率=100%",
        ),
        _item(
            3,
            "A1-3",
            CAT1,
            "优化营商环境",
            "落实优化营商环境条例，开展营商环境评价整改",
            "未按期完成整改的，每项扣1分",
            "按件扣分",
            5,
            0,
            status="不适用",
            counted=False,
            reasons=["本单位不承担营商环境评价整改任务"],
        ),
        _item(
            4,
            "B2-1",
            CAT2,
            "规范性文件管理",
            "规范性文件按规定报送备案",
            "报送备案率低于100%的，每低1个百分点扣0.5分，最多扣12分",
            "比率不足扣分",
            12,
            2,
            reasons=["规范性文件报送备案率=96%，低于目标100%共4个百分点，每个百分点扣0.5分，扣2分"],
            values="报送备案率=96%",
        ),
        _item(
            5,
            "B2-2",
            CAT2,
            "合法性审核",
            "重大行政决策、行政规范性文件全部经过合法性审核",
            "合法性审核率未达100%的，酌情扣分，最多扣10分",
            "酌情扣分",
            10,
            0,
            status="待复核",
            reasons=["未填报“合法性审核率”，需人工核实"],
            values="合法性审核率=未填报",
        ),
        _item(
            6,
            "B2-3",
            CAT2,
            "公平竞争审查",
            "涉及市场主体经济活动的文件出台前开展公平竞争审查",
            "每有1件文件未经公平竞争审查扣1.5分，最多扣8分",
            "逐条扣分",
            8,
            D("1.5"),
            reasons=["公平竞争审查记录2条中有1条未经审查（《关于支持民营企业发展的若干措施》），每条扣1.5分，扣1.5分"],
            values="公平竞争审查记录=2 条",
        ),
        _item(
            7,
            "C3-1",
            CAT3,
            "行政执法公示",
            "行政执法信息在执法决定作出之日起7个工作日内公示",
            "公示不及时的，每次扣0.25分，最多扣5分",
            "按件扣分",
            25,
            D("0.75"),
            reasons=["公示不及时次数=3，每次扣0.25分，扣0.75分"],
            values="公示不及时次数=3",
        ),
        _item(
            8,
            "C3-2",
            CAT3,
            "行政复议与应诉",
            "行政行为被行政复议机关纠错率控制在合理范围",
            "被纠错的，每件扣1分，最多扣5分",
            "按件扣分",
            15,
            5,
            reasons=["被纠错件数=6，每件扣1分，6分超过扣分上限，按上限扣5分"],
            values="被纠错件数=6",
            reviewed=True,
        ),
    ]


def sample_bonuses() -> list[BonusResult]:
    return [
        BonusResult(
            seq=1,
            rule_id="J-1",
            content="获评省级法治政府建设示范地区（项目）",
            standard="获评示范项目的加1.5分",
            max_points=D("1.5"),
            bonus=D("1.5"),
            reasons=["获评省级示范项目=是，加1.5分"],
            values="获评省级示范项目=是",
        )
    ]


def sample_bad_records() -> list[BadRecord]:
    return [
        BadRecord(
            seq=1,
            rule_id="C3-2",
            event="行政行为被行政复议纠错6件",
            basis="C3-2：被纠错的，每件扣1分，最多扣5分",
            deduction=D(5),
            severity="一般",
            consequence="等次最高为良好",
            note="数据来源：市行政复议局统计台账",
        ),
        BadRecord(
            seq=2,
            rule_id="B2-3",
            event="《关于支持民营企业发展的若干措施》出台前未经公平竞争审查",
            basis="B2-3：每有1件文件未经公平竞争审查扣1.5分，最多扣8分",
            deduction=D("1.5"),
            severity="严重",
            consequence="等次最高为合格",
            note="公平竞争审查记录第2条",
        ),
    ]


def sample_submitted() -> list[SubmittedValue]:
    return [
        SubmittedValue(name="权责清单调整次数", label="权责清单年度动态调整次数", unit="次", type="次数", value="0"),
        SubmittedValue(name="权责清单公开", label="权责清单是否向社会公开", type="是否", value="是"),
        SubmittedValue(name="网上可办率", label="政务服务事项网上可办率", unit="%", type="百分比", value="100"),
        SubmittedValue(
            name="备案率", label="规范性文件报送备案率", unit="%", type="百分比", value="96", note="报送25件，备案24件"
        ),
        SubmittedValue(name="合法性审核率", label="合法性审核率", unit="%", type="百分比", value="", missing=True),
        SubmittedValue(name="公平竞争审查记录", label="公平竞争审查记录", type="记录列表", value="2 条"),
        SubmittedValue(name="公示不及时次数", label="行政执法公示不及时次数", unit="次", type="次数", value="3"),
        SubmittedValue(
            name="被纠错件数",
            label="行政复议被纠错件数",
            unit="件",
            type="次数",
            value="6",
            note="数据来源：市行政复议局统计台账",
        ),
        SubmittedValue(name="获评省级示范项目", label="是否获评省级法治政府建设示范项目", type="是否", value="是"),
    ]


def sample_records() -> list[RecordRow]:
    return [
        RecordRow(
            list_name="公平竞争审查记录",
            index=1,
            values={"文件名称": "关于进一步规范招投标活动的通知", "印发日期": "2025-03-12", "是否审查": "是"},
        ),
        RecordRow(
            list_name="公平竞争审查记录",
            index=2,
            values={"文件名称": "关于支持民营企业发展的若干措施", "印发日期": "2025-08-30", "是否审查": "否"},
        ),
    ]


def _assemble(
    items,
    bonuses,
    bad_records,
    submitted,
    records,
    *,
    grade,
    grade_reasons,
    bonus_cap=D(3),
    total_points=D(100),
    unit="某市司法局",
) -> AssessmentResult:
    """Derive every total from the items the way the scoresheet formulas do."""
    groups: dict[str, list[ItemResult]] = {}
    for it in items:
        groups.setdefault(it.category1, []).append(it)
    categories = [
        CategoryTotal(
            name=name,
            max_points=sum((i.max_points for i in its if i.counted), D(0)),
            deduction=sum((i.deduction for i in its if i.counted), D(0)),
            score=sum((i.score for i in its if i.counted), D(0)),
        )
        for name, its in groups.items()
    ]
    base = sum((c.score for c in categories), D(0))
    applicable = sum((c.max_points for c in categories), D(0))
    scaled = (base * total_points / applicable).quantize(CENT, ROUND_HALF_UP)
    bonus_total = min(bonus_cap, sum((b.bonus for b in bonuses), D(0)))
    total = (scaled + bonus_total).quantize(CENT, ROUND_HALF_UP)
    band = next((g for g, low in BANDS.items() if total >= low), "不合格")
    return AssessmentResult(
        unit=unit,
        unit_type="市直部门",
        year=2025,
        ruleset_id="GD-FZ-2025",
        ruleset_name="2025年度市直部门法治政府建设考核评分细则",
        total_points=total_points,
        items=items,
        categories=categories,
        base_score=base,
        applicable_points=applicable,
        scaled_score=scaled,
        bonuses=bonuses,
        bonus_cap=bonus_cap,
        bonus_total=bonus_total,
        total=total,
        score_rate=(scaled / total_points * 100).quantize(CENT, ROUND_HALF_UP),
        grade_words=[*BANDS, "不合格"],
        grade=Grade(
            grade=grade, band_grade=band, reasons=grade_reasons, bands=BANDS, cap=grade if grade != band else None
        ),
        bad_records=bad_records,
        vetoes=[],
        pending=[i.rule_id for i in items if i.status == "待复核"],
        submitted=submitted,
        records=records,
        audit=Audit(
            rules_file="rules/2025-市直部门.yaml",
            rules_sha256="3f1c" * 16,
            submission_file="submissions/某市司法局.yaml",
            submission_sha256="9a0b" * 16,
            engine_version="0.1.0",
            assessed_at="2026-01-15T10:30:00+08:00",
        ),
    )


def sample_result() -> AssessmentResult:
    """8 items in 3 categories: one excluded 不适用, one 待复核, deductions, a bonus, 2 bad records."""
    res = _assemble(
        sample_items(),
        sample_bonuses(),
        sample_bad_records(),
        sample_submitted(),
        sample_records(),
        grade="合格",
        grade_reasons=["总分89.66分，位于良好档（80分及以上，不足90分）", "有严重不良记录1条，等次最高为合格"],
    )
    # The hand calculation in the module docstring.
    assert [c.score for c in res.categories] == [D(23), D("26.5"), D("34.25")]
    assert (res.base_score, res.applicable_points, res.scaled_score) == (D("83.75"), D(95), D("88.16"))
    assert (res.bonus_total, res.total, res.grade.band_grade) == (D("1.5"), D("89.66"), "良好")
    return res


def clean_result() -> AssessmentResult:
    """No bad records, no record lists, no bonuses, every item counted."""
    items = [
        it.model_copy(update={"status": "满分", "deduction": D(0), "score": it.max_points, "reasons": []})
        if it.status == "待复核"
        else it
        for it in sample_items()
        if it.counted
    ]
    submitted = [s for s in sample_submitted() if s.type != "记录列表"]
    res = _assemble(
        items, [], [], submitted, [], grade="良好", grade_reasons=["总分88.16分，位于良好档（80分及以上，不足90分）"]
    )
    assert (res.base_score, res.applicable_points, res.scaled_score, res.total) == (
        D("83.75"),
        D(95),
        D("88.16"),
        D("88.16"),
    )
    return res


def sized_result(n_items: int = 30) -> AssessmentResult:
    """A result with n_items items over 5 categories, for timing."""
    base = sample_items()
    items = []
    for i in range(n_items):
        proto = base[i % len(base)]
        items.append(
            proto.model_copy(
                update={
                    "seq": i + 1,
                    "rule_id": f"X{i + 1}",
                    "category1": f"一级指标{i * 5 // n_items + 1}",
                }
            )
        )
    return _assemble(
        items,
        sample_bonuses(),
        sample_bad_records(),
        sample_submitted(),
        sample_records(),
        grade="良好",
        grade_reasons=["按分数定档"],
    )


def find_row(ws, column: str, value) -> int:
    """The first row whose cell in `column` equals value (rows are looked up, not hard-coded)."""
    for (cell,) in ws.iter_rows(min_col=ws[f"{column}1"].column, max_col=ws[f"{column}1"].column):
        if cell.value == value:
            return cell.row
    raise LookupError(f"{value!r} not in column {column} of {ws.title}")
