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

import contextlib
import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Engine, create_engine, delete, event, func, make_url, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.files.atomic import write_text_atomic
from server import accounts, archive
from server.db import (
    EvidenceRow,
    ResultRow,
    ReviewRow,
    RoundRow,
    SessionRow,
    SubmissionRow,
    ThrottleRow,
    UnitRow,
    UserRow,
)
from server.evidence import EvidenceFiles, EvidenceRefused, clean_name
from server.scoring import score

ASSESSOR, UNIT, ROLES = accounts.ASSESSOR, accounts.UNIT, accounts.ROLES

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
    updated_by: str = ""  # the account that made the last change


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
    subject: str | None = None  # the indicator or name it is about (a missing indicator's path is 指标 only)


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
            f"此申报已被修改（当前版本 {current.version}"
            f"{'，' + current.updated_by + ' 于 ' + _shown_time(current.updated_at) if current.updated_at else ''}）："
            "未保存；请在最新版本上修改",
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
    """The round's data in a database (SQLite file or PostgreSQL URL) and a data folder.

    The data folder holds `evidence/` (files under their sha256) and `rounds/N/` (the files a
    finalized round was scored from and its workbooks); neither is ever served as a folder.
    """

    def __init__(self, db_url: str | None, data_dir: Path, *, clock=None, hasher=None):
        """Open (create) the database, migrate it to the newest schema, make the data folders.

        `db_url` None: SQLite in `data_dir/考核.db`. `clock()` gives the current aware time (tests
        move it); `hasher` an argon2 PasswordHasher."""
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not db_url:
            db_url = f"sqlite:///{(self.data_dir / DEFAULT_DB).resolve()}"
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.hasher = hasher or accounts.hasher()
        self.engine = _engine(db_url, self.data_dir)
        self.reader = self.engine.execution_options(read_only=True)
        migrate(self.engine)
        self.files = EvidenceFiles(self.data_dir / "evidence")
        self.rounds_dir = self.data_dir / "rounds"
        self.rounds_dir.mkdir(exist_ok=True)

    def close(self) -> None:
        self.engine.dispose()

    @contextlib.contextmanager
    def _tx(self, *, read: bool = False) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any exception.

        `read`: one that only reads (on SQLite it then does not queue behind the writers)."""
        with Session(self.reader if read else self.engine, expire_on_commit=False) as s, s.begin():
            yield s

    def _now(self) -> dt.datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the clock gives aware times")
        return now

    # -- who may do what --------------------------------------------------------------------

    def _actor(self, s: Session, user: User) -> User:
        """The user as the database knows it now (role and unit are never taken from the caller)."""
        row = s.get(UserRow, user.id) if user is not None else None
        if row is None or row.name != user.name:
            raise Forbidden("请先登录", "login")
        return _user(row)

    def _assessor(self, s: Session, user: User) -> User:
        actor = self._actor(s, user)
        if not actor.assessor:
            raise Forbidden("只有考核组可以这样做")
        return actor

    def _unit(self, s: Session, user: User, unit_id: int) -> tuple[User, UnitRow, RoundRow]:
        """The unit if the user may see it: an assessor any, a unit's account its own (else NotFound)."""
        actor = self._actor(s, user)
        unit = s.get(UnitRow, unit_id) if isinstance(unit_id, int) else None
        if unit is None or (not actor.assessor and actor.unit_id != unit.id):
            raise NotFound("没有这个单位")
        return actor, unit, s.get(RoundRow, unit.round_id)

    def _own_unit(self, s: Session, user: User, unit_id: int) -> tuple[User, UnitRow, RoundRow]:
        """The unit if the user is its own account (a unit's data is entered by the unit only)."""
        actor, unit, rnd = self._unit(s, user, unit_id)
        if actor.unit_id != unit.id:
            raise Forbidden("申报数据由被考核单位自己填报；考核组可以退回或复核")
        return actor, unit, rnd

    def _round_row(self, s: Session, user: User, round_id: int) -> tuple[User, RoundRow]:
        actor = self._actor(s, user)
        rnd = s.get(RoundRow, round_id) if isinstance(round_id, int) else None
        if rnd is None:
            raise NotFound("没有这个考核批次")
        if not actor.assessor:
            unit = s.get(UnitRow, actor.unit_id) if actor.unit_id is not None else None
            if unit is None or unit.round_id != rnd.id:
                raise NotFound("没有这个考核批次")
        return actor, rnd

    # -- accounts ---------------------------------------------------------------------------

    def add_user(
        self, name: str, role: str, password: str | None = None, *, unit_id: int | None = None
    ) -> tuple[User, str]:
        """A new account; returns it with its password (generated when None: shown once)."""
        with self._tx() as s:
            return self._add_user(s, name, role, password, unit_id)

    def _add_user(self, s: Session, name: str, role: str, password: str | None, unit_id: int | None):
        name = (name or "").strip()
        if not name or len(name) > 100 or any(not ch.isprintable() for ch in name):
            raise Invalid("账号名应为 1 至 100 个可见字符", code="account.name")
        if role not in ROLES:
            raise Invalid(f"角色应为 {'或'.join(ROLES)}", code="account.role")
        if (role == UNIT) != (unit_id is not None):
            raise Invalid("单位账号须属于一个单位；考核组账号不属于单位", code="account.unit")
        if unit_id is not None and s.get(UnitRow, unit_id) is None:
            raise NotFound("没有这个单位")
        if s.scalar(select(UserRow.id).where(UserRow.name == name)) is not None:
            raise Invalid(f"账号 “{name}” 已存在", code="account.exists")
        if password is None:
            password = accounts.new_password()
        elif (why := accounts.password_problem(password)) is not None:
            raise Invalid(why, code="account.password")
        row = UserRow(
            name=name, role=role, unit_id=unit_id, password_hash=self.hasher.hash(password), created_at=self._now()
        )
        s.add(row)
        s.flush()
        return _user(row), password

    def set_password(self, by: User, name: str, password: str | None = None, *, keep: str | None = None) -> str:
        """A new password for an account (an assessor for any, anyone for their own); generated when None.

        Ends the account's sessions but `keep` (the secret id of the session making the change)."""
        with self._tx() as s:
            actor = self._actor(s, by)
            row = s.scalar(select(UserRow).where(UserRow.name == name))
            if row is None or (not actor.assessor and row.id != actor.id):
                raise NotFound("没有这个账号")
            if password is None:
                password = accounts.new_password()
            elif (why := accounts.password_problem(password)) is not None:
                raise Invalid(why, code="account.password")
            row.password_hash = self.hasher.hash(password)
            s.execute(delete(ThrottleRow).where(ThrottleRow.key == f"name:{name}"))
            # whoever logged in with the old password is out; the changer's own session stays
            ended = delete(SessionRow).where(SessionRow.user_id == row.id)
            if keep is not None:
                ended = ended.where(SessionRow.key != _session_key(keep))
            s.execute(ended)
            return password

    def change_password(self, by: User, current: str, new: str, *, client: str, keep: str | None = None) -> None:
        """Anyone's own password, given the current one (checked and throttled as a login is: a
        browser left open is not enough); their other sessions end."""
        try:
            self.login(by.name, current, client=client)
        except LoginRefused as exc:
            raise Invalid("当前密码不对" if exc.code == "wrong" else exc.message, code="account.current") from None
        self.set_password(by, by.name, new, keep=keep)

    # -- sessions ---------------------------------------------------------------------------

    def open_session(self, user: User, sid: str, seconds: int) -> None:
        """A session for `user` whose secret id is `sid` (the cookie's), for `seconds`; expired ones go."""
        now = self._now()
        with self._tx() as s:
            s.execute(delete(SessionRow).where(SessionRow.expires_at <= now))
            s.add(
                SessionRow(
                    key=_session_key(sid),
                    user_id=user.id,
                    created_at=now,
                    expires_at=now + dt.timedelta(seconds=seconds),
                )
            )

    def session_user(self, sid: str) -> User | None:
        """The user of a live session, or None (ended by logout or a password change, or expired)."""
        with self._tx(read=True) as s:
            row = s.scalar(
                select(UserRow)
                .join(SessionRow, SessionRow.user_id == UserRow.id)
                .where(SessionRow.key == _session_key(sid), SessionRow.expires_at > self._now())
            )
            return _user(row) if row is not None else None

    def end_session(self, sid: str) -> None:
        """Logout: the session is gone for every process, now and after a restart."""
        with self._tx() as s:
            s.execute(delete(SessionRow).where(SessionRow.key == _session_key(sid)))

    def login(self, name: str, password: str, *, client: str) -> User:
        """The user, or LoginRefused (wrong | throttled); failures counted per name and per client, in the DB.

        The password is verified outside any transaction (argon2 takes tens of milliseconds on purpose)."""
        now = self._now()
        keys = accounts.throttle_keys(name, client)
        with self._tx(read=True) as s:
            rows = [s.get(ThrottleRow, key) for key, _ in keys]
            locked = [r.locked_until for r in rows if r is not None and r.locked_until and r.locked_until > now]
            row = s.scalar(select(UserRow).where(UserRow.name == name))
        if locked:
            until = max(locked)
            raise LoginRefused(
                f"登录失败次数过多，请于 {until.astimezone(archive.CHINA):%H:%M} 后再试", "throttled", until
            )
        if row is not None and accounts.verify(self.hasher, row.password_hash, password):
            with self._tx() as s:
                s.execute(delete(ThrottleRow).where(ThrottleRow.key == f"name:{name}"))
                if self.hasher.check_needs_rehash(row.password_hash):
                    s.get(UserRow, row.id).password_hash = self.hasher.hash(password)
            return _user(row)
        if row is None:
            accounts.dummy_verify(self.hasher, password)
        for attempt in range(3):  # two first failures at once insert the same key: the loser counts again
            try:
                self._count_failure(keys, now)
                break
            except IntegrityError:
                if attempt == 2:
                    raise
        raise LoginRefused("账号或密码不对", "wrong")

    def _count_failure(self, keys, now: dt.datetime) -> None:
        with self._tx() as s:
            # records of windows long over go, so guessed names and addresses do not pile up
            stale = now - dt.timedelta(days=1)
            s.execute(
                delete(ThrottleRow).where(
                    ThrottleRow.window_start < stale,
                    (ThrottleRow.locked_until.is_(None)) | (ThrottleRow.locked_until < stale),
                )
            )
            for key, rule in keys:
                r = s.get(ThrottleRow, key, with_for_update=True)
                if r is None:
                    s.add(ThrottleRow(key=key, failures=1, window_start=now, locked_until=None))
                    s.flush()
                    continue
                if now - r.window_start > rule.window:
                    r.failures, r.window_start, r.locked_until = 1, now, None
                else:
                    r.failures += 1
                if r.failures >= rule.limit:
                    r.locked_until = now + rule.lock

    def user(self, user_id: int) -> User | None:
        with self._tx(read=True) as s:
            row = s.get(UserRow, user_id)
            return _user(row) if row is not None else None

    def users(self, by: User) -> list[User]:
        """Every account (assessor)."""
        with self._tx(read=True) as s:
            self._assessor(s, by)
            return [_user(r) for r in s.scalars(select(UserRow).order_by(UserRow.id))]

    # -- rounds -----------------------------------------------------------------------------

    def rulesets(self) -> list[RulesetChoice]:
        """The rulesets of the shipped rules folder (as `assess rules list`), by 编号."""
        from engine.ruleset.names import list_rulesets

        return [RulesetChoice(e.id, e.name, str(e.path), e.unit_types, e.period) for e in list_rulesets()]

    def ruleset(self, user: User, round_id: int):
        """The round's checked Ruleset (engine.ruleset.ruleset.Ruleset): indicators and items for the form."""
        with self._tx(read=True) as s:
            _, rnd = self._round_row(s, user, round_id)
        return self._ruleset(rnd.rules)

    def _ruleset(self, rules: str):
        from engine import api

        return score(api.get_ruleset, rules)

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
        from engine.errors import InputError
        from engine.ruleset.names import resolve_rules

        with self._tx(read=True) as s:
            actor = self._assessor(s, by)
        try:
            path = resolve_rules(rules)
            if path.is_dir():
                raise Invalid(f"{rules}：是规则文件夹；请选择一个规则集", code="round.rules")
            ruleset = self._ruleset(str(path))
        except InputError as exc:
            raise Invalid(str(exc.problems[0]), _problems(exc), code="round.rules") from None
        if isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2100:
            raise Invalid("考核年度应为 1990 至 2100 的整数", code="round.year")
        if opens.tzinfo is None or closes.tzinfo is None or not opens < closes:
            raise Invalid("填报期限：开始时间应早于截止时间（含时区）", code="round.window")
        checked = _check_units(units, tuple(ruleset.header.unit_types))
        with self._tx() as s:
            rnd = RoundRow(
                rules=str(path),
                ruleset_id=ruleset.header.id,
                ruleset_name=str(ruleset.header.name),
                year=year,
                opens=opens,
                closes=closes,
                created_by=actor.name,
                created_at=self._now(),
            )
            s.add(rnd)
            s.flush()
            made = []
            for position, (name, unit_type) in enumerate(checked, 1):
                unit = UnitRow(round_id=rnd.id, position=position, name=name, unit_type=unit_type)
                s.add(unit)
                s.flush()
                s.add(_blank_submission(unit.id))
                account = f"R{rnd.id}-{position:03d}"
                _, password = self._add_user(s, account, UNIT, None, unit.id)
                made.append((_unit_of(unit), account, password))
            return _round(rnd), made

    def units_from_xlsx(self, data: bytes, *, file: str) -> list[tuple[str, str]]:
        """(name, type) rows of a workbook's first sheet (header 单位名称, 单位类型), through the xlsx guard."""
        from engine.documents.xlsx_guard import check_xlsx
        from engine.errors import InputError

        shown = clean_name(file)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / shown
            path.write_bytes(data)
            try:
                check_xlsx(path, as_input=False)
            except InputError as exc:
                problems = tuple(
                    FieldProblem((), p.message, p.code, str(p).replace(str(path), shown), p.subject)
                    for p in exc.problems
                )
                raise Invalid(problems[0].text, problems, code="units.xlsx") from None
            import openpyxl

            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                ws = wb.worksheets[0]
                rows = list(ws.iter_rows(values_only=True, max_row=2_000))
                title = ws.title
            finally:
                wb.close()
        header_at, cols = None, {}
        for r, row in enumerate(rows[:10]):
            texts = [str(v).strip() if v is not None else "" for v in row]
            if "单位名称" in texts and "单位类型" in texts:
                header_at, cols = r, {"name": texts.index("单位名称"), "type": texts.index("单位类型")}
                break
        if header_at is None:
            message = f"{shown}!{title}：前 10 行中找不到表头“单位名称”和“单位类型”；请在第一行写这两个列名"
            raise Invalid(message, (FieldProblem((), message, "units.header", message),), code="units.header")
        out, problems = [], []
        for r, row in enumerate(rows[header_at + 1 :], header_at + 2):
            name = _cell_text(row, cols["name"])
            kind = _cell_text(row, cols["type"])
            if not name and not kind:
                continue
            if not name or not kind:
                col = openpyxl.utils.get_column_letter((cols["type"] if name else cols["name"]) + 1)
                message = f"{shown}!{title}!{col}{r}：缺少{'单位类型' if name else '单位名称'}"
                problems.append(FieldProblem((), message, "units.blank", message))
                continue
            out.append((name, kind))
        if problems:
            raise Invalid(problems[0].text, tuple(problems), code="units.blank")
        if not out:
            message = f"{shown}!{title}：表中没有单位"
            raise Invalid(message, (FieldProblem((), message, "units.none", message),), code="units.none")
        return out

    def rounds(self, user: User) -> list[Round]:
        with self._tx(read=True) as s:
            actor = self._actor(s, user)
            query = select(RoundRow).order_by(RoundRow.id.desc())
            if not actor.assessor:
                query = query.join(UnitRow, UnitRow.round_id == RoundRow.id).where(UnitRow.id == actor.unit_id)
            return [_round(r) for r in s.scalars(query)]

    def round(self, user: User, round_id: int) -> Round:
        with self._tx(read=True) as s:
            return _round(self._round_row(s, user, round_id)[1])

    def units(self, user: User, round_id: int) -> list[Unit]:
        """The round's units (a unit's account: its own only)."""
        with self._tx(read=True) as s:
            actor, rnd = self._round_row(s, user, round_id)
            query = select(UnitRow).where(UnitRow.round_id == rnd.id).order_by(UnitRow.position)
            return [_unit_of(u) for u in s.scalars(query) if actor.assessor or u.id == actor.unit_id]

    def dashboard(self, user: User, round_id: int) -> list[UnitStatus]:
        """Every unit's status, version, times and provisional 总分/等次 (assessor only)."""
        with self._tx(read=True) as s:
            self._assessor(s, user)
            _, rnd = self._round_row(s, user, round_id)
            units = list(s.scalars(select(UnitRow).where(UnitRow.round_id == rnd.id).order_by(UnitRow.position)))
            ids = [u.id for u in units]
            subs = {r.unit_id: r for r in s.scalars(select(SubmissionRow).where(SubmissionRow.unit_id.in_(ids)))}
            names = dict(s.execute(select(UserRow.unit_id, UserRow.name).where(UserRow.unit_id.in_(ids))).all())
            finals = {r.unit_id: r for r in s.scalars(select(ResultRow).where(ResultRow.unit_id.in_(ids)))}
            counts = {
                table: dict(
                    s.execute(
                        select(table.unit_id, func.count()).where(table.unit_id.in_(ids)).group_by(table.unit_id)
                    ).all()
                )
                for table in (EvidenceRow, ReviewRow)
            }
            out = []
            for u in units:
                sub = subs[u.id]
                final = finals.get(u.id)
                total = final.total if final else sub.total
                grade = final.grade if final else sub.grade
                out.append(
                    UnitStatus(
                        unit=_unit_of(u),
                        account=names.get(u.id, ""),
                        status=sub.status,
                        version=sub.version,
                        updated_at=sub.updated_at,
                        submitted_at=sub.submitted_at,
                        total=Decimal(total) if total is not None else None,
                        grade=grade,
                        evidence=counts[EvidenceRow].get(u.id, 0),
                        reviews=counts[ReviewRow].get(u.id, 0),
                    )
                )
            return out

    # -- a unit's submission ------------------------------------------------------------------

    def _view(self, s: Session, unit: UnitRow, rnd: RoundRow) -> SubmissionView:
        sub = s.scalar(select(SubmissionRow).where(SubmissionRow.unit_id == unit.id))
        evidence = tuple(
            _evidence(e)
            for e in s.scalars(select(EvidenceRow).where(EvidenceRow.unit_id == unit.id).order_by(EvidenceRow.id))
        )
        return SubmissionView(
            unit=_unit_of(unit),
            data=archive.load_data(sub.data),
            version=sub.version,
            status=sub.status,
            message=sub.message,
            updated_at=sub.updated_at,
            submitted_at=sub.submitted_at,
            evidence=evidence,
            editable=_why_closed(rnd, sub.status, self._now()) is None,
            updated_by=sub.updated_by,
        )

    def submission(self, user: User, unit_id: int) -> SubmissionView:
        with self._tx(read=True) as s:
            _, unit, rnd = self._unit(s, user, unit_id)
            return self._view(s, unit, rnd)

    def _editable(self, s: Session, unit: UnitRow, rnd: RoundRow, version: int) -> SubmissionRow:
        sub = s.scalar(select(SubmissionRow).where(SubmissionRow.unit_id == unit.id))
        if sub.version != version:
            raise Stale(self._view(s, unit, rnd))
        why = _why_closed(rnd, sub.status, self._now())
        if why is not None:
            raise Closed(why)
        return sub

    def _versioned_update(self, s: Session, unit: UnitRow, rnd: RoundRow, version: int, **values) -> None:
        """UPDATE … WHERE version = :v — a concurrent change in between makes it Stale, never overwritten."""
        done = s.execute(
            update(SubmissionRow)
            .where(SubmissionRow.unit_id == unit.id, SubmissionRow.version == version)
            .values(version=version + 1, **values)
            .execution_options(synchronize_session=False)
        )
        s.expire_all()  # the rows read before this statement are out of date either way
        if done.rowcount != 1:  # changed since it was read: show the newer version
            raise Stale(self._view(s, unit, rnd))

    def save(self, user: User, unit_id: int, data: dict, *, version: int) -> SubmissionView:
        """Store a draft (the unit's own account). Stale when `version` is not the stored one; Closed
        after the deadline or once submitted. 单位名称, 单位类型 and 考核年度 are the round's."""
        with self._tx(read=True) as s:
            actor, unit, rnd = self._own_unit(s, user, unit_id)
            self._editable(s, unit, rnd, version)
            data = _with_header(data, unit, rnd)
            text = _text_of(data)
        checked = self._checked(rnd, unit, text)  # outside the transaction: scoring waits its turn
        total, grade = _provisional(checked)
        with self._tx() as s:
            unit, rnd = s.get(UnitRow, unit.id), s.get(RoundRow, rnd.id)
            sub = self._editable(s, unit, rnd, version)
            status = RETURNED if sub.status == RETURNED else DRAFT
            self._versioned_update(
                s,
                unit,
                rnd,
                version,
                data=text,
                status=status,
                updated_at=self._now(),
                updated_by=actor.name,
                total=total,
                grade=grade,
            )
            return self._view(s, unit, rnd)

    def save_form(self, user: User, unit_id: int, xlsx: bytes, *, version: int, file: str) -> SubmissionView:
        """A filled 填报表 read as the CLI reads it, then saved as `save` does; Invalid with located problems."""
        from engine.documents.source import plain
        from engine.errors import InputError
        from engine.intake.submission import validate_form

        with self._tx(read=True) as s:
            _, unit, rnd = self._own_unit(s, user, unit_id)
            self._editable(s, unit, rnd, version)
        shown = clean_name(file)
        if not shown.lower().endswith(".xlsx"):
            raise Invalid(f"{shown}：填报表应为 .xlsx 文件", code="form.type")
        ruleset = self._ruleset(rnd.rules)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / shown

            def read():
                from engine.intake.xlsx_form import read_form

                reading = read_form(path, ruleset)
                validate_form(path, ruleset)  # every problem of the form at once, as the CLI reports them
                return plain(reading.document.data)

            path.write_bytes(xlsx)
            try:
                data = score(read)
            except InputError as exc:
                problems = tuple(
                    FieldProblem(p.location.path, p.message, p.code, str(p).replace(str(path), shown), p.subject)
                    for p in exc.problems
                )
                raise Invalid(problems[0].text, problems, code="form.invalid") from None
        for key, value in (("单位名称", unit.name), ("考核年度", rnd.year)):
            if data.get(key) != value:
                message = f"{shown}：填报表的{key}是 “{data.get(key)}”，本单位是 “{value}”；请用本单位的填报表"
                raise Invalid(
                    message, (FieldProblem((key,), message, "form.other-unit", message),), code="form.other-unit"
                )
        return self.save(user, unit_id, data, version=version)

    def _checked(self, rnd: RoundRow, unit: UnitRow, text: str) -> Checked:
        """The problems or the provisional result of a submission text, review entries applied."""
        overrides = self._overrides_path(rnd.id)
        name = archive.submission_name(unit.position, unit.name)
        return _check_on_door(rnd.rules, text, name, self._now(), overrides)

    def check(self, user: User, unit_id: int, data: dict) -> Checked:
        """The problems of `data` (JSON path + Chinese message) or its provisional result; nothing stored."""
        with self._tx(read=True) as s:
            _, unit, rnd = self._unit(s, user, unit_id)
            text = _text_of(_with_header(data, unit, rnd))
        return self._checked(rnd, unit, text)

    def submit(self, user: User, unit_id: int, *, version: int) -> SubmissionView:
        """Submit the stored version: Invalid with problems, Stale, or Closed after the deadline."""
        with self._tx(read=True) as s:
            actor, unit, rnd = self._own_unit(s, user, unit_id)
            sub = self._editable(s, unit, rnd, version)
            if sub.status == MISSING:
                raise Invalid("还没有填报：请先填写并保存", code="submit.empty")
            text = sub.data
        checked = self._checked(rnd, unit, text)
        if not checked.ok:
            raise Invalid(f"申报数据有 {len(checked.problems)} 处问题，未提交", checked.problems, code="submit.invalid")
        total, grade = _provisional(checked)
        with self._tx() as s:
            unit, rnd = s.get(UnitRow, unit.id), s.get(RoundRow, rnd.id)
            self._editable(s, unit, rnd, version)
            now = self._now()
            self._versioned_update(
                s,
                unit,
                rnd,
                version,
                status=SUBMITTED,
                submitted_at=now,
                updated_at=now,
                updated_by=actor.name,
                total=total,
                grade=grade,
            )
            return self._view(s, unit, rnd)

    def send_back(self, user: User, unit_id: int, message: str) -> SubmissionView:
        """退回 a submitted unit for correction (assessor), with a message; it may then edit past the deadline."""
        message = (message or "").strip()
        if not message or len(message) > 2000:
            raise Invalid("退回须写明原因（至多 2000 字）", code="return.message")
        with self._tx() as s:
            actor = self._assessor(s, user)
            _, unit, rnd = self._unit(s, user, unit_id)
            sub = s.scalar(select(SubmissionRow).where(SubmissionRow.unit_id == unit.id))
            if rnd.finalized_at is not None or sub.status != SUBMITTED:
                raise Closed(f"只能退回已提交、未定稿的申报（当前：{sub.status}）")
            self._versioned_update(
                s,
                unit,
                rnd,
                sub.version,
                status=RETURNED,
                message=message,
                updated_at=self._now(),
                updated_by=actor.name,
            )
            return self._view(s, unit, rnd)

    # -- evidence -------------------------------------------------------------------------------

    def add_evidence(self, user: User, unit_id: int, indicator: str, name: str, stream: BinaryIO) -> Evidence:
        """佐证材料 for an indicator: size and type limited, stored under its sha256, atomically."""
        with self._tx(read=True) as s:
            actor, unit, rnd = self._own_unit(s, user, unit_id)
            sub = s.scalar(select(SubmissionRow).where(SubmissionRow.unit_id == unit.id))
            why = _why_closed(rnd, sub.status, self._now())
            if why is not None:
                raise Closed(why)
        ruleset = self._ruleset(rnd.rules)
        if indicator not in ruleset.indicators:
            raise Invalid(f"规则集 {rnd.ruleset_id} 没有指标 “{indicator}”", code="evidence.indicator")
        try:
            stored = self.files.put(stream, name)
        except EvidenceRefused as exc:
            raise Invalid(exc.message, code=exc.code) from None
        with self._tx() as s:  # after the file is in place: a committed row always has its file
            row = EvidenceRow(
                unit_id=unit.id,
                indicator=indicator,
                name=stored.name,
                sha256=stored.sha256,
                size=stored.size,
                content_type=stored.content_type,
                uploaded_by=actor.name,
                uploaded_at=self._now(),
            )
            s.add(row)
            s.flush()
            return _evidence(row)

    def evidence(self, user: User, evidence_id: int) -> tuple[Evidence, Path]:
        """The record and the stored file (for the web layer to send as an attachment)."""
        with self._tx(read=True) as s:
            row = s.get(EvidenceRow, evidence_id) if isinstance(evidence_id, int) else None
            if row is None:
                raise NotFound("没有这个佐证材料")
            try:
                self._unit(s, user, row.unit_id)
            except NotFound:
                raise NotFound("没有这个佐证材料") from None
            return _evidence(row), self.files.path(row.sha256)

    # -- review ---------------------------------------------------------------------------------

    def _review_lines(self, s: Session, round_id: int) -> list[archive.ReviewLine]:
        rnd = s.get(RoundRow, round_id)
        rows = s.execute(
            select(ReviewRow, UnitRow.name)
            .join(UnitRow, UnitRow.id == ReviewRow.unit_id)
            .where(UnitRow.round_id == round_id)
            .order_by(ReviewRow.id)
        ).all()
        return [
            archive.ReviewLine(name, rnd.year, r.item, r.kind, Decimal(r.amount), r.reason, r.reviewer, r.created_at)
            for r, name in rows
        ]

    def _overrides_path(self, round_id: int) -> str | None:
        """The round's review file as it stands, or None when the log is empty."""
        with self._tx(read=True) as s:
            text = archive.review_text(self._review_lines(s, round_id))
        return self._review_file(round_id, text) if text is not None else None

    def _review_file(self, round_id: int, text: str) -> str:
        """A review file's path, written once per content: the engine never overwrites a file it has
        read, and the file is called review.yaml as in an export (the name is in the results)."""
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        path = self.rounds_dir / str(round_id) / "review" / digest / archive.REVIEW
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(path, text)
        return str(path)

    def review(
        self, user: User, unit_id: int, item: str, score: Decimal, reason: str, *, kind: str = "得分"
    ) -> ReviewEntry:
        """Append a 复核 entry (assessor): the item's 得分 (or 扣分 with kind="扣分"), checked as
        `--overrides` checks it; a later entry for the same item supersedes an earlier one."""
        if kind not in ("得分", "扣分"):
            raise Invalid("复核给出“得分”或“扣分”", code="review.kind")
        try:
            amount = Decimal(str(score))
        except ArithmeticError:
            raise Invalid(f"{kind}应为数字", code="review.amount") from None
        if not amount.is_finite() or amount < 0:
            raise Invalid(f"{kind}应为不小于 0 的数", code="review.amount")
        reason = (reason or "").strip()
        if not reason:
            raise Invalid("复核须写明理由", code="review.reason")
        with self._tx(read=True) as s:
            actor = self._assessor(s, user)
            _, unit, rnd = self._unit(s, user, unit_id)
            if rnd.finalized_at is not None:
                raise Closed("本批次已定稿，不能再复核")
            lines = self._review_lines(s, rnd.id)
            sub = s.scalar(select(SubmissionRow).where(SubmissionRow.unit_id == unit.id))
            sub_text = sub.data if sub.version > 0 else None
        line = archive.ReviewLine(unit.name, rnd.year, item, kind, amount, reason, actor.name, self._now())
        path = self._review_file(rnd.id, archive.review_text(lines + [line]))
        _check_review(rnd.rules, path, unit.name, rnd.year)  # as --overrides checks it
        # the unit's provisional total with the entry, stored with it in one transaction
        name = archive.submission_name(unit.position, unit.name)
        # (`score` is this method's amount here: the door is reached through _check_on_door)
        total, grade = (
            _provisional(_check_on_door(rnd.rules, sub_text, name, self._now(), path)) if sub_text else (None, None)
        )
        with self._tx() as s:
            row = ReviewRow(
                unit_id=unit.id,
                item=item,
                kind=kind,
                amount=str(amount),
                reason=reason,
                reviewer=actor.name,
                created_at=line.at,
            )
            s.add(row)
            s.execute(update(SubmissionRow).where(SubmissionRow.unit_id == unit.id).values(total=total, grade=grade))
            s.flush()
            return _review(row)

    def review_log(self, user: User, unit_id: int) -> list[ReviewEntry]:
        with self._tx(read=True) as s:
            self._unit(s, user, unit_id)
            rows = s.scalars(select(ReviewRow).where(ReviewRow.unit_id == unit_id).order_by(ReviewRow.id))
            return [_review(r) for r in rows]

    def result(self, user: User, unit_id: int):
        """The unit's AssessmentResult with the review entries applied as `--overrides` applies them
        (the finalized one once the round is finalized); Invalid while its data have problems."""
        from engine.result import AssessmentResult

        with self._tx(read=True) as s:
            _, unit, rnd = self._unit(s, user, unit_id)
            final = s.scalar(select(ResultRow).where(ResultRow.unit_id == unit.id))
            if final is not None:
                return AssessmentResult.model_validate_json(final.result_json)
            sub = s.scalar(select(SubmissionRow).where(SubmissionRow.unit_id == unit.id))
            text = sub.data
        checked = self._checked(rnd, unit, text)
        if not checked.ok:
            raise Invalid(
                f"申报数据有 {len(checked.problems)} 处问题，尚不能评分", checked.problems, code="result.invalid"
            )
        return checked.result

    # -- finalize, ranking, workbooks ----------------------------------------------------------

    def finalize(self, user: User, round_id: int, *, as_of: dt.datetime | None = None) -> None:
        """Freeze the round: every submitted unit scored once, as `assess batch --as-of` scores it."""
        with self._tx(read=True) as s:
            self._assessor(s, user)
            _, rnd = self._round_row(s, user, round_id)
            if rnd.finalized_at is not None:
                raise Closed("本批次已定稿")
            units = list(s.scalars(select(UnitRow).where(UnitRow.round_id == rnd.id).order_by(UnitRow.position)))
            subs = {
                r.unit_id: r
                for r in s.scalars(select(SubmissionRow).where(SubmissionRow.unit_id.in_([u.id for u in units])))
            }
            chosen = [(u, subs[u.id]) for u in units if subs[u.id].status == SUBMITTED]
            if not chosen:
                raise Invalid("还没有已提交的单位，不能定稿", code="finalize.empty")
            versions = {u.id: sub.version for u, sub in chosen}
            files = [(archive.submission_name(u.position, u.name), sub.data) for u, sub in chosen]
            review = archive.review_text(self._review_lines(s, rnd.id))
            rules = rnd.rules
        when = (as_of or self._now()).replace(microsecond=0)
        if when.tzinfo is None:
            raise Invalid("定稿时间须含时区", code="finalize.as-of")
        folder = self.rounds_dir / str(round_id) / f".final-{secrets.token_hex(4)}"
        try:
            outcome = score(_score_round, folder, rules, files, review, when)
            names = {file: unit for (file, _), (unit, _) in zip(files, chosen, strict=True)}
            with self._tx() as s:
                done = s.execute(
                    update(RoundRow)
                    .where(RoundRow.id == round_id, RoundRow.finalized_at.is_(None))
                    .values(finalized_at=when, summary_json=outcome.summary_json)
                    .execution_options(synchronize_session=False)
                )
                if done.rowcount != 1:
                    raise Closed("本批次已定稿")
                for file, (sheet, total, grade, result_json) in outcome.units.items():
                    unit = names[file]
                    moved = s.execute(
                        update(SubmissionRow)
                        .where(SubmissionRow.unit_id == unit.id, SubmissionRow.version == versions[unit.id])
                        .values(status=FINAL, version=versions[unit.id] + 1)
                        .execution_options(synchronize_session=False)
                    )
                    if moved.rowcount != 1:
                        raise Closed(f"{unit.name} 的申报在定稿时被退回或修改；请重新定稿")
                    s.add(ResultRow(unit_id=unit.id, result_json=result_json, sheet=sheet, total=total, grade=grade))
                final = self.rounds_dir / str(round_id) / "final"
                if final.exists():
                    shutil.rmtree(final)
                # in place before the commit; should the commit fail, the round stays open and the next
                # finalize replaces this folder
                os.replace(folder, final)
        finally:
            if folder.exists():
                shutil.rmtree(folder, ignore_errors=True)

    def _final_dir(self, s: Session, rnd: RoundRow) -> Path:
        if rnd.finalized_at is None:
            raise Closed("本批次尚未定稿")
        return self.rounds_dir / str(rnd.id) / "final"

    def ranking(self, user: User, round_id: int) -> list[RankRow]:
        """The finalized round's ranking as the 汇总 ranks it (assessor)."""
        with self._tx(read=True) as s:
            self._assessor(s, user)
            _, rnd = self._round_row(s, user, round_id)
            self._final_dir(s, rnd)
            ids = dict(s.execute(select(UnitRow.name, UnitRow.id).where(UnitRow.round_id == rnd.id)).all())
            summary = json.loads(rnd.summary_json)
        return [
            RankRow(
                r["rank"],
                r["unit"],
                ids.get(r["unit"], 0),
                r["unit_type"],
                Decimal(r["total"]),
                r["grade"] or "",
                r["group"],
            )
            for r in summary["ranking"]
        ]

    def summary(self, user: User, round_id: int) -> dict:
        """The finalized round's 汇总 as `assess batch --format json` gives it (assessor)."""
        with self._tx(read=True) as s:
            self._assessor(s, user)
            _, rnd = self._round_row(s, user, round_id)
            self._final_dir(s, rnd)
            return json.loads(rnd.summary_json)

    def scoresheet(self, user: User, unit_id: int) -> Path:
        """The unit's 评分表.xlsx of the finalized round (the bytes `assess batch` writes)."""
        with self._tx(read=True) as s:
            _, unit, rnd = self._unit(s, user, unit_id)
            folder = self._final_dir(s, rnd)
            row = s.scalar(select(ResultRow).where(ResultRow.unit_id == unit.id))
            if row is None:
                raise NotFound("本单位未提交，没有评分表")
            return folder / archive.RESULTS / row.sheet

    def summary_workbook(self, user: User, round_id: int) -> Path:
        """The finalized round's 汇总.xlsx (assessor)."""
        with self._tx(read=True) as s:
            self._assessor(s, user)
            _, rnd = self._round_row(s, user, round_id)
            return self._final_dir(s, rnd) / archive.RESULTS / SUMMARY_XLSX

    def download(self, user: User, round_id: int) -> Path:
        """One zip: every 评分表 and the 汇总.xlsx of the finalized round (assessor)."""
        with self._tx(read=True) as s:
            self._assessor(s, user)
            _, rnd = self._round_row(s, user, round_id)
            return self._final_dir(s, rnd) / DOWNLOAD

    # -- archive --------------------------------------------------------------------------------

    def export(self, round_id: int, target: Path) -> Path:
        """A self-contained archive of the round (see server.archive); written atomically."""
        from server.archive import export_round

        return export_round(self, round_id, Path(target))

    def import_(self, archive_path: Path, *, accounts_out: list | None = None) -> Round:
        """Restore an exported round as a new round; its units get new accounts ((unit, name, password)
        appended to `accounts_out` when given)."""
        from server.archive import import_round

        made: list = []
        round_id = import_round(self, Path(archive_path), made)
        with self._tx() as s:
            if accounts_out is not None:
                accounts_out.extend((_unit_of(s.get(UnitRow, unit)), name, pw) for unit, name, pw in made)
            return _round(s.get(RoundRow, round_id))

        return import_round(self, Path(archive_path), accounts_out)


