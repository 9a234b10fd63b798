"""Loading a rules file: a plain one is built directly, one that extends another (继承) through inheritance.

Loads are remembered per file while none of the files it was built from changed (compared by
sha256 of their bytes), so a folder whose files extend one another in a chain of n is loaded in
n builds, not n²; a cycle is found from the headers before any file of it is built in full.
"""

from __future__ import annotations

from pathlib import Path

from engine.documents.source import Document, read_bytes
from engine.errors import Problem, RulesError
from engine.ruleset.build import build_ruleset, extends_of
from engine.ruleset.cache import load_rules_document
from engine.ruleset.folders import read_header
from engine.ruleset.ruleset import Ruleset

MAX_INHERITANCE_DEPTH = 32  # files in one 继承 chain; real ones have two or three

_LOADED: dict[str, Ruleset] = {}


def load_rules(path: Path | str, chain: tuple[Path, ...] = ()) -> Ruleset:
    """Load and check a rules file, or raise RulesError listing every problem.

    Each file (this one and every one it extends) is parsed through the cache keyed by its bytes.
    """
    hit = _LOADED.get(str(path))
    if hit is not None and hit.sources and all(_unchanged(file, digest) for file, digest in hit.sources):
        return hit
    doc = load_rules_document(path)
    if extends_of(doc.data) is not None:
        from engine.ruleset.inheritance import build_inherited  # only a file that extends another needs it

        if not chain:
            _check_chain(doc)
        ruleset = build_inherited(doc, load_rules, chain)
    else:
        ruleset = build_ruleset(doc)
    _LOADED[str(path)] = ruleset
    return ruleset


def _unchanged(file: str, digest: str) -> bool:
    try:
        return read_bytes(Path(file), RulesError)[1] == digest
    except RulesError:
        return False


def _check_chain(doc: Document) -> None:
    """Refuse a 继承 cycle or an over-long chain from the headers alone (each read once per change)."""
    from engine.ruleset.inheritance import ANCHOR, resolve_parent

    seen = [Path(doc.file).resolve()]
    current = doc
    while True:
        try:
            parent = resolve_parent(current)
            header = read_header(parent)
        except RulesError:
            return  # reported with its place when the chain is loaded
        if parent.resolve() in seen:
            names = " → ".join(p.name for p in (*seen, parent))
            raise RulesError(Problem(doc.locate(ANCHOR), f"继承关系成环：{names}", "inherit.cycle"))
        seen.append(parent.resolve())
        if len(seen) > MAX_INHERITANCE_DEPTH:
            raise RulesError(
                Problem(
                    doc.locate(ANCHOR),
                    f"继承的层次过深（超过 {MAX_INHERITANCE_DEPTH} 层）；请把中间的规则集合并后再继承",
                    "inherit.too-deep",
                )
            )
        if header.get("继承") is None:
            return
        current = Document(str(parent), {"规则集": header}, "")
