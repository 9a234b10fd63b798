"""A one-file assessment begun in a copy of the process before the command line is read.

`assess X.json -o X.xlsx` spends two thirds of its time importing the engine and loading the
ruleset, and a fifth importing openpyxl, which the assessment does not need. When the command
line looks like one assessment written as a workbook, `begin` forks a copy at once: the copy
imports the engine while this process imports click and parses the command line; `score` then
sends the copy what to assess (a `Request`) and imports the writer while the copy assesses.

The copy only computes: everything the user sees (messages, exit codes, files) stays this
process's. Its answer comes back through a pipe (pickle between a process and its own copy,
never from a file). Whenever it cannot answer — it failed in an unexpected way, died, or sent
what does not load — the work is done again here, so the user sees what a one-process run
shows. Forking is used only where it is safe and a processor is free (see `can_fork`).
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import pickle
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from engine.errors import InputError
from engine.evaluation.durable import copy_is_safe

if TYPE_CHECKING:
    from engine.result import AssessmentResult

_DONE, _REFUSED, _AGAIN = "done", "refused", "again"


@dataclass(frozen=True)
class Request:
    """What `assess SUBMISSION` was asked to assess: the same work in either process."""

    submission: Path
    rules: Path | None = None
    as_of: dt.datetime | None = None
    overrides: Path | None = None
    responsibility: Path | None = None
    history: Path | None = None

    def assess(self) -> AssessmentResult:
        from engine import api

        earlier = None
        if self.history is not None:
            from engine.cli.common import earlier_results

            earlier = earlier_results(self.history)
        return api.assess_file(
            self.submission,
            self.rules,
            as_of=self.as_of,
            overrides_path=self.overrides,
            responsibility_path=self.responsibility,
            history=earlier,
        )


def can_fork() -> bool:
    """Whether a copy made now is safe (`copy_is_safe`, the rule batch workers follow) and can
    help: a processor to spare — two or more, less than all but half a one busy over the last
    minute (on a busy machine the copy's own imports only add to the wait). ASSESS_NO_FORK=1 never
    forks; ASSESS_NO_FORK=0 forks whenever it is safe, whatever the load (tests, benchmarks)."""
    setting = os.environ.get("ASSESS_NO_FORK")
    if setting == "1" or not copy_is_safe():
        return False
    processors = len(os.sched_getaffinity(0))
    return processors > 1 and (setting == "0" or os.getloadavg()[0] < processors - 0.5)


def one_assessment(args: list[str]) -> bool:
    """Whether a command line looks like one assessment written as a workbook: a file first (the
    verb `score` is implied) and no other --format. Only a guess that decides whether to begin early:
    what the command is, click decides; a copy begun for nothing is stopped."""
    if not args or args[0].startswith("-") or not os.path.isfile(args[0]):
        return False
    if {"-h", "--help", "--version"} & set(args):
        return False
    for i, arg in enumerate(args):
        if arg == "--format" and args[i + 1 : i + 2] != ["xlsx"]:
            return False
        if arg.startswith("--format=") and arg != "--format=xlsx":
            return False
    return True


class Copy:
    """The forked copy, seen from this process."""

    def __init__(self, pid: int, requests: int, answers: int) -> None:
        self.pid, self._requests, self._answers = pid, requests, answers

    def send(self, request: Request) -> None:
        """Give the copy its work (it has been importing meanwhile)."""
        try:
            _write_all(self._requests, pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass  # it is gone: result() does the work here
        os.close(self._requests)
        self._requests = -1

    def result(self, request: Request) -> AssessmentResult:
        """The copy's result for the request sent, or its input error raised here; else the work done here."""
        try:
            data = _read_all(self._answers)
        except BaseException:
            self.stop()
            raise
        self._close()
        os.waitpid(self.pid, 0)  # it ends right after answering
        self.pid = 0
        try:
            kind, value = pickle.loads(data)
        except Exception:  # died, or sent what does not load
            kind, value = _AGAIN, None
        if kind == _DONE:
            return value
        if kind == _REFUSED:
            raise value
        return request.assess()

    def stop(self) -> None:
        """End the copy now if it is still there (not needed, or this process is giving up)."""
        self._close()
        pid, self.pid = self.pid, 0
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)  # nothing it does is kept: the user sees this process's output
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)

    def _close(self) -> None:
        for fd in (self._requests, self._answers):
            if fd >= 0:
                os.close(fd)
        self._requests = self._answers = -1


_BEGUN: list[Copy] = []


def begin(args: list[str]) -> None:
    """Fork the copy if `args` look like one assessment and forking is safe here."""
    if _BEGUN or not one_assessment(args) or not can_fork():
        return
    for stream in (sys.stdout, sys.stderr):  # what is buffered now would be written twice
        stream.flush()
    requests, their_requests = os.pipe()
    their_answers, answers = os.pipe()
    # Ctrl-C waits until the copy is on record (so `end` stops it) and, in the copy, until it is ignored
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        try:
            pid = os.fork()
        except OSError:  # no process to spare: everything is done here
            for fd in (requests, their_requests, their_answers, answers):
                os.close(fd)
            return
        if pid == 0:
            os.close(their_requests)
            os.close(their_answers)
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops the copy
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
            _copy(requests, answers)
        os.close(requests)
        os.close(answers)
        _BEGUN.append(Copy(pid, their_requests, their_answers))
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def taken() -> Copy | None:
    """The copy begun for this run (or None); `end` stops it if it has not answered by then."""
    return _BEGUN[0] if _BEGUN else None


def end() -> None:
    """Stop the copy unless it answered: not needed (another verb, a usage error) or interrupted."""
    while _BEGUN:
        _BEGUN.pop().stop()


def _copy(requests: int, answers: int) -> NoReturn:
    """The copy's whole life: import, wait for the request, answer, and end without running
    anything of the parent's (atexit handlers, buffered output)."""
    code = 0
    try:
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)  # all output is the parent's
        os.dup2(quiet, 2)
        gc.disable()  # imports and one assessment leave next to no garbage, and the copy ends soon
        from engine import api  # noqa: F401  # the point: imported while the parent reads its command line

        data = _read_all(requests)
        if data:  # nothing: not needed after all
            request = pickle.loads(data)
            try:
                answer: tuple[str, object] = (_DONE, request.assess())
            except InputError as exc:  # the user's mistake: the parent reports it as its own
                answer = (_REFUSED, exc)
            except BaseException:  # anything else the parent meets again and reports its way
                answer = (_AGAIN, None)
            try:
                payload = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:
                payload = pickle.dumps((_AGAIN, None))
            _write_all(answers, payload)
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
