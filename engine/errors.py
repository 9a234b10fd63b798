"""Typed errors. Every user-facing error names the file and the place in it."""

from __future__ import annotations

from dataclasses import dataclass, field

Step = str | int  # a key of a mapping or an index into a list


def format_path(path: tuple[Step, ...]) -> str:
    """A path as users read it: 评分细则[0].二级指标[1].评分项[2].条件."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += ("." if out else "") + str(step)
    return out


@dataclass(frozen=True)
class Location:
    """A place in an input, as data.

    `file`; 1-based `line`:`col` in a text file, or `cell` (sheet!A1) in a workbook; `path`, the keys
    and indices leading to the value inside the document; and `via`, for a value a rules file
    inherits (继承): where that value is written in the file it comes from (itself possibly
    inherited). Such a location is the child's 继承 line, with the path in the merged ruleset.
    A path given as text (by code written before paths were tuples) is kept as one step.
    """

    file: str
    line: int | None = None
    col: int | None = None
    path: tuple[Step, ...] = ()
    via: Location | None = None
    cell: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.path, str):
            object.__setattr__(self, "path", (self.path,) if self.path else ())
        elif not isinstance(self.path, tuple):
            object.__setattr__(self, "path", tuple(self.path))

    @property
    def head(self) -> str:
        """file, file:line:col or file!cell."""
        head = self.file if self.cell is None else f"{self.file}!{self.cell}"
        if self.line is not None:
            head += f":{self.line}"
            if self.col is not None:
                head += f":{self.col}"
        return head

    @property
    def where(self) -> str:
        """The path as text, then where an inherited value comes from: `评分细则[8].分值（继承自 f.yaml:851:9）`."""
        return format_path(self.path) + self.origin

    @property
    def origin(self) -> str:
        return f"（继承自 {self.via.head}{self.via.origin}）" if self.via is not None else ""

    def __str__(self) -> str:
        where = self.where
        return f"{self.head}: {where}" if where else self.head


@dataclass(frozen=True)
class Problem:
    """One finding: a stable `code` for code that reacts to it (never the message text), where it
    is, and what was expected; `subject` is the name or id it is about, when there is one.

    `str(problem)` is the line users read: `file:line:col: path: message`.
    """

    location: Location
    message: str
    code: str = "input"
    subject: str | None = None

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

    def __reduce__(self) -> tuple:
        # pickled with its problems (the default would rebuild it from the joined message)
        return (type(self), (self.problems,), self.__dict__)


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


class HistoryError(InputError):
    """Earlier results (`--history`) that cannot be read, or that cannot be matched to a unit."""

    kind = "上年结果"


class ScoresheetError(InputError):
    """A scoresheet given to `assess verify` that cannot be read as one."""

    kind = "评分表"
    consequence = "未核对。"


class ExpressionError(Exception):
    """A condition that does not parse or type-check; `offset` is 0-based in the text."""

    def __init__(self, message: str, offset: int = 0, token: str = "", code: str = "rules.condition"):
        self.message = message
        self.offset = offset
        self.token = token
        self.code = code  # the Problem's code when it is reported in a rules file
        super().__init__(message)


class EngineError(AssessError):
    """The rule engine failed; the result would be wrong, so nothing is scored."""

    exit_code = 4


@dataclass
class ErrorList:
    """Collects problems so a run can report all of them at once."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, location: Location, message: str, code: str = "input", subject: str | None = None) -> None:
        self.problems.append(Problem(location, message, code, subject))

    def __bool__(self) -> bool:
        return bool(self.problems)


class OutputError(InputError):
    """An output folder that cannot be used (not a folder, not writable, in use by another run)."""

    kind = "输出文件夹"
