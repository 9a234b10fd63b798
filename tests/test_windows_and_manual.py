"""What can be checked here of a Windows office PC (backslash paths, reserved names, the install
instructions), and the Chinese manual: its guides, and a reference that cannot drift from the code."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def run(capsys, args: list) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return info.value.code, out, err


def test_backslash_rules_path_as_typed_on_windows(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, err = run(
        capsys,
        [
            "examples\\huashan-2012.json",
            "--rules",
            "rules\\demo-district-2013.yaml",
            "--overrides",
            "examples\\reviews\\review.yaml",
            "--format",
            "json",
        ],
    )
    assert code == 0, err
    assert '"total": "93.23"' in out


def test_backslash_path_in_a_rules_file(capsys, tmp_path):
    (tmp_path / "model").mkdir()
    shutil.copy(ROOT / "rules" / "national-model-2021.yaml", tmp_path / "model" / "national.yaml")
    local = (ROOT / "rules" / "demo-district-2024.yaml").read_text(encoding="utf-8")
    assert "继承: national-model-2021" in local
    (tmp_path / "local").mkdir()
    path = tmp_path / "local" / "district.yaml"
    path.write_text(local.replace("继承: national-model-2021", "继承: ..\\model\\national.yaml"), encoding="utf-8")
    code, out, err = run(capsys, ["rules", "check", path])
    assert code == 0, out + err


def test_a_reserved_windows_name_never_becomes_the_scoresheet_name(capsys, tmp_path, monkeypatch):
    import json

    data = json.loads((ROOT / "examples" / "huashan-2012.json").read_text(encoding="utf-8"))
    data["单位名称"] = "CON"
    sub = tmp_path / "con.json"
    sub.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, [sub])
    assert code == 0, err
    assert (tmp_path / "_CON-2012年度评分表.xlsx").is_file()


def _manual() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.rglob("*.md")))


def test_windows_install_is_documented():
    text = _manual()
    assert "pip wheel" in text and "--no-index" in text and "--find-links" in text
    assert "3.11" in text and "3.12" in text and "3.13" in text
    assert "Build Tools" in text


def test_the_manual_has_a_guide_per_role_and_a_reference():
    config = (DOCS.parent / "mkdocs.yml").read_text(encoding="utf-8")
    assert "search" in config
    for page in ("考核组.md", "规则编写.md", "被考核单位.md", "参考.md"):
        assert (DOCS / page).is_file(), page
        assert page in config


def test_the_reference_is_generated_from_the_code():
    """docs/参考.md is what scripts/reference.py writes now: a key or method added to the code and not
    to the manual fails here."""
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "reference.py"), "--check"], capture_output=True)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()


def test_every_rules_key_and_scoring_method_is_in_the_reference():
    from engine.tools.schema import rules_schema

    reference = (DOCS / "参考.md").read_text(encoding="utf-8")
    keys: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.get("properties", {}).items():
                keys.add(key)
                walk(value)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(rules_schema())
    missing = sorted(k for k in keys if not k.startswith("$") and f"`{k}`" not in reference)
    assert missing == []
    from engine.ruleset.methods import METHODS

    assert len(METHODS) >= 11 and sorted(m for m in METHODS if f"### `{m}`" not in reference) == []


def test_the_rules_guide_has_a_worked_item_per_scoring_method():
    from engine.ruleset.methods import METHODS

    guide = (DOCS / "规则编写.md").read_text(encoding="utf-8")
    assert len(METHODS) >= 11
    assert sorted(m for m in METHODS if f"计分方式: {m}" not in guide) == []


def test_the_manual_builds_with_search_and_a_printable_page(tmp_path):
    site = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        timeout=300,
        env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    import json

    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert "zh" in index["config"]["lang"]
    assert any("全角冒号" in doc["text"] for doc in index["docs"])
    printable = (site / "print_page" / "index.html").read_text(encoding="utf-8")
    for guide in ("考核组", "规则编写", "被考核单位", "参考"):
        assert guide in printable


def test_the_readme_is_short_and_points_at_the_manual():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    # set-up, the module map and the input-limits table; everything longer lives in docs/
    assert len(readme.encode()) < 14_000
    assert "docs/" in readme and "mkdocs" in readme.lower()
