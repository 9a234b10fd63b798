"""Passwords (argon2id) and the login throttle's rule.

First passwords are generated (12 characters in three groups, without look-alikes such as 0/O
and 1/l) and shown once. Failed logins are counted per account name and per client address in
the database (server.db.ThrottleRow), so a restart or a second process does not reset them.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ASSESSOR = "考核组"
UNIT = "单位"
ROLES = (ASSESSOR, UNIT)

ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MIN_PASSWORD = 8
MAX_PASSWORD = 200


def hasher() -> PasswordHasher:
    """argon2id with the library's recommended parameters (RFC 9106, low-memory profile)."""
    return PasswordHasher()


def quick_hasher() -> PasswordHasher:
    """argon2id with the smallest cost: for tests only, never for a server."""
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def new_password() -> str:
    """A first password: three groups of four, e.g. `k7Qm-x2Pa-9dWe`."""
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(3))


def password_problem(password: str) -> str | None:
    """Why a chosen password is refused, or None."""
    if len(password) < MIN_PASSWORD:
        return f"密码至少 {MIN_PASSWORD} 个字符"
    if len(password) > MAX_PASSWORD:
        return f"密码最多 {MAX_PASSWORD} 个字符"
    return None


def verify(ph: PasswordHasher, stored: str, password: str) -> bool:
    try:
        return ph.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


# the same dummy hash is verified for an unknown name, so timing does not tell which names exist
_DUMMY: dict[int, str] = {}


def dummy_verify(ph: PasswordHasher, password: str) -> None:
    key = id(ph)
    if key not in _DUMMY:
        _DUMMY[key] = ph.hash(secrets.token_hex(8))
    verify(ph, _DUMMY[key], password)


@dataclass(frozen=True)
class Throttle:
    """`limit` failures within `window` lock the key for `lock`."""

    limit: int
    window: dt.timedelta
    lock: dt.timedelta


PER_NAME = Throttle(5, dt.timedelta(minutes=15), dt.timedelta(minutes=15))
PER_CLIENT = Throttle(20, dt.timedelta(minutes=15), dt.timedelta(minutes=15))


def throttle_keys(name: str, client: str) -> list[tuple[str, Throttle]]:
    return [(f"name:{name}", PER_NAME), (f"client:{client}", PER_CLIENT)]
