"""`assess schema`: JSON Schema with Chinese titles; committed copies in sync; schemas accept
the shipped files and refuse what the validators refuse."""

from __future__ import annotations

import json

import jsonschema
import pytest
from conftest import DATA, EXAMPLES, ROOT, RULES
from ruamel.yaml import YAML

from engine.api import get_ruleset
from engine.cli import main
from engine.documents.source import plain
from engine.tools.schema import dump, rules_schema, submission_schema

SCHEMA = ROOT / "schema"


def test_committed_schemas_are_up_to_date():
    # regenerate with: assess schema rules -o schema/rules.schema.json (and submission)
    assert (SCHEMA / "rules.schema.json").read_text(encoding="utf-8") == dump(rules_schema())
    assert (SCHEMA / "submission.schema.json").read_text(encoding="utf-8") == dump(submission_schema())


def test_rules_schema_accepts_shipped_rules_and_has_chinese_words():
    schema = rules_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    from engine.ruleset.folders import rules_files

    checked = 0
    for path in [*rules_files(RULES), DATA / "mini.yaml"]:
        jsonschema.validate(plain(YAML(typ="rt").load(path.read_text(encoding="utf-8"))), schema)
        checked += 1
    assert checked >= 5
    assert [ref["$ref"] for ref in schema["anyOf"]] == ["#/$defs/RulesFile", "#/$defs/ChildFile"]
    header = schema["$defs"]["RulesFile"]["properties"]["规则集"]
    assert header["description"].startswith("规则集的基本信息")
    assert "不适用项" in json.dumps(schema, ensure_ascii=False)
    bad = plain(YAML(typ="rt").load((DATA / "mini.yaml").read_text(encoding="utf-8")))
    bad["规则集"]["总分"] = "20"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_submission_schema_for_a_ruleset_types_every_indicator():
    ruleset = get_ruleset(DATA / "mini.yaml")
    schema = submission_schema(ruleset)
    ind = schema["properties"]["指标"]["properties"]
    assert ind["备案率"] == {
        "type": "number",
        "minimum": 0,
        "maximum": 100,
        "title": "规范性文件备案率",
        "description": "规范性文件备案率（单位：%）",
    }
    assert ind["获评示范"]["enum"] == ["无", "市级", "省级"]
    assert ind["诉讼案件"]["items"]["properties"]["结果"]["enum"] == ["胜诉", "败诉", "撤诉"]
    from conftest import GOOD_MINI

    jsonschema.validate(GOOD_MINI, schema)
    bad = json.loads(json.dumps(GOOD_MINI, ensure_ascii=False))
    bad["指标"]["备案率"] = "96"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    from engine.api import load_submission_for

    for example in sorted(EXAMPLES.glob("*.json")):  # each against the ruleset in force for it
        ruleset, _ = load_submission_for(example)
        jsonschema.validate(json.loads(example.read_text(encoding="utf-8")), submission_schema(ruleset))


def test_cli_writes_schema_and_rejects_misused_option(tmp_path, capsys):
    out = tmp_path / "s.json"
    with pytest.raises(SystemExit) as info:
        main(["schema", "submission", "--rules", str(DATA / "mini.yaml"), "-o", str(out)])
    assert info.value.code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["title"] == "申报数据（测试规则集）"
    with pytest.raises(SystemExit) as info:
        main(["schema", "rules", "--rules", str(DATA / "mini.yaml")])
    assert info.value.code == 2
