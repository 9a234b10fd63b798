"""The round's service layer: every read and change the web pages make, authorised here as well.

Every method that acts for a person takes that person (`user`/`by`) and checks role and unit
itself: an assessor (考核组) sees every round; a unit's account (单位) sees its own unit only, and
anything else is refused as not found (an id guessed is indistinguishable from one that does
not exist). Every change is one transaction; a submission's version is checked with UPDATE …
WHERE version = :v, so an edit made on a stale page is refused with the newer version.

A unit's data is the dict a JSON submission file holds; scoring goes through server.scoring (one
evaluating thread) and, at finalize, through `assess batch`'s own code on the files an export
holds, so the server's workbooks are the CLI's bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

ASSESSOR = "考核组"
UNIT = "单位"
ROLES = (ASSESSOR, UNIT)

# a submission's status
MISSING = "未填报"
DRAFT = "草稿"
SUBMITTED = "已提交"
RETURNED = "已退回"
FINAL = "已定稿"


# -- what the store hands out (plain values, never database rows) ----------------------------


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str  # 考核组 | 单位
    unit_id: int | None = None  # a unit's account: its unit

    @property
    def assessor(self) -> bool:
        return self.role == ASSESSOR


@dataclass(frozen=True)
class RulesetChoice:
    id: str  # 编号
    name: str  # 名称
    file: str  # the rules file's path
    unit_types: tuple[str, ...] = ()
    period: str = ""


@dataclass(frozen=True)
class Round:
    id: int
    rules: str  # rules file path
    ruleset_id: str
    ruleset_name: str
    year: int
    opens: dt.datetime
    closes: dt.datetime
    created_by: str
    created_at: dt.datetime
    finalized_at: dt.datetime | None = None

    @property
    def finalized(self) -> bool:
        return self.finalized_at is not None

    def open_at(self, now: dt.datetime) -> bool:
        return self.opens <= now <= self.closes


@dataclass(frozen=True)
class Unit:
    id: int
    round_id: int
    position: int
    name: str
    unit_type: str


@dataclass(frozen=True)
class Evidence:
    id: int
    unit_id: int
    indicator: str
    name: str  # sanitised file name
    sha256: str
    size: int
    content_type: str
    uploaded_by: str
    uploaded_at: dt.datetime


@dataclass(frozen=True)
class ReviewEntry:
    id: int
    unit_id: int
    item: str
    kind: str  # 得分 | 扣分
    amount: Decimal
    reason: str
    reviewer: str
    created_at: dt.datetime


@dataclass(frozen=True)
class SubmissionView:
    unit: Unit
    data: dict[str, Any]
    version: int
    status: str  # 未填报 | 草稿 | 已提交 | 已退回 | 已定稿
    message: str  # the 退回 message, "" when none
    updated_at: dt.datetime | None
    submitted_at: dt.datetime | None
    evidence: tuple[Evidence, ...] = ()
    editable: bool = False  # whether the unit may still change it now


@dataclass(frozen=True)
class UnitStatus:
    unit: Unit
    account: str  # the unit's login name
    status: str
    version: int
    updated_at: dt.datetime | None
    submitted_at: dt.datetime | None
    total: Decimal | None  # provisional (final once the round is finalized)
    grade: str | None
    evidence: int = 0
    reviews: int = 0


@dataclass(frozen=True)
class FieldProblem:
    """A problem with a submission: its JSON path (keys and indexes), the Chinese message, the code."""

    path: tuple[str | int, ...]
    message: str
    code: str = ""
    text: str = ""  # the whole located message as the CLI prints it


@dataclass(frozen=True)
class Checked:
    problems: tuple[FieldProblem, ...] = ()
    result: Any = None  # engine.result.AssessmentResult when there are no problems

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class RankRow:
    rank: int
    unit: str
    unit_id: int
    unit_type: str
    total: Decimal
    grade: str
    group: str = ""  # the ranking group when unit types are ranked apart


# -- refusals -------------------------------------------------------------------------------


class StoreError(Exception):
    """A refusal with a Chinese message; `code` is what callers switch on."""

    code = "store"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class NotFound(StoreError):
    """Nothing of that id — or nothing this user may see (the two are not told apart)."""

    code = "not-found"


class Forbidden(StoreError):
    """The user's role may not do this (a unit's account on an assessor's action)."""

    code = "forbidden"


class LoginRefused(StoreError):
    """code: "wrong" (name or password) or "throttled" (too many failures; `until` says when it ends)."""

    def __init__(self, message: str, code: str, until: dt.datetime | None = None):
        super().__init__(message, code)
        self.until = until


class Stale(StoreError):
    """The version given is not the stored one: `current` is the newer submission."""

    code = "stale"

    def __init__(self, current: SubmissionView):
        super().__init__(
            f"此申报已被修改（当前版本 {current.version}，{current.updated_at or ''}）：未保存；请在最新版本上修改",
        )
        self.current = current


class Closed(StoreError):
    """The submission cannot be changed now: past the deadline, submitted, or finalized."""

    code = "closed"


class Invalid(StoreError):
    """Bad input: `problems` located in the data (JSON path) or file (sheet!cell, line:col)."""

    code = "invalid"

    def __init__(self, message: str, problems: tuple[FieldProblem, ...] = (), code: str | None = None):
        super().__init__(message, code)
        self.problems = problems


