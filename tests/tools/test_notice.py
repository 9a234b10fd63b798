"""The 考核结果通报's content: every sentence and table cell from a batch over the shipped examples,
and the year-on-year section when last year's results are given."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from batch_helpers import examples_summary

from engine.tools.notice import Heading, Para, Table, build_notice, numeral, title
from engine.tools.summary import FailedInput

D13 = "《区依法行政示范创建考核评分细则（2013年度）》"
N21 = "《法治政府建设考核评分细则（示范指标体系版）》"
# a round's heading too wide for its line names the ruleset without the note in brackets (still telling them apart)
D13H, N21H = "《区依法行政示范创建考核评分细则》", "《法治政府建设考核评分细则》"

BODY = [
    "根据有关考核评分细则，对9个单位的法治建设工作进行了考核：依据《区依法行政示范创建考核评分细则（2013年度）》"
    "考核2012年度区县政府1个、区直部门1个，共2个单位；依据《区依法行政示范创建考核评分细则（2013年度）》考核2016年度"
    "区县政府1个单位；依据《区依法行政示范创建考核评分细则（2013年度）》考核2019年度区县政府1个单位；依据《法治政府建设"
    "考核评分细则（示范指标体系版）》考核2022年度区直部门1个、镇街1个、行政执法部门1个，共3个单位；依据《县直部门法治建设"
    "目标责任考核细则（2024年度）》考核2024年度县直部门1个单位；依据《行政执法质量自查表（2024年度）》考核2024年度执法单位"
    "1个单位，评分于2014年1月15日完成。不同考核年度或不同评分细则的分数不可相互比较。有9个单位尚有评分项待复核，总分以复核后"
    "为准，其中3个单位的等次可能变化，标注“暂定”。现将考核结果通报如下：",
    "一、考核结果",
    # with the ruleset's name no group heading fits its line; the year and unit type tell them apart
    "（一）2012年度区县政府",
    f"依据{D13}考核，共1个单位，其中优秀1个。",
    "（二）2012年度区直部门",
    f"依据{D13}考核，共1个单位，其中不合格1个。",
    "（三）2016年度区县政府",
    f"依据{D13}考核，共1个单位，其中良好1个。",
    "（四）2019年度区县政府",
    f"依据{D13}考核，共1个单位，其中良好1个。",
    "（五）2022年度区直部门",
    f"依据{N21}考核，共1个单位，其中优秀1个。",
    "（六）2022年度镇街",
    f"依据{N21}考核，共1个单位，其中优秀1个。",
    "（七）2022年度行政执法部门",
    f"依据{N21}考核，共1个单位，其中良好1个。",
    "（八）2024年度县直部门",
    "依据《县直部门法治建设目标责任考核细则（2024年度）》考核，共1个单位，其中基本完成1个。",
    "（九）2024年度执法单位",
    "依据《行政执法质量自查表（2024年度）》考核，共1个单位，不评定等次。",
    "二、评为最高等次的单位",
    f"{D13}2012年度区县政府：评为优秀的单位1个：花山区人民政府（暂定）。",
    f"{D13}2012年度区直部门：没有评为优秀的单位。",
    f"{D13}2016年度区县政府：没有评为优秀的单位。",
    f"{D13}2019年度区县政府：没有评为优秀的单位。",
    f"{N21}2022年度区直部门：评为优秀的单位1个：区发展和改革局（虚构示例单位）（暂定）。",
    f"{N21}2022年度镇街：评为优秀的单位1个：某街道办事处（虚构示例单位）。",
    f"{N21}2022年度行政执法部门：没有评为优秀的单位。",
    "《县直部门法治建设目标责任考核细则（2024年度）》2024年度县直部门：没有评为目标完成的单位。",
    "三、评为最低等次的单位及原因",
    f"区市政管理局（虚构示例单位）（{D13}2012年度区直部门，总分64.63分）：触发一票否决：拒不执行人民法院生效裁判（FJ-01）、"
    "重大行政决策失误造成重大损失（FJ-02）。",
    "四、不良记录",
    "本次考核共有5个单位被记入不良记录16条，其中严重不良记录3条。严重不良记录如下：",
    "1．区市政管理局（虚构示例单位）：行政诉讼案件（2012）示范行初字第11号（行政处罚（罚款））负责人未出庭应诉且败诉（MD-04），"
    "追究相关领导责任，等次不得高于合格。",
    "2．区市政管理局（虚构示例单位）：行政诉讼案件（2012）示范行初字第11号（行政处罚（罚款））败诉后拒不履行人民法院生效裁判"
    "（FJ-01），一票否决，年度考核不合格。",
    "3．区市政管理局（虚构示例单位）：重大行政决策失误造成重大损失或恶劣社会影响1件（FJ-02），一票否决，年度考核不合格，"
    "追究决策责任。",
    "一般不良记录：区市政管理局（虚构示例单位）7条、盖州市人民政府1条、西安曲江新区管理委员会2条、区市场监督管理局（虚构示例单位）2条、"
    "某县市场监督管理局（虚构示例单位）1条。",
    "五、存在的共性问题",
    "以下评分项有半数以上的单位失分（平均失分按该项适用且已评定的单位计算）。单位不足2个的考核不作分析。",
    f"（一）{D13H}2012年度",
    # (2.00 + 1.50) / 2; (0.50 + 0.50) / 2; (1.50 + 2.25) / 2 = 1.875; (0.13 + 1.12) / 2 = 0.625 — by share of the 分值 lost
    "1．按时报送年度依法行政工作报告（ZZ-04）：2个单位均失分，平均失分1.75分（该项分值2分）。",
    "2．领导干部法制讲座（XF-02）：2个单位均失分，平均失分0.50分（该项分值1分）。",
    "3．行政执法案卷质量（ZF-05）：2个单位均失分，平均失分1.88分（该项分值6分）。",
    "4．群众投诉办理（JD-05）：2个单位均失分，平均失分0.63分（该项分值3分）。",
    f"（二）{N21H}2022年度",
    "1．行政机关负责人出庭应诉（MD-03）：2个单位均失分，平均失分1.59分（该项分值2.5分）。",
    "2．行政执法人员培训（ZF-02）：2个单位均失分，平均失分0.59分（该项分值1分）。",
    "3．行政执法案卷质量（ZF-06）：2个单位均失分，平均失分1.59分（该项分值4分）。",
    "4．行政审批（政务服务）事项在法定期限内办结（ZN-01）：3个单位中有2个失分，平均失分0.10分（该项分值2分）。",
    "六、有关要求",
    "（此处由发文机关写明整改要求等有关事项。）",
]

TABLES = [
    ("1", "花山区人民政府", "93.74", "优秀（暂定）"),
    ("1", "区市政管理局（虚构示例单位）", "64.63", "不合格"),
    ("1", "盖州市人民政府", "89.07", "良好"),
    ("1", "西安曲江新区管理委员会", "90.80", "良好"),
    ("1", "区发展和改革局（虚构示例单位）", "94.07", "优秀（暂定）"),
    ("1", "某街道办事处（虚构示例单位）", "89.61", "优秀"),
    ("1", "区市场监督管理局（虚构示例单位）", "91.48", "良好"),
    ("1", "某县市场监督管理局（虚构示例单位）", "30.30", "基本完成（暂定）"),
    ("1", "某县综合行政执法局（虚构示例单位）", "12.80", "—"),
]


def _text(notice) -> list[str]:
    return [b.text for b in notice.body if not isinstance(b, Table)]


def test_the_notice_of_the_examples_word_for_word():
    notice = build_notice(examples_summary())
    assert notice.title == "关于2012、2016、2019、2022、2024年度法治建设考核结果的通报"
    assert notice.addressee == "各被考核单位："
    assert _text(notice) == BODY
    tables = [b for b in notice.body if isinstance(b, Table)]
    assert [t.header for t in tables] == [("名次", "单位", "总分", "等次")] * 9
    assert [t.rows for t in tables] == [(row,) for row in TABLES]
    assert all(sum(t.widths_mm) == 156 for t in tables)  # the 公文 text width
    assert (notice.signature, notice.date) == ("（落款）", "　　年　　月　　日")
    assert notice.draft_note.startswith("草稿：据2014年1月15日 09:00 的评分结果生成。")
    # headings are typed by level: 一、 for sections, （一） for groups
    levels = {b.text: b.level for b in notice.body if isinstance(b, Heading)}
    assert levels["一、考核结果"] == 1 and levels["（一）2012年度区县政府"] == 2
    assert "与上年比较" not in "".join(BODY)  # no history given: no year-on-year section


def test_a_one_round_batch_is_named_by_its_ruleset_and_its_groups_by_unit_type():
    summary = examples_summary()
    keep = {"demo-district-2013 · 2012年度 · 区县政府", "demo-district-2013 · 2012年度 · 区直部门"}
    one = replace(
        summary,
        ranking=tuple(r for r in summary.ranking if r.group in keep),
        groups=tuple(g for g in summary.groups if g.label in keep),
        items=tuple(s for s in summary.items if s.group in keep),
        bad_records=tuple(b for b in summary.bad_records if b.unit == "区市政管理局（虚构示例单位）"),
        rulesets=(("demo-district-2013", "区依法行政示范创建考核评分细则（2013年度）"),),
    )
    notice = build_notice(one)
    text = _text(notice)
    assert title(one) == notice.title == "关于2012年度区依法行政示范创建考核结果的通报"
    assert text[0] == (
        "根据《区依法行政示范创建考核评分细则（2013年度）》，对2012年度区县政府1个、区直部门1个，共2个单位的法治建设工作进行了考核，"
        "评分于2014年1月15日完成。有2个单位尚有评分项待复核，总分以复核后为准，其中1个单位的等次可能变化，标注“暂定”。"
        "现将考核结果通报如下："
    )
    assert text[1:6] == [
        "一、考核结果",
        "（一）区县政府",
        "共1个单位，其中优秀1个。",
        "（二）区直部门",
        "共1个单位，其中不合格1个。",
    ]
    assert "二、评为优秀的单位" in text and "三、评为不合格的单位及原因" in text
    assert "区县政府：评为优秀的单位1个：花山区人民政府（暂定）。" in text
    assert "区直部门：没有评为优秀的单位。" in text
    assert (
        "区市政管理局（虚构示例单位）（区直部门，总分64.63分）：触发一票否决：拒不执行人民法院生效裁判（FJ-01）、"
        "重大行政决策失误造成重大损失（FJ-02）。"
    ) in text
    five = text.index("五、存在的共性问题")
    assert text[five + 1] == "以下评分项有半数以上的单位失分（平均失分按该项适用且已评定的单位计算）。"
    assert text[five + 2] == "1．按时报送年度依法行政工作报告（ZZ-04）：2个单位均失分，平均失分1.75分（该项分值2分）。"


def test_worst_grade_reasons_say_the_line_and_the_cap():
    summary = examples_summary()
    ranked = next(r for r in summary.ranking if r.row.unit == "西安曲江新区管理委员会")
    # the same unit as if it had scored under the 合格 line, then as if its records had capped it at 不合格
    below = replace(ranked, row=replace(ranked.row, total=Decimal("58.20"), band_grade="不合格", grade="不合格"))
    capped = replace(ranked, row=replace(ranked.row, grade="不合格"))
    for changed, reason in (
        (below, "总分低于合格等次线（60分）"),
        (capped, "有不良记录2条，等次不得高于不合格"),
    ):
        one = replace(summary, ranking=(changed,), groups=tuple(g for g in summary.groups if g.label == ranked.group))
        worst = [b.text for b in build_notice(one).body if isinstance(b, Para) and b.text.startswith("西安曲江")]
        total = changed.row.total
        assert worst == [f"西安曲江新区管理委员会（总分{total}分）：{reason}。"]


PREVIOUS = {
    "花山区人民政府": (Decimal("90.12"), "优秀"),
    "盖州市人民政府": (Decimal("91.00"), "优秀"),
    "区市政管理局（虚构示例单位）": (Decimal("70.00"), "合格"),
    "西安曲江新区管理委员会": (Decimal("85.50"), "良好"),
    "某县市场监督管理局（虚构示例单位）": (Decimal("30.30"), "未完成"),
}


def test_year_on_year_from_last_years_results():
    notice = build_notice(examples_summary(), PREVIOUS)
    body = list(notice.body)
    at = body.index(Heading(1, "六、与上年比较"))
    assert body[at + 1 : at + 4] == [
        Para(
            "与上年相比，5个单位有上年考核结果，其中总分提高的2个、下降的2个、持平的1个。"
            "提高最多的是西安曲江新区管理委员会（+5.30分）。下降最多的是区市政管理局（虚构示例单位）（-5.37分）。"
        ),
        Para(
            "等次提升的1个：某县市场监督管理局（虚构示例单位）（未完成→基本完成）；"
            "等次下降的2个：区市政管理局（虚构示例单位）（合格→不合格）、盖州市人民政府（优秀→良好）。"
        ),
        Para(
            "无上年考核结果的4个单位：区发展和改革局（虚构示例单位）、某街道办事处（虚构示例单位）、"
            "区市场监督管理局（虚构示例单位）、某县综合行政执法局（虚构示例单位）。"
        ),
    ]
    table = body[at + 4]
    assert isinstance(table, Table)
    assert table.header == ("单位", "上年总分", "本年总分", "变化", "上年等次", "本年等次")
    assert table.rows == (
        ("花山区人民政府", "90.12", "93.74", "+3.62", "优秀", "优秀（暂定）"),
        ("区市政管理局（虚构示例单位）", "70.00", "64.63", "-5.37", "合格", "不合格"),
        ("盖州市人民政府", "91.00", "89.07", "-1.93", "优秀", "良好"),
        ("西安曲江新区管理委员会", "85.50", "90.80", "+5.30", "良好", "良好"),
        ("某县市场监督管理局（虚构示例单位）", "30.30", "30.30", "0.00", "未完成", "基本完成（暂定）"),
    )
    assert body[at + 5] == Heading(1, "七、有关要求")


def test_year_on_year_without_any_match_or_change():
    summary = examples_summary()
    none = build_notice(summary, {"另一个单位": (Decimal(80), "良好")})
    assert Para("参加考核的单位均无上年考核结果。") in none.body
    same = {r.row.unit: (r.row.total, r.row.grade) for r in summary.ranking}
    body = build_notice(summary, same).body
    assert Para("与上年相比，9个单位有上年考核结果，其中总分提高的0个、下降的0个、持平的9个。") in body
    assert Para("各单位等次均与上年相同。") in body


def test_numerals():
    assert [numeral(n) for n in (1, 7, 10, 11, 13)] == ["一", "七", "十", "十一", "十三"]


def test_failures_ungraded_batches_and_long_problem_lists(monkeypatch):
    summary = examples_summary()
    failed = FailedInput(9, "坏.json", "申报数据", ("坏.json:1:1: 不是 JSON",))
    assert "另有1份申报材料未能评分，未列入本通报。" in _text(build_notice(replace(summary, failures=(failed,))))[0]
    # a batch of a ruleset that grades nothing: no best/worst sections
    label = "enforcement-selfcheck-2024 · 2024年度 · 执法单位"
    ungraded = replace(
        summary,
        ranking=tuple(r for r in summary.ranking if r.group == label),
        groups=tuple(g for g in summary.groups if g.label == label),
        bad_records=(),
        items=tuple(s for s in summary.items if s.group == label),
    )
    headings = [b.text for b in build_notice(ungraded).body if isinstance(b, Heading) and b.level == 1]
    assert headings == ["一、考核结果", "二、不良记录", "三、存在的共性问题", "四、有关要求"]
    text = _text(build_notice(ungraded))
    assert "本次考核没有单位被记入不良记录。" in text
    assert "参加同一考核的单位不足2个，不作共性问题分析。" in text
    monkeypatch.setattr("engine.tools.notice.MAX_PROBLEMS", 2)
    text = _text(build_notice(summary))
    start = text.index(f"（一）{D13H}2012年度")
    assert text[start + 1 : start + 5] == [
        "1．按时报送年度依法行政工作报告（ZZ-04）：2个单位均失分，平均失分1.75分（该项分值2分）。",
        "2．领导干部法制讲座（XF-02）：2个单位均失分，平均失分0.50分（该项分值1分）。",
        "另有2项，见汇总的“失分分析”表。",
        f"（二）{N21H}2022年度",
    ]


def test_a_batch_with_history_compares_with_last_year_in_the_notice(capsys, tmp_path):
    """The two-year example: --history gives the notice its 与上年比较, by this year's unit names."""
    import docx
    from conftest import EXAMPLES, run_cli

    two = EXAMPLES / "history"
    args = ["batch", two / "2013", "-r", two / "history-demo.yaml", "-o", tmp_path / "out"]
    args += ["--history", two / "2012.json", "--overrides", two / "review.yaml", "--notice"]
    code, err = run_cli(capsys, [*args, "--as-of", "2014-01-15T09:00:00+08:00"])
    assert code == 0, err
    raw = [p.text for p in docx.Document(tmp_path / "out" / "考核结果通报（草稿）.docx").paragraphs]
    # an id's hyphen is held to its neighbours (WORD JOINERs), so no line ends at "ZZ-"
    assert any("（ZZ\u2060-\u206007）" in p for p in raw) and not any("ZZ-07" in p for p in raw)
    paragraphs = [p.replace("\u2060", "") for p in raw]
    at = paragraphs.index("六、与上年比较")
    assert paragraphs[at + 1] == (
        "与上年相比，4个单位有上年考核结果，其中总分提高的3个、下降的1个、持平的0个。"
        "提高最多的是佛山市南海区人民政府（+5.62分）。下降最多的是区生态环境局（虚构示例单位）（-6.57分）。"
    )
    assert paragraphs[at + 2] == "没有等次提升的单位；等次下降的1个：区生态环境局（虚构示例单位）（优秀→良好）。"
    # last year's 不良记录 as the units report their 整改, and the 等次后果 that held
    assert paragraphs[at + 3] == (
        "上年记入不良记录的2个单位共12条，本年度内已整改1条、未整改11条，其中佛山市南海区人民政府："
        "督查检查发现问题逾期未整改1件、上年不良记录未整改完成0条（ZZ-07）；区市政管理局（虚构示例单位）10条。"
    )
    assert paragraphs[at + 4] == (
        "按考核细则的等次后果：区生态环境局（虚构示例单位）：总分较上年下降5分以上（HG-02），在考核结果通报中列明，"
        "限期书面说明原因；区市政管理局（虚构示例单位）：连续两年考核等次为不合格（HG-01），通报批评，由区政府约谈单位主要负责人。"
    )