# -- the database -----------------------------------------------------------------------------

DEFAULT_DB = "考核.db"
SUMMARY_XLSX = archive.SUMMARY_XLSX
DOWNLOAD = archive.DOWNLOAD


def _engine(db_url: str, data_dir: Path) -> Engine:
    """An engine for the URL (SQLite: foreign keys on, WAL, each transaction BEGIN IMMEDIATE so
    concurrent writers queue instead of failing; PostgreSQL through psycopg 3)."""
    url = make_url(db_url)
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi, _record):
        dbapi.isolation_level = None  # the driver's own BEGIN is replaced by the one below
        cur = dbapi.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")  # a committed change survives a power cut
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("read_only") else "BEGIN IMMEDIATE")

    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (server/migrations), in one transaction."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


# -- rows → values ------------------------------------------------------------------------------


def _session_key(sid: str) -> str:
    """What the database keeps of a session id: its SHA-256 (a copy of the table opens no session)."""
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()


def _user(row: UserRow) -> User:
    return User(row.id, row.name, row.role, row.unit_id)


def _round(row: RoundRow) -> Round:
    return Round(
        row.id,
        row.rules,
        row.ruleset_id,
        row.ruleset_name,
        row.year,
        row.opens,
        row.closes,
        row.created_by,
        row.created_at,
        row.finalized_at,
    )