class Store:
    """The round's data in a database (SQLite file or PostgreSQL URL) and an evidence folder."""

    def __init__(self, db_url: str, data_dir: Path, *, clock=None, hasher=None):
        """Open (create) the database, migrate it to the newest schema, make the data folders.

        `clock()` gives the current aware time (tests move it); `hasher` an argon2 PasswordHasher."""
        raise NotImplementedError

    # accounts
    def add_user(
        self, name: str, role: str, password: str | None = None, *, unit_id: int | None = None
    ) -> tuple[User, str]:
        """A new account; returns it with its password (generated when None: shown once)."""
        raise NotImplementedError

    def set_password(self, by: User, name: str, password: str | None = None) -> str:
        """A new password for an account (an assessor for any, anyone for their own); generated when None."""
        raise NotImplementedError

    def login(self, name: str, password: str, *, client: str) -> User:
        """The user, or LoginRefused (wrong | throttled); failures counted per name and per client, in the DB."""
        raise NotImplementedError

    def user(self, user_id: int) -> User | None:
        raise NotImplementedError

    # rounds
    def rulesets(self) -> list[RulesetChoice]:
        """The rulesets of the shipped rules folder (as `assess rules list`), by 编号."""
        raise NotImplementedError

    def create_round(
        self,
        by: User,
        *,
        rules: str,
        year: int,
        opens: dt.datetime,
        closes: dt.datetime,
        units: list[tuple[str, str]],
    ) -> tuple[Round, list[tuple[Unit, str, str]]]:
        """A round of `units` (name, type) with the ruleset `rules` (编号 or file); each unit gets an
        account: returns (unit, account name, first password)."""
        raise NotImplementedError

    def units_from_xlsx(self, data: bytes, *, file: str) -> list[tuple[str, str]]:
        """(name, type) rows of a workbook's first sheet (header 单位名称, 单位类型), through the xlsx guard."""
        raise NotImplementedError

    def rounds(self, user: User) -> list[Round]:
        raise NotImplementedError

    def round(self, user: User, round_id: int) -> Round:
        raise NotImplementedError

    def units(self, user: User, round_id: int) -> list[Unit]:
        raise NotImplementedError

    def dashboard(self, user: User, round_id: int) -> list[UnitStatus]:
        """Every unit's status, version, times and provisional 总分/等次 (assessor only)."""
        raise NotImplementedError

    # a unit's submission
    def submission(self, user: User, unit_id: int) -> SubmissionView:
        raise NotImplementedError

    def save(self, user: User, unit_id: int, data: dict, *, version: int) -> SubmissionView:
        """Store a draft (the unit's own account). Stale when `version` is not the stored one; Closed
        after the deadline or once submitted. 单位名称, 单位类型 and 考核年度 are the round's."""
        raise NotImplementedError

    def save_form(self, user: User, unit_id: int, xlsx: bytes, *, version: int, file: str) -> SubmissionView:
        """A filled 填报表 read as the CLI reads it, then saved as `save` does; Invalid with located problems."""
        raise NotImplementedError

    def check(self, user: User, unit_id: int, data: dict) -> Checked:
        """The problems of `data` (JSON path + Chinese message) or its provisional result; nothing stored."""
        raise NotImplementedError

    def submit(self, user: User, unit_id: int, *, version: int) -> SubmissionView:
        """Submit the stored version: Invalid with problems, Stale, or Closed after the deadline."""
        raise NotImplementedError

    def send_back(self, user: User, unit_id: int, message: str) -> SubmissionView:
        """退回 a submitted unit for correction (assessor), with a message; it may then edit past the deadline."""
        raise NotImplementedError

    def add_evidence(self, user: User, unit_id: int, indicator: str, name: str, stream: BinaryIO) -> Evidence:
        """佐证材料 for an indicator: size and type limited, stored under its sha256, atomically."""
        raise NotImplementedError

    def evidence(self, user: User, evidence_id: int) -> tuple[Evidence, Path]:
        """The record and the stored file (for the web layer to send as an attachment)."""
        raise NotImplementedError

    # review
    def review(
        self, user: User, unit_id: int, item: str, score: Decimal, reason: str, *, kind: str = "得分"
    ) -> ReviewEntry:
        """Append a 复核 entry (assessor): the item's 得分 (or 扣分 with kind="扣分"), checked as
        `--overrides` checks it; a later entry for the same item supersedes an earlier one."""
        raise NotImplementedError

    def review_log(self, user: User, unit_id: int) -> list[ReviewEntry]:
        raise NotImplementedError

    def result(self, user: User, unit_id: int) -> Any:
        """The unit's AssessmentResult with the review entries applied as `--overrides` applies them
        (the finalized one once the round is finalized)."""
        raise NotImplementedError

    def finalize(self, user: User, round_id: int, *, as_of: dt.datetime | None = None) -> None:
        """Freeze the round: every submitted unit scored once, as `assess batch --as-of` scores it."""
        raise NotImplementedError

    def ranking(self, user: User, round_id: int) -> list[RankRow]:
        raise NotImplementedError

    def scoresheet(self, user: User, unit_id: int) -> Path:
        """The unit's 评分表.xlsx of the finalized round (the bytes `assess batch` writes)."""
        raise NotImplementedError

    def summary_workbook(self, user: User, round_id: int) -> Path:
        """The finalized round's 汇总.xlsx (assessor)."""
        raise NotImplementedError

    def download(self, user: User, round_id: int) -> Path:
        """One zip: every 评分表 and the 汇总.xlsx of the finalized round (assessor)."""
        raise NotImplementedError

    # archive
    def export(self, round_id: int, target: Path) -> Path:
        """A self-contained archive of the round (see server.archive)."""
        raise NotImplementedError

    def import_(self, archive: Path) -> Round:
        """Restore an exported round as a new round (new accounts for its units)."""
        raise NotImplementedError
