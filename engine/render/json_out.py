"""The result as JSON: Decimal amounts as strings ("2.50"), Chinese kept as is."""

from __future__ import annotations

import json

from engine.result import AssessmentResult


def to_json(result: AssessmentResult) -> str:
    return json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2, sort_keys=False) + "\n"
