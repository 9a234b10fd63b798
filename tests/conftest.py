from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import pytest

import engine.result
from engine.assessment import assess
from engine.documents.source import parse_document
from engine.errors import RulesError, SubmissionError
from engine.intake.review import Review, decisions
from engine.intake.submission import validate_submission
from engine.ruleset.build import build_ruleset
from engine.ruleset.load import load_rules
from engine.ruleset.ruleset import Ruleset

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
RULES = ROOT / "rules"
EXAMPLES = ROOT / "examples"
AS_OF = dt.datetime(2014, 1, 15, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
engine.result.CHECK_SHORTCUTS = True  # every result model built without validation is validated too, and compared


def run_cli(capsys, args: list) -> tuple[int, str]:
    """Run `assess` in this process: (exit code, stderr)."""
    from engine.cli import main

    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    return info.value.code, capsys.readouterr().err


def rules_from_text(text: str, name: str = "test-rules.yaml") -> Ruleset:
    digest = hashlib.sha256(text.encode()).hexdigest()
    return build_ruleset(parse_document(text, name, digest, RulesError))


def submission_from(ruleset: Ruleset, data: dict, name: str = "test.json"):
    text = json.dumps(data, ensure_ascii=False, indent=2)
    doc = parse_document(text, name, hashlib.sha256(text.encode()).hexdigest(), SubmissionError)
    return validate_submission(doc, ruleset)


@pytest.fixture(scope="session", autouse=True)
def _own_rules_cache(tmp_path_factory):
    """Parsed rules files are cached in a folder of the test run (the user's own is left alone)."""
    os.environ["ASSESS_CACHE_DIR"] = str(tmp_path_factory.mktemp("rules-cache"))


# the assessors' decision the mini examples are scored with (as a review file would give it)
MINI_REVIEW = [{"评分项": "B-04", "扣分": 0, "理由": "宣传工作扎实", "复核人": "张三"}]


def score(ruleset: Ruleset, data: dict, reviews: list[dict] | None = None):
    """Assess `data`; `reviews` (default MINI_REVIEW) are the assessors' decisions, or a "复核" key in
    the test data (a unit's own submission cannot carry them)."""
    data = dict(data)
    entries = data.pop("复核", None)
    entries = entries if entries is not None else (reviews if reviews is not None else MINI_REVIEW)
    decided = decisions([Review.model_validate(e) for e in entries], "review.yaml", "0" * 64)
    return assess(ruleset, submission_from(ruleset, data), as_of=AS_OF, reviews=decided)


@pytest.fixture(scope="session")
def mini() -> Ruleset:
    return load_rules(DATA / "mini.yaml")


GOOD_MINI = {
    "单位名称": "区测试局",
    "单位类型": "区直部门",
    "考核年度": 2013,
    "指标": {
        "未报备件数": 0,
        "专题学法次数": 4,
        "备案率": 100,
        "制定工作要点": True,
        "出庭应诉率": 100,
        "应诉案件数": 2,
        "报告报送日期": "2013-02-20",
        "案卷合格率": 100,
        "迟报次数": 0,
        "漏报次数": 0,
        "满意率": 95,
        "获评示范": "无",
        "拒不执行件数": 0,
        "诉讼案件": [],
    },
}


def with_values(base: dict, **changes) -> dict:
    data = json.loads(json.dumps(base, ensure_ascii=False))
    data["指标"].update(changes)
    return data
