"""Library entry points: what the CLI (and any other caller) uses."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
from pathlib import Path

from .evaluate import assess
from .overrides import load_overrides
from .result import AssessmentResult
from .rules_loader import Ruleset, load_rules
from .submission import load_submission

DEFAULT_RULES = "demo-district-2013.yaml"
_RULESETS: dict[str, Ruleset] = {}


def shipped_rules_dir() -> Path:
    """The rules folder installed with the package (the repository's rules/ in development)."""
    installed = Path(__file__).resolve().parent / "shipped_rules"  # a regular install
    if installed.is_dir():
        return installed
    # an editable install maps engine.shipped_rules onto the repository's rules/ (a namespace
    # package: it has no __init__.py, so ask for its search path rather than a file)
    spec = importlib.util.find_spec("engine.shipped_rules")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).resolve().parent.parent / "rules"


def default_rules_path() -> Path:
    return shipped_rules_dir() / DEFAULT_RULES


def get_ruleset(path: Path | str | None = None) -> Ruleset:
    """Load a rules file, reusing an earlier load of identical content."""
    path = Path(path) if path is not None else default_rules_path()
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return load_rules(path)  # reports the missing/unreadable file with its name
    hit = _RULESETS.get(digest)
    if hit is not None and hit.file == str(path):
        return hit
    ruleset = load_rules(path)
    _RULESETS[ruleset.sha256] = ruleset
    return ruleset


def assess_file(
    submission_path: Path | str,
    rules_path: Path | str | None = None,
    *,
    as_of: dt.datetime | None = None,
    overrides_path: Path | str | None = None,
) -> AssessmentResult:
    ruleset = get_ruleset(rules_path)
    overrides = load_overrides(overrides_path, ruleset) if overrides_path is not None else None
    submission = load_submission(submission_path, ruleset)
    return assess(ruleset, submission, as_of=as_of, overrides=overrides)


def draft_from_report(
    report_path: Path | str,
    rules_path: Path | str | None = None,
    *,
    unit: str | None = None,
    unit_type: str | None = None,
    year: int | None = None,
):
    """Read an annual report and draft a submission: (Extraction, draft dict) — see engine.extract."""
    from .extract.draft import build_draft
    from .extract.extractor import extract
    from .extract.report import read_report

    ruleset = get_ruleset(rules_path)
    extraction = extract(read_report(report_path), ruleset)
    return extraction, build_draft(extraction, unit=unit, unit_type=unit_type, year=year)
