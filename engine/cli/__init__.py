"""The `assess` command line: one module per verb, shared options in common.py."""

from engine.cli.app import main

__all__ = ["main"]
