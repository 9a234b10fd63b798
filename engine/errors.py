"""Typed errors. Every user-facing error names the file and the place in it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Location:
    """A place in an input: file, 1-based line:col, and a path inside the document."""

    file: str
    line: int | None = None
    col: int | None = None
    path: str = ""

    def __str__(self) -> str:
        head = self.file
        if self.line is not None:
            head += f":{self.line}"
            if self.col is not None:
                head += f":{self.col}"
        return f"{head}: {self.path}" if self.path else head


@dataclass(frozen=True)
class Problem:
    """One finding: where, and what was expected."""

    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class AssessError(Exception):
    """Base of every error this package raises on purpose."""

    exit_code = 4


class InputError(AssessError):
    """Bad input (a submission or a rules file); carries every problem found."""

    exit_code = 3
    kind = "输入"
    consequence = "未评分，未写出任何文件。"

    def __init__(self, problems: list[Problem] | Problem):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def file(self) -> str:
        return self.problems[0].location.file if self.problems else ""


class RulesError(InputError):
    """A rules file that cannot be loaded or does not make sense."""

    kind = "规则文件"


class SubmissionError(InputError):
    """A submission that does not match the ruleset's declared indicators."""

    kind = "申报数据"


class CasesError(InputError):
    """A file of rule test cases (用例) that cannot be read or does not fit its ruleset."""

    kind = "用例文件"


class RulesetChoiceError(InputError):
    """No ruleset, or more than one, is in force for a submission's year in a rules folder."""

    kind = "规则集选用"


class ScoresheetError(InputError):
    """A scoresheet given to `assess verify` that cannot be read as one."""

    kind = "评分表"
    consequence = "未核对。"


class ExpressionError(Exception):
    """A condition that does not parse or type-check; `offset` is 0-based in the text."""

    def __init__(self, message: str, offset: int = 0, token: str = ""):
        self.message = message
        self.offset = offset
        self.token = token
        super().__init__(message)


class EngineError(AssessError):
    """The rule engine failed; the result would be wrong, so nothing is scored."""

    exit_code = 4


@dataclass
class ErrorList:
    """Collects problems so a run can report all of them at once."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, location: Location, message: str) -> None:
        self.problems.append(Problem(location, message))

    def __bool__(self) -> bool:
        return bool(self.problems)


class OutputError(InputError):
    """An output folder that cannot be used (not a folder, not writable, in use by another run)."""

    kind = "输出文件夹"
