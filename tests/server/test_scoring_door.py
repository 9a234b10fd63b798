"""The one evaluating thread: every engine call of the server runs on it, one at a time."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from server_data import example_data

from server.scoring import ScoringDoor, door, score

pytest_plugins = ["store_fixtures"]  # the Store fixtures (SQLite and PostgreSQL)

ROOT = Path(__file__).resolve().parents[2]


def test_every_call_runs_on_the_one_thread_and_never_two_at_once():
    gate = ScoringDoor("测试线程")
    seen: set[int] = set()
    running = [0, 0]  # now, most at once

    def work(n: int) -> int:
        seen.add(threading.get_ident())
        running[0] += 1
        running[1] = max(running)
        time.sleep(0.002)
        running[0] -= 1
        return n * n

    results: dict[int, int] = {}

    def client(k: int) -> None:
        for n in range(k * 10, k * 10 + 10):
            results[n] = gate.call(work, n)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {n: n * n for n in range(80)}
    assert seen == {gate.thread.ident}
    assert running[1] == 1


def test_an_exception_reaches_the_caller_and_the_thread_goes_on():
    def fail():
        raise KeyError("坏")

    with pytest.raises(KeyError):
        score(fail)
    assert score(lambda: 42) == 42
    assert score(lambda: score(lambda: 7)) == 7  # re-entrant from the thread itself
    assert door().thread.is_alive()


def test_store_checks_from_many_threads_give_the_same_result(two_units):
    r = two_units
    data = example_data()
    expected = r.store.check(r.ua, r.a.id, data).result.model_dump_json()
    got: list[str] = []

    def client() -> None:
        for _ in range(4):
            got.append(r.store.check(r.ua, r.a.id, data).result.model_dump_json())

    threads = [threading.Thread(target=client) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 32 and set(got) == {expected}


@pytest.mark.slow
def test_soak_3000_identical_results_and_flat_memory():
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "soak.py"), "-n", "3000", "--threads", "4"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "results differing from their variant's: 0" in run.stdout
