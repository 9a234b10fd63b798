"""The console: marks a non-UTF-8 console can print, and colour only where it shows.

A redirected Windows console (code page 936, or PYTHONIOENCODING=gbk) cannot encode ✓ and ✗; rather
than fail, output falls back to marks it has (√ ×), then to “?”. Colour marks the results people
must not miss (不合格, 一票否决, 不良记录) on a terminal; none when piped or when NO_COLOR is set.
"""

from __future__ import annotations

import codecs
import os
import sys

import click

ERRORS = "assess-marks"
MARKS = {"✓": "√", "✗": "×", "→": "->", "≥": ">=", "≤": "<=", "…": "...", "—": "-", "·": "."}


def _fallback(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = []
    for ch in exc.object[exc.start : exc.end]:
        alt = MARKS.get(ch, "?")
        try:
            alt.encode(exc.encoding)
        except (UnicodeEncodeError, LookupError):
            alt = "?"
        out.append(alt)
    return "".join(out), exc.end


codecs.register_error(ERRORS, _fallback)


def prepare_streams() -> None:
    """Let stdout and stderr replace what their encoding cannot print instead of failing."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None or encoding in ("utf8", "utf8sig"):
            continue
        try:
            reconfigure(errors=ERRORS)
        except (ValueError, OSError, AttributeError):
            pass


def colour() -> bool | None:
    """click.echo's `color`: never with NO_COLOR set, else as click decides (a terminal only)."""
    return False if os.environ.get("NO_COLOR") else None


def alarm(text: str) -> str:
    """A result nobody should miss, in bold red (click strips the codes where colour does not show)."""
    return click.style(text, fg="red", bold=True)