def _unit_of(row: UnitRow) -> Unit:
    return Unit(row.id, row.round_id, row.position, row.name, row.unit_type)


def _evidence(row: EvidenceRow) -> Evidence:
    return Evidence(
        row.id,
        row.unit_id,
        row.indicator,
        row.name,
        row.sha256,
        row.size,
        row.content_type,
        row.uploaded_by,
        row.uploaded_at,
    )


def _review(row: ReviewRow) -> ReviewEntry:
    return ReviewEntry(
        row.id, row.unit_id, row.item, row.kind, Decimal(row.amount), row.reason, row.reviewer, row.created_at
    )


def _blank_submission(unit_id: int) -> SubmissionRow:
    return SubmissionRow(
        unit_id=unit_id,
        data="{}\n",
        version=0,
        status=MISSING,
        message="",
        updated_at=None,
        updated_by="",
        submitted_at=None,
        total=None,
        grade=None,
    )


def _shown_time(when: dt.datetime) -> str:
    return f"{when.astimezone(archive.CHINA):%Y-%m-%d %H:%M}"


def _why_closed(rnd: RoundRow, status: str, now: dt.datetime) -> str | None:
    """Why the unit cannot change its submission now, or None."""
    if rnd.finalized_at is not None or status == FINAL:
        return "本批次已定稿，不能修改"
    if status == SUBMITTED:
        return "已提交，不能修改；如需修改，请联系考核组退回"
    if status == RETURNED:
        return None  # returned for correction: open past the deadline
    if now < rnd.opens:
        return f"填报尚未开始（{_shown_time(rnd.opens)} 开始）"
    if now > rnd.closes:
        return f"已过填报截止时间（{_shown_time(rnd.closes)}）"
    return None


