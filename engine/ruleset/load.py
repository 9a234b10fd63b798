"""Loading a rules file: a plain one is built directly, one that extends another (继承) through inheritance."""

from __future__ import annotations

from pathlib import Path

from engine.ruleset.build import build_ruleset, extends_of
from engine.ruleset.cache import load_rules_document
from engine.ruleset.inheritance import build_inherited
from engine.ruleset.ruleset import Ruleset


def load_rules(path: Path | str, chain: tuple[Path, ...] = ()) -> Ruleset:
    """Load and check a rules file, or raise RulesError listing every problem.

    Each file (this one and every one it extends) is parsed through the cache keyed by its bytes.
    """
    doc = load_rules_document(path)
    if extends_of(doc.data) is not None:
        return build_inherited(doc, load_rules, chain)
    return build_ruleset(doc)
