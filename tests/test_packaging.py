"""A regular (non-editable) install from a wheel works from another folder, shipped rules included."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    wheels = tmp_path_factory.mktemp("wheels")
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)]
    subprocess.run(build, check=True, capture_output=True, timeout=600)
    (wheel,) = wheels.glob("fazhi_assess-*.whl")
    target = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(target)  # a wheel is a zip of the installed tree
    return target


def test_the_wheel_holds_every_package_and_the_shipped_rules(installed):
    packages = {str(p.parent.relative_to(installed)).replace(os.sep, ".") for p in installed.rglob("__init__.py")}
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for top in ("engine", "scoresheets")
        for p in (ROOT / top).rglob("__init__.py")
    }
    assert on_disk <= packages
    shipped = {p.name for p in (installed / "engine" / "shipped_rules").glob("*.yaml")}
    assert shipped == {p.name for p in (ROOT / "rules").glob("*.yaml")}


def test_assess_from_another_folder_uses_the_installed_copy(installed, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(installed))
    example = ROOT / "examples" / "national-bureau-2022.json"
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import engine, sys; print(engine.__file__); from engine.cli import main; main()",
            str(example),
            "--format",
            "json",
            "--as-of",
            "2026-01-01T00:00:00",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # main() exits through SystemExit(0); the first line is where engine was imported from
    first, _, rest = run.stdout.partition("\n")
    assert run.returncode == 0, run.stderr
    assert first.startswith(str(installed))
    result = json.loads(rest)
    assert result["total"] == "93.40" and result["ruleset_id"] == "national-model-2021"
