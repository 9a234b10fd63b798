"""Library entry points: what the CLI (and any other caller) uses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from engine.assessment import assess
from engine.documents.fast_json import load_data_document
from engine.documents.source import Document
from engine.errors import Location, Problem, RulesError, SubmissionError
from engine.intake.submission import Submission, validate_submission
from engine.result import AssessmentResult
from engine.ruleset.folders import choose, map_for
from engine.ruleset.load import load_rules
from engine.ruleset.names import (
    native,
    resolve_rules,
    shipped_examples_dir,  # noqa: F401  (part of the library's entry points)
    shipped_rules_dir,
)
from engine.ruleset.ruleset import Ruleset

if TYPE_CHECKING:
    from engine.intake.history import History

DEFAULT_RULES = "demo-district-2013.yaml"


def default_rules_path() -> Path:
    """The demo ruleset file (`assess` itself defaults to the whole shipped folder, by year)."""
    return shipped_rules_dir() / DEFAULT_RULES


def get_ruleset(path: Path | str | None = None) -> Ruleset:
    """Load a rules file, reusing an earlier load while none of its files (itself, what it extends) changed."""
    path = resolve_rules(path) if path is not None else default_rules_path()
    if path.is_dir():
        raise RulesError(
            Problem(Location(str(path)), "是规则文件夹；这里要一个规则集：请给出规则文件或编号（见 assess rules list）")
        )
    return load_rules(path)  # remembered per file while its sources are unchanged (engine.ruleset.load)


def rules_for(submission: Document, rules_path: Path | str | None = None) -> Path:
    """The rules file to use: the one given, or the one in force for the submission's year in a folder."""
    path = resolve_rules(rules_path)
    if not path.is_dir():
        return path
    data = submission.data if isinstance(submission.data, dict) else {}
    year = data.get("考核年度")
    if isinstance(year, bool) or not isinstance(year, int):
        raise SubmissionError(
            Problem(submission.locate(("考核年度",)), "考核年度应为整数年份（如 2022），据此选用规则集", "choice.year")
        )
    unit_type = data.get("单位类型")
    unit = str(unit_type) if isinstance(unit_type, str) else None
    # locating a value of a JSON submission parses it again, so only when choosing fails
    return choose(path, int(year), unit, lambda: submission.locate(("考核年度",)))


def assess_file(
    submission_path: Path | str,
    rules_path: Path | str | None = None,
    *,
    as_of: dt.datetime | None = None,
    overrides_path: Path | str | None = None,
    responsibility_path: Path | str | None = None,
    history: History | Path | str | None = None,
) -> AssessmentResult:
    """Assess a submission file (JSON, YAML or a filled 填报表) with a rules file, or with the
    ruleset in force for its year in a rules folder (the shipped folder when none is given).

    The items' responsible units come from `responsibility_path` (a 分工表), else from the
    `X.分工.yaml` beside the ruleset when it lists the unit; `history`: earlier results (a file, a
    folder, or a loaded History) to find its year before in."""
    ruleset, submission = load_submission_for(submission_path, rules_path)
    # review files and earlier results are read only when given (their modules are imported then)
    overrides = None
    if overrides_path is not None:
        from engine.intake.review import load_overrides

        overrides = load_overrides(native(overrides_path))
    if history is not None:
        from engine.intake.history import History, load_history

        if not isinstance(history, History):
            history = load_history(native(history))
    previous = history.previous_of(submission) if history is not None else None
    result = assess(ruleset, submission, as_of=as_of, overrides=overrides, previous=previous)
    return with_map(result, ruleset, responsibility_path)


