"""What every verb shares: exit codes, the click context settings, and option parsers."""

from __future__ import annotations

import datetime as dt

import click

EXIT_OK = 0
EXIT_FAILED = 1  # a check found something: `rules test` cases, `verify` differences, batch failures
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_INTERNAL = 4
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def parse_as_of(value: str | None) -> dt.datetime | None:
    """The --as-of option: an ISO 8601 time (UTC when no offset is given), or None."""
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("应为 ISO 8601 时间，如 2014-01-15T09:00:00+08:00", param_hint="--as-of") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