HEADER_KEYS = ("单位名称", "单位类型", "考核年度")


def _with_header(data: dict, unit: UnitRow, rnd: RoundRow) -> dict:
    """The data with the round's 单位名称, 单位类型 and 考核年度 (a unit cannot change them)."""
    if not isinstance(data, dict):
        raise Invalid("申报数据应为一个对象（键和值）", code="data.shape")
    head = {"单位名称": unit.name, "单位类型": unit.unit_type, "考核年度": rnd.year}
    return {**head, **{k: v for k, v in data.items() if k not in HEADER_KEYS}}


def _text_of(data: dict) -> str:
    try:
        text = archive.data_text(data)
    except (TypeError, ValueError) as exc:
        raise Invalid(f"申报数据不能保存：{exc}", code="data.value") from None
    if len(text.encode()) > MAX_DATA_BYTES:
        raise Invalid(f"申报数据过大（上限 {MAX_DATA_BYTES // (1024 * 1024)} MiB）", code="data.too-large")
    return text


MAX_DATA_BYTES = 4 * 1024 * 1024  # as a JSON submission file (README: Input limits)


def _problems(exc) -> tuple[FieldProblem, ...]:
    return tuple(FieldProblem(p.location.path, p.message, p.code, str(p), p.subject) for p in exc.problems)


