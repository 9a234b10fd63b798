"""The parsed-rules cache: never stale, never trusted blindly, same places and types as a fresh parse."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from engine.documents.source import Quoted, load_document, quoted
from engine.errors import RulesError
from engine.ruleset import cache
from engine.ruleset import load as loading

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"


@pytest.fixture
def cache_folder(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("ASSESS_CACHE_DIR", str(folder))
    monkeypatch.delenv("ASSESS_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """The files parsed with ruamel (cache misses), in order."""
    seen: list[str] = []
    real = cache.parse_document

    def counting(text, file, digest, error):
        seen.append(Path(file).name)
        return real(text, file, digest, error)

    monkeypatch.setattr(cache, "parse_document", counting)
    return seen


def load_rules(path):
    """A load that reaches the files (the loader also keeps rulesets of unchanged files in memory)."""
    loading._LOADED.clear()
    return loading.load_rules(path)


_STYLES = {"DoubleQuotedScalarString": '"', "SingleQuotedScalarString": "'", "LiteralScalarString": "|"}
_STYLES["FoldedScalarString"] = ">"


def _kind(value) -> str:
    """What the engine can tell of a value's type: a fresh parse gives ruamel's containers and
    strings, the cache the engine's own (PlacedMap, PlacedSeq, Quoted) with the same meaning."""
    if isinstance(value, dict):
        return "map" + ("+places" if hasattr(value, "lc") else "")
    if isinstance(value, list):
        return "list" + ("+places" if hasattr(value, "lc") else "")
    if isinstance(value, Quoted):
        return "text" + value.style
    if type(value).__name__ in _STYLES:
        return "text" + _STYLES[type(value).__name__]
    if isinstance(value, bool) or not isinstance(value, int):
        return type(value).__name__
    return "int"  # ruamel's ScalarInt (a plain 0) is an int to every reader


def _same(a, b) -> None:
    assert _kind(a) == _kind(b)
    assert quoted(a) == quoted(b)
    if hasattr(a, "lc"):
        assert (a.lc.line, a.lc.col) == (b.lc.line, b.lc.col)
        assert (a.lc.data or {}) == (b.lc.data or {})
    if isinstance(a, dict):
        assert list(a) == list(b)
        for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=True):
            _same(ka, kb)
            _same(va, vb)
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    else:
        assert a == b


@pytest.mark.parametrize("path", sorted(p for p in RULES.glob("*.yaml") if not p.name.endswith(".cases.yaml")))
def test_a_cached_document_is_the_parsed_one(path, cache_folder, parses):
    fresh = load_document(path, RulesError)
    first = cache.load_rules_document(path)
    second = cache.load_rules_document(path)
    assert parses == [path.name]  # the second load came from the cache
    _same(fresh.data, first.data)
    _same(fresh.data, second.data)  # values, quoting, number types, every line:column
    assert (second.file, second.sha256) == (fresh.file, fresh.sha256)


def _mini_pair(folder: Path) -> tuple[Path, Path]:
    base = ROOT / "tests" / "data" / "mini.yaml"
    parent = folder / "parent.yaml"
    parent.write_bytes(base.read_bytes())
    return parent, base


def test_an_edited_file_is_parsed_again(tmp_path, cache_folder, parses):
    path, _ = _mini_pair(tmp_path)
    before = load_rules(path)
    text = path.read_text(encoding="utf-8")
    name = before.header.name
    path.write_text(text.replace(name, name + "（修订）", 1), encoding="utf-8")
    after = load_rules(path)
    assert parses == ["parent.yaml", "parent.yaml"]
    assert after.header.name == name + "（修订）"


def test_an_edited_parent_is_parsed_again(tmp_path, cache_folder, parses):
    for name in ("national-model-2021.yaml", "demo-district-2024.yaml"):
        (tmp_path / name).write_bytes((RULES / name).read_bytes())
    child, parent = tmp_path / "demo-district-2024.yaml", tmp_path / "national-model-2021.yaml"
    first = load_rules(child)
    assert load_rules(child).entries == first.entries
    assert parses == ["demo-district-2024.yaml", "national-model-2021.yaml"]  # the second load: both cached
    text = parent.read_text(encoding="utf-8")
    parent.write_text(
        text.replace("考核内容: 领导班子会前学法", "考核内容: 领导班子会前学法（修订）", 1), encoding="utf-8"
    )
    second = load_rules(child)
    assert parses[2:] == ["national-model-2021.yaml"]  # the unchanged child from the cache, the parent afresh
    assert second.entries != first.entries
    assert "领导班子会前学法（修订）" in repr(second.entries)


def _entries(folder: Path) -> list[Path]:
    return sorted((folder / "rules").glob("*.json"))


def test_a_damaged_entry_is_never_used(tmp_path, cache_folder, parses):
    path, _ = _mini_pair(tmp_path)
    good = load_rules(path)
    (entry,) = _entries(cache_folder)
    stored = json.loads(entry.read_text(encoding="utf-8"))
    # a forged entry: valid JSON with a changed value → it must not reach the ruleset unnoticed …
    stored["data"]["m"][0] = ["not", "a", "place"]
    entry.write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
    assert load_rules(path).entries == good.entries
    # … and neither do truncated bytes or an entry recorded for other bytes
    entry.write_bytes(entry.read_bytes()[:100])
    assert load_rules(path).entries == good.entries
    stored = json.loads(entry.read_text(encoding="utf-8"))
    stored["sha256"] = "0" * 64
    entry.write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
    assert load_rules(path).entries == good.entries
    assert parses == ["parent.yaml"] * 4


def test_an_entry_of_another_engine_version_is_not_used(tmp_path, cache_folder, parses, monkeypatch):
    path, _ = _mini_pair(tmp_path)
    load_rules(path)
    monkeypatch.setattr(cache, "_PARSER", [])
    monkeypatch.setattr(cache, "__version__", "999.0")
    load_rules(path)
    assert parses == ["parent.yaml", "parent.yaml"]
    assert len(_entries(cache_folder)) == 2  # one per engine version, side by side


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_folder_others_may_write_is_not_used(tmp_path, cache_folder, parses):
    path, _ = _mini_pair(tmp_path)
    load_rules(path)
    (cache_folder / "rules").chmod(0o777)
    load_rules(path)
    assert parses == ["parent.yaml", "parent.yaml"]
    assert cache.cache_dir() is None


def test_no_cache_when_turned_off(tmp_path, cache_folder, parses, monkeypatch):
    monkeypatch.setenv("ASSESS_NO_CACHE", "1")
    path, _ = _mini_pair(tmp_path)
    load_rules(path)
    load_rules(path)
    assert parses == ["parent.yaml", "parent.yaml"]
    assert not cache_folder.exists()


def test_the_strict_reader_refuses_what_encode_never_writes():
    for bad in (
        {"x": 1},
        1.5,
        {"d": "NaN"},
        {"q": "Z", "v": "a"},
        {"m": [[{"m": [], "p": [0, 0]}, 1, None]], "p": [0, 0]},
    ):
        with pytest.raises((ValueError, TypeError)):
            cache.decode(bad)
