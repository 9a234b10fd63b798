"""The one door to evaluation in a long-running process: a single evaluating thread.

durable_rules keeps global C state without locks (its rulesets, sessions and the host are shared
by every thread), so the web server's thread pool never calls the engine itself: it hands the work
to this thread and waits for the answer. Work is done in the order it arrives; an exception in the
work is re-raised in the caller.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


class ScoringDoor:
    """A queue served by one daemon thread; `call(fn, …)` runs fn there and returns its value."""

    def __init__(self, name: str = "评分线程"):
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            future, fn, args, kwargs = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # handed to the caller, never lost in this thread
                future.set_exception(exc)
            del future, fn, args, kwargs, job  # nothing of a finished job stays alive here

    def call(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """Run fn(*args, **kwargs) on the evaluating thread and wait for it (re-entrant from that thread)."""
        if threading.current_thread() is self._thread:
            return fn(*args, **kwargs)
        future: Future = Future()
        self._queue.put((future, fn, args, kwargs))
        return future.result()

    @property
    def thread(self) -> threading.Thread:
        return self._thread


_DOOR: ScoringDoor | None = None
_LOCK = threading.Lock()


def door() -> ScoringDoor:
    """This process's scoring door (created on first use)."""
    global _DOOR
    with _LOCK:
        if _DOOR is None:
            _DOOR = ScoringDoor()
        return _DOOR


def score(fn: Callable[..., T], *args, **kwargs) -> T:
    """Run fn on this process's evaluating thread."""
    return door().call(fn, *args, **kwargs)