def _provisional(checked: Checked) -> tuple[str | None, str | None]:
    if not checked.ok:
        return None, None
    return str(checked.result.total), checked.result.grade.grade or ""


def _cell_text(row: tuple, col: int) -> str:
    value = row[col] if col < len(row) else None
    return str(value).strip() if value is not None else ""


def _check_units(units: list[tuple[str, str]], types: tuple[str, ...]) -> list[tuple[str, str]]:
    out, problems, seen = [], [], set()
    for n, pair in enumerate(units):
        name, unit_type = (str(pair[0]).strip(), str(pair[1]).strip()) if len(pair) == 2 else ("", "")
        message = None
        if not name or len(name) > 200 or any(not ch.isprintable() for ch in name):
            message = f"第 {n + 1} 个单位：名称应为 1 至 200 个可见字符"
        elif name in seen:
            message = f"第 {n + 1} 个单位：“{name}” 重复"
        elif types and unit_type not in types:
            message = f"第 {n + 1} 个单位 “{name}”：单位类型 “{unit_type}” 不在规则集的单位类型（{'、'.join(types)}）中"
        if message:
            problems.append(FieldProblem(("单位", n), message, "round.unit", message))
        seen.add(name)
        out.append((name, unit_type))
    if not out:
        problems.append(FieldProblem(("单位",), "至少要有一个被考核单位", "round.units", "至少要有一个被考核单位"))
    if problems:
        raise Invalid(problems[0].message, tuple(problems), code="round.unit")
    return out


