"""100 units submitting at once against `assess serve` on loopback: requests/s and p50/p95 of save,
score (the live check) and download, on SQLite and (when its binaries exist) PostgreSQL.

    python benchmarks/web_load.py                       # 100 units, SQLite and PostgreSQL
    python benchmarks/web_load.py --units 40 --db sqlite

Each unit is a thread with its own session: log in, open its page, save its data through the web
form, ask for the score, submit. Then the assessor finalizes, and every unit downloads its
评分表 at once while the assessor downloads the zip. The server is a separate `assess serve`
process on 127.0.0.1 (a free port); nothing leaves the machine. Bounded: every request has a
timeout, the whole run a deadline. Prints figures, asserts only that every request succeeded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx2 as httpx

ROOT = Path(__file__).resolve().parents[1]
ASSESS = str(Path(sys.executable).parent / "assess")
RULES = "demo-district-2013"
EXAMPLES = [("huashan-2012.json", "区县政府"), ("problem-department.json", "区直部门")]
TIMEOUT = 300.0  # seconds, one request (finalize scores every unit)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """A throw-away cluster in a temporary folder, run as the `postgres` user when started as root."""

    def __init__(self):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            raise FileNotFoundError("no PostgreSQL binaries")
        self.bin = Path(found[-1]).parent
        self.root = Path(tempfile.mkdtemp(prefix="web-load-pg-"))  # its own folder: the postgres user owns it
        self.data = self.root / "pg"
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, *args) -> None:
        subprocess.run([*self.as_user, *map(str, args)], check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        if self.as_user:
            shutil.chown(self.root, "postgres")
        self.run(self.bin / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C")
        options = f"-k {self.root} -p {self.port} -c listen_addresses='' -c fsync=on -c max_connections=200"
        self.run(self.bin / "pg_ctl", "-D", self.data, "-o", options, "-l", self.root / "log", "-w", "start")
        self.run(self.bin / "createdb", "-h", self.root, "-p", self.port, "-U", "postgres", "assess")
        return f"postgresql+psycopg://postgres@/assess?host={self.root}&port={self.port}"

    def stop(self) -> None:
        self.run(self.bin / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def posted_fields(ruleset, unit_type: str, data: dict) -> dict[str, str]:
    """What the unit's browser posts for `data`."""
    from server.forms import data_to_fields, web_form

    return data_to_fields(web_form(ruleset, unit_type), data)


TOKEN = re.compile(r'name="csrf" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')


class Timings:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_kind: dict[str, list[float]] = {}
        self.failures: list[str] = []

    def request(self, client: httpx.Client, kind: str, method: str, url: str, **kw) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = client.request(method, url, timeout=TIMEOUT, follow_redirects=True, **kw)
        except httpx.HTTPError as exc:
            with self.lock:
                self.failures.append(f"{kind} {url}: {type(exc).__name__}")
            raise
        took = time.perf_counter() - started
        with self.lock:
            self.by_kind.setdefault(kind, []).append(took)
            if response.status_code != 200:
                self.failures.append(f"{kind} {url}: HTTP {response.status_code}")
        return response


def unit_session(base: str, timings: Timings, account: tuple, fields: dict, start, work) -> None:
    """Every unit logs in at once (argon2id: CPU-bound by design), then every unit saves, asks for its
    score and submits at once."""
    unit_id, name, password = account
    with httpx.Client(base_url=base) as client:
        page = timings.request(client, "page", "GET", "/login")
        start.wait()
        page = timings.request(
            client,
            "login",
            "POST",
            "/login",
            data={"csrf": TOKEN.search(page.text)[1], "name": name, "password": password},
        )
        token, version = TOKEN.search(page.text)[1], VERSION.search(page.text)[1]
        work.wait()
        saved = timings.request(
            client,
            "save",
            "POST",
            f"/units/{unit_id}/save",
            data={**fields, "csrf": token, "version": version, "action": "draft"},
        )
        token, version = TOKEN.search(saved.text)[1], VERSION.search(saved.text)[1]
        timings.request(client, "score", "POST", f"/units/{unit_id}/check", data={**fields, "csrf": token})
        timings.request(
            client,
            "submit",
            "POST",
            f"/units/{unit_id}/save",
            data={**fields, "csrf": token, "version": version, "action": "submit"},
        )


def download(base: str, timings: Timings, account: tuple, start: threading.Barrier) -> None:
    unit_id, name, password = account
    with httpx.Client(base_url=base) as client:
        page = client.get("/login", timeout=TIMEOUT)
        client.post(
            "/login", data={"csrf": TOKEN.search(page.text)[1], "name": name, "password": password}, timeout=TIMEOUT
        )
        start.wait()
        got = timings.request(client, "download", "GET", f"/units/{unit_id}/scoresheet.xlsx")
        if got.content[:2] != b"PK":
            timings.failures.append(f"download {unit_id}: not a workbook")


