"""The scoring-method cases of tests/methods/<计分方式>.yaml as runnable pieces: each case's rules
file, submission and assessors' decisions (shared by the method tests and the reason-wording test)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from engine.assessment import assess
from engine.documents.source import parse_document, plain
from engine.errors import RulesError, SubmissionError
from engine.intake.review import Review, decisions
from engine.intake.submission import validate_submission
from engine.ruleset.build import build_ruleset
from engine.ruleset.methods import METHODS

HERE = Path(__file__).resolve().parent / "methods"
AS_OF = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
UNIT_TYPE = "单位"
FILE_KEYS = {"计分方式", "说明", "指标", "评分项"}
CASE_KEYS = {"说明", "规则集", "指标", "评分项", "值", "复核", "预期", "错误"}
EXPECT_KEYS = {"扣分", "得分", "状态", "待复核分", "加分", "理由", "不良记录", "解释", "边界"}


def _load(path: Path) -> dict[str, Any]:
    return plain(YAML(typ="rt").load(path.read_text(encoding="utf-8")))


def _cases() -> list[Any]:
    out = []
    for path in sorted(HERE.glob("*.yaml")):
        spec = _load(path)
        for name, case in spec.items():
            if name.startswith("test_"):
                out.append(pytest.param(path.stem, spec, name, case, id=f"{path.stem}::{name}"))
    return out


def _merge(base: dict, changes: dict) -> dict:
    out = dict(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def _rules(spec: dict, case: dict) -> dict:
    item = _merge(spec["评分项"], case.get("评分项") or {})
    bonus = METHODS[item["计分方式"]].bonus if item.get("计分方式") in METHODS else False
    filler = {"编号": "Z-00", "考核内容": "占位", "分值": 1, "评分标准": "占位。", "计分方式": "酌情扣分"}
    total = Decimal(str(filler["分值"] if bonus else item.get("分值", 1)))
    header = {
        "编号": "method-cases",
        "名称": "计分方式用例",
        "考核年度": 2024,
        "总分": total,
        "加分上限": Decimal(str(item.get("分值", 0))) if bonus else 0,
        "单位类型": [UNIT_TYPE],
        "等次": {
            "默认": {"优秀": total * Decimal("0.9"), "良好": total * Decimal("0.8"), "合格": total * Decimal("0.6")}
        },
    }
    return {
        "规则集": _merge(header, case.get("规则集") or {}),
        # optional unless a case says otherwise: a case submits only what its item reads
        "指标": {k: {"必填": False, **v} for k, v in {**(spec.get("指标") or {}), **(case.get("指标") or {})}.items()},
        "评分细则": [{"一级指标": "测试", "二级指标": [{"名称": "测试", "评分项": [filler if bonus else item]}]}],
        **({"加分项": [item]} if bonus else {}),
    }


def _yaml_text(data: dict) -> str:
    yaml = YAML(typ="safe")
    yaml.default_flow_style = False
    yaml.representer.add_representer(Decimal, lambda r, v: r.represent_scalar("tag:yaml.org,2002:float", str(v)))
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()


def _submission(ruleset, case: dict):
    data = {"单位名称": "测试单位", "单位类型": UNIT_TYPE, "考核年度": 2024, "指标": case.get("值") or {}}
    text = json.dumps(data, ensure_ascii=False, default=str)
    doc = parse_document(text, "case.json", hashlib.sha256(text.encode()).hexdigest(), SubmissionError)
    return validate_submission(doc, ruleset)


def _run(method: str, spec: dict, case: dict):
    """(ruleset, submission, decisions, result) of a case whose rules file loads."""
    text = _yaml_text(_rules(spec, case))
    doc = parse_document(text, f"{method}.yaml", hashlib.sha256(text.encode()).hexdigest(), RulesError)
    ruleset = build_ruleset(doc)
    submission = _submission(ruleset, case)
    # a case's 复核 stands for the assessors' review file (a submission cannot carry decisions)
    reviews = decisions([Review.model_validate(r) for r in case.get("复核") or []], "review.yaml", "0" * 64)
    return ruleset, submission, reviews, assess(ruleset, submission, as_of=AS_OF, reviews=reviews)
