"""Loading a rules file: a plain one is built directly, one that extends another (继承) through inheritance."""

from __future__ import annotations

from pathlib import Path

from engine.documents.source import load_document
from engine.errors import RulesError
from engine.ruleset.build import build_ruleset, extends_of
from engine.ruleset.inheritance import build_inherited
from engine.ruleset.ruleset import Ruleset


def load_rules(path: Path | str, chain: tuple[Path, ...] = ()) -> Ruleset:
    """Load and check a rules file, or raise RulesError listing every problem."""
    doc = load_document(path, RulesError)
    if extends_of(doc.data) is not None:
        return build_inherited(doc, load_rules, chain)
    return build_ruleset(doc)
