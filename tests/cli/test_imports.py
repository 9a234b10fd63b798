"""`assess X` imports what verb X needs and nothing else (start-up time is what an assessor waits for)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
from engine.cli.app import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.__stderr__)
"""


def _modules(*args: str) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=120
    )
    last = json.loads(done.stderr.strip().splitlines()[-1])
    return last["code"], set(last["modules"])


def test_json_and_text_need_no_workbook_library():
    for fmt in ("json", "text"):
        code, modules = _modules("examples/national-bureau-2022.json", "--format", fmt)
        assert code == 0
        assert "engine.cli.assess" in modules
        assert not {m for m in modules if m.split(".")[0] in ("openpyxl", "scoresheets")}


def test_a_verb_imports_no_other_verb():
    code, modules = _modules("examples/national-bureau-2022.json", "--format", "json")
    assert code == 0
    others = {"engine.cli.batch", "engine.cli.extract", "engine.cli.rules", "engine.cli.verify", "engine.cli.explain"}
    assert not modules & others
    assert not {m for m in modules if m.startswith(("engine.extract", "engine.batch", "engine.tools"))}
    code, modules = _modules("schema", "-h")
    assert code == 0
    assert "engine.cli.schema" in modules and "engine.cli.assess" not in modules


def test_one_assessment_imports_no_server_and_only_the_ruleset_parts_it_uses(tmp_path):
    heavy = ("server", "fastapi", "starlette", "sqlalchemy", "uvicorn", "docx", "opencc", "jinja2")
    unused = {  # a 分工表, 继承, a review file, earlier results: not given here
        "engine.ruleset.responsibility",
        "engine.ruleset.inheritance",
        "engine.intake.history",
    }
    for args in (("--format", "json"), ("-o", str(tmp_path / "x.xlsx"))):
        code, modules = _modules("examples/national-bureau-2022.json", *args)
        assert code == 0
        assert not {m for m in modules if m.split(".")[0] in heavy}
        assert not modules & unused
        assert ("openpyxl" in modules) == ("-o" in args)  # the workbook library only for the workbook
    code, modules = _modules("examples/responsibility/nanhai-2012.json", "--format", "json")
    assert code == 0 and "engine.ruleset.responsibility" in modules  # a 分工表 beside the ruleset is read


PROGRAM = """
import json, sys
from engine.cli.app import main
sys.argv = ["assess", *sys.argv[1:]]
try:
    main()  # as the program runs it (no argv given)
except SystemExit as exc:
    code = exc.code
modules = sorted(sys.modules)
from pydantic.plugin import _loader
print(json.dumps({"code": code, "modules": modules, "plugins": list(_loader.get_plugins()),
    "group": _loader.PYDANTIC_ENTRY_POINT_GROUP}), file=sys.__stderr__)
"""


def test_the_program_skips_pydantics_plugin_scan_and_its_imports():
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, "examples/national-bureau-2022.json", "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"},
    )
    last = json.loads(done.stderr.strip().splitlines()[-1])
    assert last["code"] == 0 and json.loads(done.stdout)["total_points"]
    # the models were built without importlib.metadata (and email, socket …) being imported …
    assert "pydantic.main" in last["modules"]
    assert not {"importlib.metadata", "email", "socket"} & set(last["modules"])
    # … and what else pydantic may ask of its loader is the real loader's
    assert last["plugins"] == [] and last["group"] == "pydantic"


def test_one_assessment_runs_without_the_collector_and_puts_it_back(monkeypatch, capsys):
    import gc

    from engine import api
    from engine.cli.app import main

    seen: list[bool] = []
    real = api.assess_file

    def assess_file(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(api, "assess_file", assess_file)
    assert gc.isenabled()
    with pytest.raises(SystemExit) as done:
        main([str(ROOT / "examples" / "national-bureau-2022.json"), "--format", "json"])
    assert done.value.code == 0 and seen == [False]
    assert gc.isenabled()
    assert json.loads(capsys.readouterr().out)["total_points"]


def test_a_cached_rules_file_needs_no_yaml_parser(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSESS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ASSESS_NO_CACHE", raising=False)
    runs = [_modules("examples/national-bureau-2022.json", "--format", "json") for _ in range(2)]
    assert [code for code, _ in runs] == [0, 0]
    assert "ruamel.yaml" in runs[0][1]  # parsed, then kept in the cache
    assert not {m for m in runs[1][1] if m.startswith("ruamel.")}  # read back without ruamel
