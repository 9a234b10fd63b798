"""Names that look the same but are not: a key typed with a compatibility or radical character
(⽅ U+2F45 for 方 U+65B9), a full-width letter, an invisible character."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable


def _folded(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip()


def _point(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def lookalike(word: str, candidates: Iterable[str]) -> str:
    """`（与 “方式” 看似相同，但字符不同：“⽅” 是 U+2F45，应为 “方” U+65B9）`, or "" when no candidate
    looks like `word` without being it."""
    folded = _folded(word)
    for cand in candidates:
        if cand == word or _folded(cand) != folded:
            continue
        if len(cand) == len(word):
            diffs = [f"“{a}” 是 {_point(a)}，应为 “{b}” {_point(b)}" for a, b in zip(word, cand, strict=True) if a != b]
        else:
            extra = [ch for ch in word if unicodedata.category(ch) == "Cf" or ch.isspace()]
            shown = "、".join(_point(ch) for ch in extra) or " ".join(_point(ch) for ch in word)
            diffs = [f"含看不见的字符 {shown}" if extra else f"实为 {shown}"]
        return f"（与 “{cand}” 看似相同，但字符不同：{'；'.join(diffs)}）"
    return ""
