"""What every verb shares: exit codes, the click context settings, and option parsers."""

from __future__ import annotations

import datetime as dt
import gettext
from pathlib import Path

import click

from engine.cli.chinese import Command, Group

__all__ = ["Command", "Group", "CONTEXT", "PathType", "earlier_results", "history_option", "parse_as_of"]


class PathType(click.Path):
    """click.Path whose word for the kind of path ("file") is looked up when a message is made,
    so it is Chinese like the rest of the message (click fixes it when the option is declared)."""

    @property
    def name(self) -> str:
        if self.file_okay and not self.dir_okay:
            return gettext.gettext("file")
        if self.dir_okay and not self.file_okay:
            return gettext.gettext("directory")
        return gettext.gettext("path")

    @name.setter
    def name(self, value: str) -> None:
        pass  # set by click.Path.__init__; the property above answers instead

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str | None:
        # an option's placeholder stays ASCII (not a word of the message); an argument keeps its name
        if not isinstance(param, click.Option):
            return None
        if self.file_okay and not self.dir_okay:
            return "FILE"
        return "DIR" if self.dir_okay and not self.file_okay else "PATH"


EXIT_OK = 0
EXIT_FAILED = 1  # a check found something: `rules test` cases, `verify` differences, batch failures
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_INTERNAL = 4
# main() sets it when the command is the whole process (not a test or a script calling main()):
# a verb that leaves little garbage may then keep the collector off until the process ends
PROCESS = {"whole": False}
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


def file_option(name: str, help_text: str):
    """An option naming one input file (复核文件, 分工表): a file, never a folder; a Windows path works too."""
    return click.option(name, type=PathType(dir_okay=False, path_type=Path), help=help_text)


def history_option(help_text: str):
    """`--history DIR|FILE`: last year's results (engine.intake.history), as `assess`, `batch` and `verify` take them."""
    return click.option("--history", type=PathType(path_type=Path), metavar="DIR|FILE", help=help_text)


def earlier_results(path: Path):
    """What --history names: result JSON, a batch's 汇总.json or scoresheets (read back), or a folder of them."""
    from engine.intake.history import load_history
    from scoresheets.readback import previous_of_sheet  # openpyxl only when a history is given

    return load_history(path, previous_of_sheet)
