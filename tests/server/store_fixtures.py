"""Fixtures of the server's tests: a Store on SQLite in tmp_path, and on a local PostgreSQL.

Test modules import the fixtures they use by name (a conftest.py here would take the name
`conftest` from tests/conftest.py, which the other folders' tests import helpers from).

The PostgreSQL server is started once per test session in a temporary folder (unix socket there,
no TCP) from /usr/lib/postgresql/*/bin, as the `postgres` user when the tests run as root (it
refuses to run as root); each test gets a new database. Without the binaries the PostgreSQL cases
are skipped — except under CI=true, where they fail.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from server_data import T0, Round

from server import accounts
from server.store import Store


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


class LocalPostgres:
    """A throw-away PostgreSQL cluster: initdb, pg_ctl start, one database per test, stop."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="assess-pg-"))
        self.data = self.root / "data"
        self.user = None
        if os.geteuid() == 0:
            self.user = "postgres" if _has_user("postgres") else "nobody"
            info = pwd.getpwnam(self.user)
            os.chown(self.root, info.pw_uid, info.pw_gid)
        self.count = 0

    def _run(self, *args: str) -> None:
        command = [str(a) for a in args]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.root)

    def start(self) -> None:
        self._run(
            self.bin / "initdb",
            "-D",
            self.data,
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )
        options = f"-k {self.root} -c listen_addresses='' -F -c max_connections=200 -c shared_buffers=16MB"
        self._run(self.bin / "pg_ctl", "-D", self.data, "-o", options, "-l", self.root / "log", "-w", "start")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.root}"

    def new_database(self) -> str:
        import psycopg

        self.count += 1
        name = f"t{self.count}"
        with psycopg.connect(host=str(self.root), user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run(self.bin / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


_SERVER: list[LocalPostgres] = []


def _stop_server() -> None:
    for server in _SERVER:
        server.stop()


@pytest.fixture(scope="session")
def postgres():
    """The session's PostgreSQL (started once, stopped at exit), or a skip (a failure under CI=true)
    when its binaries are missing."""
    if _SERVER:
        return _SERVER[0]
    bin_dir = _pg_bin()
    if bin_dir is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL binaries missing under CI: .ci/run installs postgresql")
        pytest.skip("PostgreSQL is not installed (/usr/lib/postgresql/*/bin)")
    server = LocalPostgres(bin_dir)
    try:
        server.start()
    except subprocess.CalledProcessError as exc:
        server.stop()
        pytest.fail(f"PostgreSQL did not start: {exc.stderr.decode(errors='replace')}")
    _SERVER.append(server)
    atexit.register(_stop_server)
    return server


class Clock:
    """The store's idea of now; tests move it."""

    def __init__(self, now: dt.datetime = T0):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A new empty database: SQLite in tmp_path, or a new database on the session's PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / '考核.db'}"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def make_store(db_url, tmp_path, clock):
    """make_store() → a Store on the test's database and data folder (several share them)."""
    made = []

    def make() -> Store:
        store = Store(db_url, tmp_path / "数据", clock=clock, hasher=accounts.quick_hasher())
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()


@pytest.fixture
def store(make_store) -> Store:
    return make_store()


@pytest.fixture
def two_units(store) -> Round:
    return Round(store)
