"""The “是否应为” hint added to a message about a name that is not known (a key, an indicator, an id)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def did_you_mean(word: Any, candidates: Iterable[Any]) -> str:
    """`（是否应为 “X”？）` for the closest candidate, or "" when none is close enough."""
    import difflib  # only a mistake needs a suggestion

    close = difflib.get_close_matches(str(word), [str(c) for c in candidates], n=1, cutoff=0.5)
    return f"（是否应为 “{close[0]}”？）" if close else ""
