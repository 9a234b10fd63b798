"""Fuzzing through the real command line (bounded here; scripts/fuzz.py runs 10,000 and more).

Every hostile submission or broken rules file must end with exit 3 naming the file and a
place, or exit 0 with the oracle's result — never exit 4, a traceback or a hang.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import DATA, GOOD_MINI, ROOT
from fuzzing import Case, dump_json, rules_cases, run_case, submission_cases
from hypothesis import HealthCheck, Phase, given, settings
from strategies import submissions

from engine.ruleset.load import load_rules

MINI = DATA / "mini.yaml"
EDGE = DATA / "oracle-edge.yaml"

pytestmark = pytest.mark.slow  # fuzzing through the command (~15 s)


def fuzz(examples: int) -> settings:
    return settings(FUZZ, max_examples=examples)


FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _run(case: Case, rules: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        outcome = run_case(case, Path(tmp), rules)
    assert outcome.ok, f"{case.what}\n→ {outcome.kind}: {outcome.detail}"


@fuzz(120)
@given(submission_cases(submissions(load_rules(MINI))))
def test_hostile_submissions_end_in_a_located_error_or_the_oracles_result(case):
    _run(case, MINI)


@fuzz(40)
@given(submission_cases(submissions(load_rules(EDGE))))
def test_hostile_submissions_against_the_edge_ruleset(case):
    _run(case, EDGE)


@fuzz(30)
@given(rules_cases(MINI.read_text(encoding="utf-8"), submissions(load_rules(MINI))))
def test_broken_rules_files_end_in_a_located_error_or_the_oracles_result(case):
    _run(case, MINI)


SPOT_CHECKS = {
    "nan.json": '{"单位名称": "x", "单位类型": "区直部门", "考核年度": 2012, "指标": {"备案率": NaN}}',
    "dup.json": '{"单位名称": "x", "单位名称": "y"}',
    "deep.json": "[" * 5000 + "]" * 5000,
    "digits.json": '{"单位名称": "x", "考核年度": ' + "9" * 5000 + "}",
    "ctrl.json": json.dumps(dict(GOOD_MINI, 单位名称="甲\u001b[2J"), ensure_ascii=True),
    "bomb.yaml": "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefg", "bcdefgh", strict=True)),
}


@pytest.mark.parametrize("name", sorted(SPOT_CHECKS))
def test_a_real_process_refuses_hostile_files_with_exit_3_and_no_traceback(tmp_path, name):
    path = tmp_path / name
    path.write_text(SPOT_CHECKS[name], encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "engine", str(path), "--rules", str(MINI), "-o", str(tmp_path / "out.xlsx")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    problem = next(line for line in proc.stderr.splitlines() if line.startswith("  "))
    assert problem.startswith(f"  {path}:") and problem[len(f"  {path}:")].isdigit(), problem
    assert not (tmp_path / "out.xlsx").exists()


def test_a_mutated_submission_that_stays_valid_is_scored_like_the_oracle(tmp_path):
    text = dump_json(dict(GOOD_MINI, 单位名称='=HYPERLINK("http://x","y")'))
    outcome = run_case(Case("formula unit name", text.encode()), tmp_path, MINI)
    assert outcome.kind == "result"
    outcome = run_case(Case("as xlsx", text.encode(), fmt="xlsx"), tmp_path, MINI)
    assert outcome.kind == "result"


def test_the_fuzz_script_prints_counts_by_outcome():
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "fuzz.py"), "--cases", "12", "--jobs", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "cases run: 12" in proc.stdout
    assert "invalid" in proc.stdout
