"""The round's tables (SQLAlchemy 2): one schema for SQLite and PostgreSQL, created by the migrations.

Times are stored as UTC and read back timezone-aware. Amounts are kept as text (exact Decimals).
A submission's data is the JSON text a submission file holds; `version` rises by one with every
change and is checked with UPDATE … WHERE version = :v (no last writer wins).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCTime(TypeDecorator):
    """An aware datetime stored as naive UTC (SQLite keeps no zone), read back in UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("times are stored with their time zone")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=dt.UTC) if value is not None else None


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(10))  # 考核组 | 单位
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCTime())


class SessionRow(Base):
    """A logged-in session: the SHA-256 of its secret id (the signed cookie holds the id), whose, until when.

    Logout deletes the row, a password change or reset deletes the account's other rows: ended in the
    database, so a restart of the server forgets nothing and a kept copy of a cookie stays worthless."""

    __tablename__ = "sessions"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCTime())


class ThrottleRow(Base):
    """Failed logins per key (`name:…` or `client:…`) in the current window; locked until a time."""

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[dt.datetime] = mapped_column(UTCTime())
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCTime())


class RoundRow(Base):
    __tablename__ = "rounds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rules: Mapped[str] = mapped_column(Text)  # the rules file's path, as the CLI would be given it
    ruleset_id: Mapped[str] = mapped_column(String(100))  # its 编号
    ruleset_name: Mapped[str] = mapped_column(Text)
    year: Mapped[int] = mapped_column(Integer)
    opens: Mapped[dt.datetime] = mapped_column(UTCTime())
    closes: Mapped[dt.datetime] = mapped_column(UTCTime())
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCTime())
    finalized_at: Mapped[dt.datetime | None] = mapped_column(UTCTime())  # the as-of of the results
    summary_json: Mapped[str | None] = mapped_column(Text)  # the 汇总 as `assess batch --format json` gives it


class UnitRow(Base):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("round_id", "name", name="uq_units_round_id_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order as listed when the round was made
    name: Mapped[str] = mapped_column(String(200))
    unit_type: Mapped[str] = mapped_column(String(100))


class SubmissionRow(Base):
    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), unique=True)
    data: Mapped[str] = mapped_column(Text)  # JSON text, as a submission file
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # 未填报 | 草稿 | 已提交 | 已退回 | 已定稿
    message: Mapped[str] = mapped_column(Text)  # the assessor's 退回 message
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCTime())
    updated_by: Mapped[str] = mapped_column(String(100))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCTime())
    total: Mapped[str | None] = mapped_column(String(40))  # provisional 总分 (None while invalid)
    grade: Mapped[str | None] = mapped_column(String(40))


class EvidenceRow(Base):
    __tablename__ = "evidence"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    indicator: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(255))  # sanitised
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCTime())


class ReviewRow(Base):
    """One 复核 entry; never updated or deleted (a later entry for the same item supersedes it)."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    item: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(4))  # 得分 | 扣分
    amount: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCTime())


class ResultRow(Base):
    """A unit's result as finalized: the JSON `assess --format json` gives, and its 评分表's file name."""

    __tablename__ = "results"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), unique=True)
    result_json: Mapped[str] = mapped_column(Text)
    sheet: Mapped[str] = mapped_column(String(300))
    total: Mapped[str] = mapped_column(String(40))
    grade: Mapped[str] = mapped_column(String(40))