def run(db: str, units: int, deadline: float) -> dict:
    from engine.api import get_ruleset
    from engine.ruleset.names import resolve_rules
    from server.store import Store

    work = Path(tempfile.mkdtemp(prefix="web-load-"))
    pg = None
    try:
        if db == "postgresql":
            pg = Postgres()
            url = pg.start()
        else:
            url = f"sqlite:///{work / 'round.sqlite3'}"
        data = work / "data"
        store = Store(url, data)
        boss, boss_password = store.add_user("考核组", "考核组")
        assessor = store.login("考核组", boss_password, client="bench")
        now = dt.datetime.now(dt.UTC)
        names = [(f"单位{k:03d}", EXAMPLES[k % 2][1]) for k in range(units)]
        rnd, made = store.create_round(
            assessor,
            rules=RULES,
            year=2012,
            opens=now - dt.timedelta(hours=1),
            closes=now + dt.timedelta(days=1),
            units=names,
        )
        store.close()
        ruleset = get_ruleset(resolve_rules(RULES))
        fields = [
            posted_fields(ruleset, t, json.loads((ROOT / "examples" / f).read_text(encoding="utf-8")))
            for f, t in EXAMPLES
        ]
        accounts = [(unit.id, account, password) for unit, account, password in made]
        port = free_port()
        env = {**os.environ, "ASSESS_SECRET": "web-load"}
        server = subprocess.Popen(
            [ASSESS, "serve", "--db", url, "--data", str(data), "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("the server did not start") from None
                    time.sleep(0.2)
            timings = Timings()
            marks: dict[str, float] = {}
            start = threading.Barrier(units)
            work = threading.Barrier(units, action=lambda: marks.setdefault("work", time.perf_counter()))
            threads = [
                threading.Thread(target=unit_session, args=(base, timings, a, fields[k % 2], start, work), daemon=True)
                for k, a in enumerate(accounts)
            ]
            began = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join(max(1.0, deadline - time.monotonic()))
            submit_wall = time.perf_counter() - marks["work"]
            login_wall = marks["work"] - began
            submit_requests = sum(len(timings.by_kind.get(k, ())) for k in ("save", "score", "submit"))
            with httpx.Client(base_url=base) as client:
                page = client.get("/login")
                page = client.post(
                    "/login",
                    data={"csrf": TOKEN.search(page.text)[1], "name": "考核组", "password": boss_password},
                    follow_redirects=True,
                )
                token = TOKEN.search(page.text)[1]
                timings.request(client, "finalize", "POST", f"/rounds/{rnd.id}/finalize", data={"csrf": token})
                start = threading.Barrier(units + 1)
                threads = [
                    threading.Thread(target=download, args=(base, timings, a, start), daemon=True) for a in accounts
                ]
                for t in threads:
                    t.start()
                start.wait()
                began = time.perf_counter()
                timings.request(client, "zip", "GET", f"/rounds/{rnd.id}/download")
                for t in threads:
                    t.join(max(1.0, deadline - time.monotonic()))
                download_wall = time.perf_counter() - began
        finally:
            server.terminate()
            server.wait(timeout=30)
        return {
            "db": db,
            "units": units,
            "timings": timings.by_kind,
            "failures": timings.failures,
            "submit_rps": submit_requests / submit_wall,
            "submit_wall": submit_wall,
            "login_wall": login_wall,
            "download_rps": (len(timings.by_kind.get("download", ())) + 1) / download_wall,
        }
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(work, ignore_errors=True)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--max-seconds", type=float, default=900.0, help="the whole run's deadline per database")
    args = parser.parse_args()
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(f"{args.units} units at once, assess serve on 127.0.0.1, {os.cpu_count()} CPUs")
    for db in dbs:
        try:
            result = run(db, args.units, time.monotonic() + args.max_seconds)
        except FileNotFoundError as exc:
            print(f"{db}: skipped ({exc})")
            continue
        print(f"\n{db}: {args.units} logins at once took {result['login_wall']:.1f} s (argon2id)")
        print(
            f"  save + score + submit phase {result['submit_wall']:.1f} s, {result['submit_rps']:.1f} requests/s; "
            f"download phase {result['download_rps']:.1f} requests/s"
        )
        print(f"  {'request':<10}{'n':>5}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
        for kind in ("login", "save", "score", "submit", "finalize", "download", "zip"):
            values = result["timings"].get(kind, [])
            if values:
                print(
                    f"  {kind:<10}{len(values):>5}{pct(values, 0.5) * 1000:>10.0f}{pct(values, 0.95) * 1000:>10.0f}"
                    f"{max(values) * 1000:>10.0f}"
                )
        if result["failures"]:
            print(f"  FAILED requests: {len(result['failures'])}, e.g. {result['failures'][:3]}")
        else:
            print(f"  every request succeeded (mean save {statistics.mean(result['timings']['save']) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