# -- work done on the evaluating thread (server.scoring) -----------------------------------------


def _check_text(rules: str, text: str, name: str, now: dt.datetime, overrides: str | None) -> Checked:
    """Validate a submission text as a JSON submission file called `name` and assess it."""
    from engine import api
    from engine.assessment import assess
    from engine.documents.fast_json import parse_json
    from engine.errors import AssessError, InputError, SubmissionError
    from engine.intake.review import load_overrides
    from engine.intake.submission import validate_submission

    ruleset = api.get_ruleset(rules)
    try:
        doc = parse_json(text, name, hashlib.sha256(text.encode()).hexdigest(), SubmissionError)
        submission = validate_submission(doc, ruleset)
        result = assess(ruleset, submission, as_of=now, overrides=load_overrides(overrides) if overrides else None)
        result = api.with_map(result, ruleset, None, strict=False)
    except InputError as exc:
        return Checked(problems=_problems(exc))
    except AssessError as exc:
        return Checked(problems=(FieldProblem((), str(exc), "assess", str(exc)),))
    return Checked(result=result)


def _check_on_door(rules: str, text: str, name: str, now: dt.datetime, overrides: str | None) -> Checked:
    return score(_check_text, rules, text, name, now, overrides)


def _check_review(rules: str, path: str, unit: str, year: int) -> None:
    """A review file checked as `--overrides` checks it, for one unit (Invalid otherwise)."""
    from engine import api
    from engine.errors import InputError
    from engine.intake.review import load_overrides

    def check() -> None:
        load_overrides(path).for_unit(unit, year, api.get_ruleset(rules))

    try:
        score(check)
    except InputError as exc:
        problems = tuple(FieldProblem((), p.message, p.code, p.message) for p in exc.problems)
        raise Invalid(problems[0].message, problems, code=problems[0].code) from None


