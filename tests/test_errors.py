"""Problems are data: a Location holds its path as a tuple and an inherited origin as another
Location; str() gives the line users have always read."""

from __future__ import annotations

from engine.errors import ErrorList, Location, Problem, format_path


def test_a_path_is_a_tuple_and_reads_as_keys_and_indices():
    where = Location("r.yaml", 12, 7, ("评分细则", 0, "二级指标", 1, "评分项", 2, "条件"))
    assert where.path == ("评分细则", 0, "二级指标", 1, "评分项", 2, "条件")
    assert str(where) == "r.yaml:12:7: 评分细则[0].二级指标[1].评分项[2].条件"
    assert format_path(("指标", "诉讼案件", 3, "结果")) == "指标.诉讼案件[3].结果"


def test_heads_of_a_file_a_line_and_a_cell():
    assert str(Location("s.json")) == "s.json"
    assert str(Location("s.json", 3)) == "s.json:3"
    assert str(Location("s.json", 3, 9, ("指标",))) == "s.json:3:9: 指标"
    cell = Location("表.xlsx", path=("指标", "备案率"), cell="指标!C7")
    assert (cell.file, cell.cell, str(cell)) == ("表.xlsx", "指标!C7", "表.xlsx!指标!C7: 指标.备案率")


def test_an_inherited_origin_is_data_and_nests():
    grandparent = Location("national.yaml", 860, 17, ("评分细则", 8, "二级指标", 0, "评分项", 0, "指标"))
    parent = Location("district.yaml", 22, 7, ("评分细则", 8, "二级指标", 0, "评分项", 0, "指标"), via=grandparent)
    child = Location("grand.yaml", 4, 7, ("评分细则", 8, "二级指标", 0, "评分项", 0, "指标"), via=parent)
    assert child.via.via is grandparent and child.via.via.line == 860
    assert str(child) == (
        "grand.yaml:4:7: 评分细则[8].二级指标[0].评分项[0].指标"
        "（继承自 district.yaml:22:7（继承自 national.yaml:860:17））"
    )
    assert str(Location("c.yaml", 3, 7, via=Location("p.yaml", 5, 1))) == "c.yaml:3:7: （继承自 p.yaml:5:1）"


def test_a_path_given_as_text_is_kept_as_one_step():
    where = Location("r.yaml", 1, 1, "指标.备案率")
    assert where.path == ("指标.备案率",) and str(where) == "r.yaml:1:1: 指标.备案率"
    assert Location("r.yaml", path="").path == () and Location("r.yaml", path=["a", 0]).path == ("a", 0)


def test_a_problem_has_a_code_and_reads_as_before():
    where = Location("r.yaml", 5, 3, ("规则集", "总分"))
    old_style = Problem(where, "应为数字")
    assert old_style.code == "input" and old_style.subject is None
    new_style = Problem(where, "应为数字", "schema.invalid")
    assert str(old_style) == str(new_style) == "r.yaml:5:3: 规则集.总分: 应为数字"
    errors = ErrorList()
    errors.add(where, "未声明的指标 “甲”", "rules.unknown-indicator", "甲")
    assert errors.problems == [Problem(where, "未声明的指标 “甲”", code="rules.unknown-indicator", subject="甲")]
