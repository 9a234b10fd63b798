"""The shape of the code: import contracts hold, and packaging finds every package."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    # layers follow the data flow, the core never imports the shell, no cycles (pyproject: tool.importlinter)
    linter = Path(sys.executable).parent / "lint-imports"
    run = subprocess.run([str(linter), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout


def test_every_package_is_packaged():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for top in ("engine", "scoresheets", "server")
        for p in (ROOT / top).rglob("__init__.py")
    }
    assert on_disk <= listed, f"missing from pyproject packages: {sorted(on_disk - listed)}"


def _readme_tree() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    stack: list[str] = []
    paths = set()
    for line in block.splitlines():
        name = line.strip().split(" ", 1)[0]
        if not name or not (name.endswith("/") or name.endswith(".py")):
            continue
        depth = (len(line) - len(line.lstrip())) // 2
        stack = stack[:depth]
        path = "".join(stack) + name
        paths.add(path)
        if name.endswith("/"):
            stack.append(name)
    return paths


def test_readme_module_map_matches_the_tree():
    listed = {p for p in _readme_tree() if p.endswith(".py")}
    on_disk = {
        str(p.relative_to(ROOT)) for top in ("engine", "scoresheets", "server") for p in (ROOT / top).rglob("*.py")
    }
    on_disk -= {p for p in on_disk if p.endswith("__init__.py") and p != "engine/__init__.py"}
    assert sorted(on_disk - listed) == [], "modules missing from the README's Layout"
    assert sorted(listed - on_disk) == [], "README's Layout names modules that do not exist"