@dataclass(frozen=True)
class _Scored:
    summary_json: str
    units: dict[str, tuple[str, str, str, str]]  # submission file → (评分表 name, 总分, 等次, result JSON)


def _unit_types(rulesets, rows) -> list[str]:
    """The unit types of the rulesets used, as `assess batch` orders the 汇总's groups."""
    used = {row.ruleset_id for row in rows}
    chosen = [r for r in rulesets if r.header.id in used] or rulesets
    return list(dict.fromkeys(t for r in chosen for t in r.header.unit_types))


def _score_round(
    folder: Path, rules: str, files: list[tuple[str, str]], review: str | None, when: dt.datetime
) -> _Scored:
    """Write the round's files as an export holds them and score them with `assess batch`'s code
    (one process: this, the evaluating thread): every 评分表, the 汇总 (xlsx and JSON), each result."""
    import gc

    from engine import api
    from engine.batch import run as batching
    from engine.render.json_out import to_json
    from engine.tools.summary import build_summary, summary_json
    from scoresheets.summary import write_summary_workbook

    submissions = folder / archive.SUBMISSIONS
    results = folder / archive.RESULTS
    submissions.mkdir(parents=True)
    for name, text in files:
        write_text_atomic(submissions / name, text)
    review_path = None
    if review is not None:
        review_path = folder / archive.REVIEW
        write_text_atomic(review_path, review)
    rulesets = batching.check_rules(rules)
    items, missing = batching.discover([str(submissions)])
    try:
        with batching.output_folder(results):
            rows, failures = batching.run(
                items, missing, rules=rules, as_of=when, folder=results, jobs=1, overrides=review_path
            )
    finally:
        gc.unfreeze()  # the batch freezes what it loaded; a server lives on after it
    if failures:
        first = failures[0].problems[0] if failures[0].problems else failures[0].file
        raise Invalid(f"有 {len(failures)} 份申报未能评分，未定稿：{first}", code="finalize.failed")
    rows, failures = batching.relative_files(rows, failures, [i.path for i in items])
    summary = build_summary(
        rows,
        failures,
        inputs=len(items),
        assessed_at=when.isoformat(timespec="seconds"),
        unit_types=_unit_types(rulesets, rows),
        rulesets=[],
    )
    write_summary_workbook(summary, results / SUMMARY_XLSX)
    summary_text = summary_json(summary)
    write_text_atomic(results / "汇总.json", summary_text)
    units = {}
    (results / "json").mkdir()
    for row in rows:
        result = api.assess_file(submissions / row.file, rules, as_of=when, overrides_path=review_path)
        text = to_json(result)
        write_text_atomic(results / "json" / row.file, text)
        units[row.file] = (row.sheet, str(row.total), row.grade or "", text)
    archive.write_download(folder / DOWNLOAD, results, [row.sheet for row in rows], SUMMARY_XLSX)
    return _Scored(summary_text, units)
