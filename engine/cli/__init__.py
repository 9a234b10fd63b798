"""The `assess` command line: one module per verb, shared options in common.py."""

from __future__ import annotations

import importlib
import os
import sys
import types


def main(argv: list[str] | None = None, prog_name: str = "assess") -> None:
    """`assess …`. As the program (no argv given), a command line that looks like one assessment
    is begun in a copy of the process before click is even imported (engine.cli.ahead)."""
    from engine.cli import ahead

    try:
        if argv is None:
            no_plugin_scan()  # before the copy is made: both build models
            ahead.begin(sys.argv[1:])
        from engine.cli.app import main as run

        run(argv, prog_name)
    except KeyboardInterrupt:  # while the command's modules import (the command handles its own)
        sys.stderr.write("已中止。\n")
        sys.exit(130)
    finally:
        ahead.end()


_LOADER = "pydantic.plugin._loader"


def no_plugin_scan() -> None:
    """Spare the program pydantic's search for plugins, which `assess` does not use.

    Before its first model pydantic imports its plugin loader, and with it importlib.metadata
    (email, socket, csv …), to scan every installed package's entry points: several per cent of
    a one-file run. With plugins off (PYDANTIC_DISABLE_PLUGINS, set here unless the user set it;
    set it empty to have plugins) the loader's only use, `get_plugins`, returns none without
    scanning, so a stand-in that returns none does the same; anything else asked of it is the
    real loader's.
    """
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if os.environ["PYDANTIC_DISABLE_PLUGINS"] not in ("__all__", "1", "true") or _LOADER in sys.modules:
        return
    stand_in = types.ModuleType(_LOADER)

    def real(name: str) -> object:
        if name.startswith("__"):  # what the import system asks of any module (__path__ …): not there
            raise AttributeError(name)
        del sys.modules[_LOADER]
        return getattr(importlib.import_module(_LOADER), name)

    stand_in.get_plugins = tuple  # type: ignore[attr-defined]  # () as the real one returns when plugins are off
    stand_in.__getattr__ = real  # type: ignore[attr-defined]
    sys.modules[_LOADER] = stand_in
