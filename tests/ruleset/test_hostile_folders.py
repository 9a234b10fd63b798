"""Rules folders and inheritance chains at bounded cost: a hostile header is a located exit 3 (read
under the whole file's limits), a cycle is found from the headers, a chain is capped, and a
chain's files are each built once however many of them are checked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import run_cli as run

from engine.errors import RulesError
from engine.ruleset import build, inheritance, load
from engine.ruleset.load import MAX_INHERITANCE_DEPTH, load_rules

ROOT = Path(__file__).resolve().parents[2]
HUASHAN = ROOT / "examples" / "huashan-2012.json"
RULES = ROOT / "rules" / "demo-district-2013.yaml"


def child(i: int, parent: str) -> str:
    return f"规则集:\n  编号: c{i:02d}\n  名称: 链{i}\n  继承: {parent}\n  考核年度: 2013\n  适用期间: 2012\n"


def chain(folder: Path, n: int) -> None:
    shutil.copy(RULES, folder)
    for i in range(n):
        (folder / f"c{i:02d}.yaml").write_text(child(i, "demo-district-2013" if i == 0 else f"c{i - 1:02d}"), "utf-8")


def test_a_deeply_nested_header_in_a_folder_is_a_located_exit_3(capsys, tmp_path):
    shutil.copy(RULES, tmp_path)
    (tmp_path / "nested.yaml").write_text("规则集:\n  编号: " + "[" * 5000 + "]" * 5000 + "\n", "utf-8")
    code, err = run(capsys, [HUASHAN, "--rules", tmp_path, "--format", "json"])
    assert code == 3, err
    assert f"{tmp_path / 'nested.yaml'}:2:" in err and "嵌套层次过深（上限 100 层）" in err


def test_an_alias_bomb_header_in_a_folder_is_a_located_exit_3(capsys, tmp_path):
    shutil.copy(RULES, tmp_path)
    lines = ["规则集:", "  a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    (tmp_path / "bomb.yaml").write_text("\n".join([*lines, "  编号: bomb"]) + "\n", "utf-8")
    code, err = run(capsys, [HUASHAN, "--rules", tmp_path, "--format", "json"])
    assert code == 3, err
    assert f"{tmp_path / 'bomb.yaml'}:1:1: 别名（*）展开后的内容过多" in err


def test_a_cycle_is_found_from_the_headers_without_building_a_file(tmp_path, monkeypatch):
    for i in range(5):
        (tmp_path / f"c{i:02d}.yaml").write_text(child(i, f"c{(i - 1) % 5:02d}"), "utf-8")
    monkeypatch.setattr(build, "build_ruleset", lambda *a, **k: pytest.fail("built"))
    with pytest.raises(RulesError) as info:
        load_rules(tmp_path / "c00.yaml")
    [problem] = info.value.problems
    assert problem.code == "inherit.cycle"
    assert problem.message == "继承关系成环：c00.yaml → c04.yaml → c03.yaml → c02.yaml → c01.yaml → c00.yaml"


def test_a_chain_longer_than_the_cap_is_refused_at_the_inheriting_line(tmp_path):
    chain(tmp_path, MAX_INHERITANCE_DEPTH + 1)
    with pytest.raises(RulesError) as info:
        load_rules(tmp_path / f"c{MAX_INHERITANCE_DEPTH:02d}.yaml")
    [problem] = info.value.problems
    assert problem.code == "inherit.too-deep" and (problem.location.line, problem.location.col) == (4, 7)


def test_each_file_of_a_chain_is_built_once_when_all_are_loaded(tmp_path, monkeypatch):
    chain(tmp_path, 12)
    builds: list[str] = []

    def counting(real):
        def call(doc, *args, **kwargs):
            builds.append(Path(doc.file).name)
            return real(doc, *args, **kwargs)

        return call

    monkeypatch.setattr(load, "build_ruleset", counting(load.build_ruleset))
    # load imports build_inherited when a file extends another: the module's own name is patched
    monkeypatch.setattr(inheritance, "build_inherited", counting(inheritance.build_inherited))
    for i in reversed(range(12)):  # the deepest first: it loads the whole chain
        assert load_rules(tmp_path / f"c{i:02d}.yaml").header.id == f"c{i:02d}"
    assert sorted(builds) == sorted(["demo-district-2013.yaml", *(f"c{i:02d}.yaml" for i in range(12))])


def test_a_changed_file_in_a_chain_is_loaded_again(tmp_path):
    chain(tmp_path, 3)
    assert load_rules(tmp_path / "c02.yaml").header.name == "链2"
    (tmp_path / "c01.yaml").write_text(child(1, "c00").replace("名称: 链1", "名称: 改过"), "utf-8")
    assert load_rules(tmp_path / "c02.yaml").parent.header.name == "改过"