def with_map(
    result: AssessmentResult, ruleset: Ruleset, path: Path | str | None, *, strict: bool = True
) -> AssessmentResult:
    """The result with its items' responsible units from the 分工表 given or beside the ruleset.

    A map given for a unit it does not list is an error when `strict` (one assessment), else
    left out (a batch of many units)."""
    beside = map_for(ruleset)
    if path is None and beside is None:
        return result  # engine.ruleset.responsibility (pydantic models) is imported only when a map applies
    from engine.ruleset.responsibility import with_responsible

    file = native(path) if path is not None else beside
    if not get_map(file, None).applies_to(result.unit):
        if path is None or not strict:
            return result
        mapping = get_map(file, None)
        units = "、".join(mapping.header.units)
        raise RulesError(
            Problem(
                mapping.units_at or Location(mapping.file),
                f"分工表适用于 {units}，不含被考核单位 “{result.unit}”：请检查单位名称或换用该单位的分工表",
                "map.other-unit",
                result.unit,
            )
        )
    mapping = get_map(file, ruleset)
    return with_responsible(result, mapping)


_MAPS: dict[tuple[str, str, str], object] = {}


def get_map(path: Path | str, ruleset: Ruleset | None):
    """A 分工表 (checked against the ruleset when given), loaded once per content."""
    from engine.documents.source import read_bytes
    from engine.ruleset.responsibility import load_map

    path = Path(path)
    # bounded like every input; a missing, oversized or special file is reported with its name
    _, digest = read_bytes(path, RulesError)
    key = (str(path), digest, ruleset.sha256 if ruleset else "")
    if key not in _MAPS:
        _MAPS[key] = load_map(path, ruleset)
    return _MAPS[key]


def load_submission_for(
    submission_path: Path | str, rules_path: Path | str | None = None
) -> tuple[Ruleset, Submission]:
    """The ruleset that applies to a submission, and the submission validated against it."""
    submission_path = native(submission_path)  # a path typed on Windows (a\\b.json) works here too
    if str(submission_path).lower().endswith((".xlsx", ".xlsm")):
        from engine.intake.submission import validate_form
        from engine.intake.xlsx_form import open_form, peek_header

        # a workbook is read with its ruleset's specs, so choose the ruleset from its header cells first;
        # the file is read and opened once for both
        form = open_form(submission_path)
        ruleset = get_ruleset(rules_for(peek_header(form), rules_path))
        return ruleset, validate_form(form, ruleset)
    else:
        doc = load_data_document(submission_path, SubmissionError)
        ruleset = get_ruleset(rules_for(doc, rules_path))
    return ruleset, validate_submission(doc, ruleset)


def rules_for_report(rules_path: Path | str | None) -> Path:
    """A rules file or folder from what `assess extract --rules` was given (a file, a folder or a shipped 编号)."""
    return resolve_rules(rules_path)


def draft_from_report(
    report_path: Path | str,
    rules_path: Path | str | None = None,
    *,
    unit: str | None = None,
    unit_type: str | None = None,
    year: int | None = None,
):
    """Read an annual report and draft a submission: (Extraction, draft dict) — see engine.extract.

    `rules_path` is a rules file, a rules folder or the 编号 of a shipped ruleset; by default the
    ruleset in force for the report's year and unit type is taken from the shipped folder, as `assess`
    takes it for a submission.
    """
    from engine.extract.choice import choose_ruleset
    from engine.extract.draft import build_draft
    from engine.extract.extractor import extract
    from engine.extract.report import read_report

    report = read_report(report_path)
    rules = resolve_rules(rules_path)
    file_types = get_ruleset(rules).header.unit_types if not rules.is_dir() else None
    choice = choose_ruleset(report, rules, year=year, unit_type=unit_type, unit=unit, file_unit_types=file_types)
    ruleset = get_ruleset(choice.path)
    extraction = extract(report, ruleset)
    return extraction, build_draft(extraction, choice)


def cross_check_report(report_path: Path | str, submission_path: Path | str, rules_path: Path | str | None = None):
    """Compare a submission with its unit's annual report (see engine.extract.crosscheck): a CrossCheck.

    The report is read with the ruleset that applies to the submission (chosen as `assess` chooses it).
    """
    from engine.extract.choice import guess_year
    from engine.extract.crosscheck import cross_check
    from engine.extract.extractor import extract
    from engine.extract.report import read_report

    rules = rules_for_report(rules_path)
    ruleset, submission = load_submission_for(submission_path, rules)
    report = read_report(report_path)
    year = guess_year(report)
    extraction = extract(report, ruleset)
    return cross_check(extraction, submission, report_year=int(year.value) if year is not None else None)
