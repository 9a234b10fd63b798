"""Batch assessment: many submissions → one scoresheet each, and the rows the 汇总 is built from.

- **Inputs** are files, folders (their .json/.yaml/.yml files; sub-folders with `recursive`)
  and glob patterns, in the order given; a folder's or pattern's files in natural order
  (`单位2` before `单位10`); a file reached twice is assessed once.
- **Isolation**: a submission that cannot be assessed becomes a `FailedInput` with every
  located problem; the batch goes on.
- **Processes, not threads** (durable_rules keeps global C state): each worker compiles the
  ruleset once, in its initializer; it starts as a copy of the parent where that is safe
  (`start_method`). Outcomes are committed in input order, so file names, messages and the
  汇总 do not depend on which worker finished first.
- **Atomic output**: a worker saves a scoresheet to a dot-file ending `.part` in the output
  folder; the parent renames it into place under its final name. A killed run leaves only
  complete files and `.part` files, which the next run into the folder removes. One run at
  a time per output folder (an advisory lock on the folder).
- **Memory**: the pool is handed a few units per worker at a time, and `assess batch` keeps each
  unit's row for the 汇总 in an unnamed temporary file (RowFile), not in memory: the main
  process stays about the same size however many units the batch has.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import glob
import multiprocessing
import os
import pickle
import re
import secrets
import signal
import sys
import tempfile
import threading
import time
import traceback
from array import array
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from engine import api
from engine.assessment import assess, compiled_for
from engine.errors import (
    AssessError,
    InputError,
    Location,
    OutputError,
    Problem,
)
from engine.evaluation.durable import copy_is_safe
from engine.files.atomic import WriteError, check_output, make_folder, note_input, why_not_written
from engine.files.naming import (
    NameAllocator,
    inside,
    repair_surrogates,
    scoresheet_name,
)
from engine.intake.history import History, load_history
from engine.intake.review import Overrides, load_overrides
from engine.intake.submission import Submission
from engine.ruleset.ruleset import Ruleset
from engine.tools.summary import FailedInput, ReportCheckRow, Tally, UnitRow, unit_row

try:
    import fcntl
except ImportError:  # Windows: no advisory lock
    fcntl = None  # type: ignore[assignment]

SUBMISSION_SUFFIXES = (".json", ".yaml", ".yml", ".xlsx")
SUMMARY_XLSX = "汇总.xlsx"
SUMMARY_JSON = "汇总.json"
PART_PREFIX = ".assess-batch-"
PART_SUFFIX = ".part"


# -- inputs ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)  # slots: a batch holds one per unit from start to end
class Input:
    index: int  # 0-based position in the batch
    path: str  # as given on the command line, or the folder joined with the file name

    @property
    def shown(self) -> str:
        """The path as text that can be printed and saved (undecodable bytes in a name shown as �)."""
        return repair_surrogates(self.path)


def _natural(text: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _is_submission(path: Path) -> bool:
    return path.suffix.lower() in SUBMISSION_SUFFIXES and not path.name.startswith(".")


def _under(path: Path, folder: Path | None) -> bool:
    if folder is None:
        return False
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _folder_files(folder: Path, recursive: bool, exclude: Path | None) -> list[Path]:
    found: list[Path] = []
    if recursive:
        for root, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith(".") and not _under(Path(root) / d, exclude)]
            found += [Path(root) / f for f in files]
    else:
        found = [p for p in folder.iterdir()]
    files = [p for p in found if _is_submission(p) and p.is_file() and not _under(p, exclude)]
    return sorted(files, key=lambda p: _natural(p.relative_to(folder).as_posix()))


def discover(
    args: Sequence[str], *, recursive: bool = False, exclude: Path | None = None
) -> tuple[list[Input], list[FailedInput]]:
    """Expand INPUT arguments into submissions (and failures for arguments that name nothing).

    `exclude` (the output folder) is skipped when a folder or pattern is expanded, so a batch
    never reads its own 汇总.json back in.
    """
    inputs: list[Input] = []
    failures: list[FailedInput] = []
    seen: set[Path] = set()

    def fail(arg: str, message: str) -> None:
        shown = repair_surrogates(arg)
        problem = str(Problem(Location(shown), message, "file.unusable"))
        failures.append(FailedInput(len(inputs) + len(failures), shown, "文件", (problem,)))

    def add(path: Path, shown: str) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            note_input(path)  # workers read it; no output of this run may replace it
            inputs.append(Input(len(inputs) + len(failures), shown))

    kinds = "、".join(SUBMISSION_SUFFIXES)
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            files = _folder_files(path, recursive, exclude)
            if not files:
                fail(arg, f"文件夹中没有申报文件（{kinds}）" + ("" if recursive else "；子文件夹须加 --recursive"))
            for f in files:
                add(f, str(f))
        elif path.exists():
            if path.suffix.lower() not in SUBMISSION_SUFFIXES:
                fail(arg, f"不支持的文件类型 “{path.suffix or '（无扩展名）'}”，申报文件应为 {kinds}")
            else:
                add(path, arg)
        elif any(ch in arg for ch in "*?["):
            matches = [Path(m) for m in glob.glob(arg, recursive=True)]
            files = sorted(
                (m for m in matches if m.is_file() and _is_submission(m) and not _under(m, exclude)),
                key=lambda p: _natural(p.as_posix()),
            )
            if not files:
                fail(arg, f"没有匹配的申报文件（{kinds}）")
            for f in files:
                add(f, str(f))
        else:
            fail(arg, "文件不存在")
    return inputs, failures


def batch_root(paths: Sequence[str]) -> str:
    """The folder every input lies in or under: the 汇总 names submissions relative to it."""
    folders = [os.path.dirname(os.path.abspath(p)) for p in paths]
    try:
        root = os.path.commonpath(folders) if folders else ""
    except ValueError:  # Windows: inputs on different drives have no common folder
        return ""
    # inputs that share only a folder at or above where the command runs (/, /tmp, the working folder
    # itself): the names as typed say more than a path from that folder
    cwd = os.getcwd()
    return "" if root and os.path.commonpath([root, cwd]) == root else root


def relative_to(root: str, path: str) -> str:
    """path relative to root, with "/" (the path itself when it cannot be made relative)."""
    if not root:
        return path
    try:
        return Path(os.path.relpath(os.path.abspath(path), root)).as_posix()
    except ValueError:
        return path


def relative_files(
    rows: list[UnitRow] | RowFile, failures: list[FailedInput], paths: Sequence[str]
) -> tuple[list[UnitRow] | RowFile, list[FailedInput]]:
    """Rows and failures naming their submission relative to the batch's folder, not as typed
    (a RowFile's rows as they are read back)."""
    root = batch_root(paths)

    def failure(f: FailedInput) -> FailedInput:
        shown = relative_to(root, f.file)  # and so in each problem that starts with the file's place
        problems = tuple(shown + p[len(f.file) :] if p.startswith(f.file + ":") else p for p in f.problems)
        return replace(f, file=shown, problems=problems)

    if isinstance(rows, RowFile):
        rows.root = root
        return rows, [failure(f) for f in failures]
    return [replace(r, file=relative_to(root, r.file)) for r in rows], [failure(f) for f in failures]


class RowFile:
    """The rows of a batch, pickled one after another into a private temporary file; in memory
    only where each starts. A batch of 10,000 units kept 40 MB of rows for the 汇总 otherwise.

    The file has no name (O_TMPFILE, or unlinked as soon as it is made: the temporary module's
    TemporaryFile, readable by this user only), so nothing is left behind however the batch ends.

    Each row is kept as two pickles: its items (nine tenths of reading a row back), then the rest,
    so the sheets that show no item read a row without them (`head_at`). With a `tally`, each row
    is counted for the 汇总 as it is appended, while the workers still run, instead of in a pass
    over the file at the end.
    """

    def __init__(self, folder: Path | str | None = None, tally: Tally | None = None):
        self._fh = tempfile.TemporaryFile(dir=folder, prefix=PART_PREFIX, suffix=PART_SUFFIX)
        self._starts = array("q")  # where each row's items start; the rest follows them
        self._heads = array("q")  # where the rest starts
        self._end = 0
        self.root = ""  # once set (relative_files): rows name their submission relative to it
        self.tally = tally
        self._unread = False  # appended since the file was last flushed

    def append(self, row: UnitRow) -> None:
        if self.tally is not None:
            self.tally.add(row, len(self._starts))
        items = pickle.dumps(row.items, pickle.HIGHEST_PROTOCOL)
        head = pickle.dumps(replace(row, items=()), pickle.HIGHEST_PROTOCOL)
        self._fh.seek(self._end)
        self._fh.write(items)
        self._fh.write(head)
        self._starts.append(self._end)
        self._heads.append(self._end + len(items))
        self._end += len(items) + len(head)
        self._unread = True

    def __len__(self) -> int:
        return len(self._starts)

    def __iter__(self) -> Iterator[UnitRow]:
        for k in range(len(self._starts)):
            yield self.row_at(k)

    def row_at(self, k: int) -> UnitRow:
        """The k-th row appended (its file relative to `root` once that is set)."""
        return self._head(k, pickle.loads(self._read(self._starts[k], self._heads[k])))

    def head_at(self, k: int) -> UnitRow:
        """The k-th row without its items (`items` is empty): what the sheets that show no item read."""
        return self._head(k, ())

    def _read(self, start: int, end: int) -> bytes:
        # read at a place, not from the file's shared position: a copy of this process (scoresheets.summary
        # writes a sheet in one) reads the same open file at the same time
        if self._unread:
            self._fh.flush()
            self._unread = False
        if hasattr(os, "pread"):
            return os.pread(self._fh.fileno(), end - start, start)
        self._fh.seek(start)  # Windows: no pread, and no copies of the process either
        return self._fh.read(end - start)

    def _head(self, k: int, items: tuple) -> UnitRow:
        end = self._starts[k + 1] if k + 1 < len(self._starts) else self._end
        row = pickle.loads(self._read(self._heads[k], end))
        # a row just read is this reader's alone: set in place, not copied field by field
        object.__setattr__(row, "items", items)
        if self.root:
            object.__setattr__(row, "file", relative_to(self.root, row.file))
        return row

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> RowFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- the ruleset -------------------------------------------------------------------------


def check_rules(rules: Path | str | None) -> list[Ruleset]:
    """Load every ruleset the batch may use before anything is written: the file given, or each
    ruleset of the folder (the shipped one by default). A RulesError stops the batch (exit 3)."""
    from engine.ruleset.folders import rules_files
    from engine.ruleset.names import resolve_rules

    folder = resolve_rules(rules)
    if not folder.is_dir():
        return [api.get_ruleset(folder)]
    return [api.get_ruleset(path) for path in rules_files(folder)]


def check_map(path: Path | str) -> None:
    """Load a 分工表 in the parent first, so a bad one stops the batch before anything is written."""
    api.get_map(path, None)


def check_overrides(path: Path | str) -> Overrides:
    """Read the review file before anything is written: a bad one stops the batch (exit 3)."""
    return load_overrides(path)


def check_history(path: Path | str) -> History:
    """Read the earlier results before anything is written: unreadable ones stop the batch (exit 3)."""
    return _history(str(path))


_OVERRIDES: dict[str, Overrides] = {}
_HISTORY: dict[str, History] = {}


def _history(path: str) -> History:
    if path not in _HISTORY:
        from scoresheets.readback import previous_of_sheet  # openpyxl only when a history is given

        _HISTORY[path] = load_history(path, previous_of_sheet)
    return _HISTORY[path]


def _overrides(path: str | None) -> Overrides | None:
    if path is None:
        return None
    if path not in _OVERRIDES:
        _OVERRIDES[path] = load_overrides(path)
    return _OVERRIDES[path]


def load_for(rules: Path | str | None, path: Path) -> tuple[Ruleset, Submission]:
    """The ruleset a submission is assessed with (the one in force for its year when `rules` is a
    folder) and the submission read with it, in any supported format — the one place a batch
    chooses it."""
    return api.load_submission_for(path, rules)


# -- workers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerConfig:
    rules: str | None
    as_of: dt.datetime
    folder: str | None  # where scoresheets go; None: no scoresheets (JSON summary only)
    token: str  # names this run's temporary files
    overrides: str | None = None  # the assessors' review file
    responsibility: str | None = None  # the 分工表 (else the one beside each ruleset)
    history: str | None = None  # earlier results (--history)


@dataclass(frozen=True)
class Outcome:
    index: int
    row: UnitRow | None = None
    failure: FailedInput | None = None
    part: str | None = None  # the saved scoresheet, not yet renamed into place


_CONFIG: WorkerConfig | None = None


def part_name(token: str, index: int) -> str:
    return f"{PART_PREFIX}{token}-{index:06d}{PART_SUFFIX}"


# Below this many units one process is faster (benchmarks/README.md): a worker copied from the
# parent ("fork", start_method) only builds durable's programs before its first unit; a spawned one
# first imports the engine and loads the ruleset, about as long as assessing a few hundred units.
PARALLEL_FROM = 20
PARALLEL_FROM_SPAWNED = 400


IN_FLIGHT = 8  # units handed to the pool per worker at a time


def default_jobs(units: int) -> int:
    """Processes for a batch of this size when --jobs is not given."""
    least = PARALLEL_FROM if start_method() == "fork" else PARALLEL_FROM_SPAWNED
    return 1 if units < least else max(1, os.cpu_count() or 1)


def prepare(config: WorkerConfig) -> None:
    """Set up this process to assess: load and compile the ruleset, register it with durable."""
    global _CONFIG
    _CONFIG = config
    with contextlib.suppress(Exception):  # a failure here is reported per submission instead
        from engine.evaluation.durable.adapter import adapter

        for ruleset in check_rules(config.rules):
            adapter().program_for(compiled_for(ruleset))
        if config.folder is not None:
            import scoresheets  # noqa: F401  (import openpyxl once, not during the first unit)
    # what is loaded now lives as long as the process: leave it out of every later collection
    # (each full collection walked it again, a tenth of a unit's time)
    gc.freeze()


def _watch_parent(parent: int) -> None:
    # A worker whose parent was killed would otherwise wait for work for ever.
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)


_RUNNING = None  # shared with the parent: which submission each worker is assessing
_SLOT = -1


def init_worker(config: WorkerConfig, parent: int, running=None, slots=None) -> None:
    """Pool initializer: Ctrl-C is the parent's to handle; exit if the parent dies."""
    global _RUNNING, _SLOT
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if running is not None and slots is not None:
        with slots.get_lock():
            _SLOT = slots.value
            slots.value += 1
        _RUNNING = running
    prepare(config)


def _tracked(task: Callable[[Input], Outcome], item: Input) -> Outcome:
    """Run task(item) in a worker, leaving a note of which submission is running."""
    if _RUNNING is not None:
        _RUNNING[_SLOT] = item.index
    outcome = task(item)
    if _RUNNING is not None:
        _RUNNING[_SLOT] = -1
    return outcome


def _save_part(result, target: Path) -> None:
    from scoresheets.workbook import scoresheet_bytes  # byte-identical for an identical result

    data = scoresheet_bytes(result)
    try:
        with open(target, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            target.unlink()
        raise


REPORT_SUFFIXES = (".txt", ".docx")
REPORT_MARKS = ("", "-报告", ".报告", "_报告", "-年度报告")


def report_beside(submission: Path) -> Path | None:
    """The unit's annual report next to its submission: same name with .txt/.docx (甲.json ↔ 甲.txt, 甲-报告.docx)."""
    for mark in REPORT_MARKS:
        for suffix in REPORT_SUFFIXES:
            candidate = submission.with_name(submission.stem + mark + suffix)
            if candidate.is_file():
                return candidate
    return None


def check_report(report: Path, ruleset, submission) -> tuple[ReportCheckRow, ...]:
    """The cross-check lines of a submission against its report; an unreadable report is one line saying why."""
    from engine.extract.choice import guess_year
    from engine.extract.crosscheck import FLAG_WORDS, cross_check, shown
    from engine.extract.extractor import extract
    from engine.extract.report import read_report

    try:
        text = read_report(report)
    except InputError as exc:
        return tuple(ReportCheckRow("无法读取", "", "", "", repair_surrogates(str(p))) for p in exc.problems)
    year = guess_year(text)
    check = cross_check(extract(text, ruleset), submission, report_year=int(year.value) if year else None)
    rows = (
        [ReportCheckRow("注意", "考核年度", str(submission.year), str(year.value), check.year_note)]
        if check.year_note
        else []
    )
    for line in check.lines:
        unit = check.units.get(line.name, "") if not isinstance(line.stated, bool) else ""
        where = f"第{line.citation.line}行“{line.citation.phrase}”：{line.citation.sentence[:200]}"
        flags = f"（{'、'.join(FLAG_WORDS.get(f, f) for f in line.flags)}）" if line.flags else ""
        rows.append(
            ReportCheckRow(
                line.kind,
                line.name,
                shown(line.submitted) + (unit if line.submitted is not None else ""),
                shown(line.stated) + unit + flags,
                where,
            )
        )
    return tuple(rows)


def assess_one(item: Input) -> Outcome:
    """Assess one submission in this process (a worker, or the parent with --jobs 1)."""
    config = _CONFIG
    assert config is not None, "prepare() first"
    try:
        ruleset, submission = load_for(config.rules, Path(item.path))
        previous = _history(config.history).previous_of(submission) if config.history else None
        result = assess(
            ruleset, submission, as_of=config.as_of, overrides=_overrides(config.overrides), previous=previous
        )
        result = api.with_map(result, ruleset, config.responsibility, strict=False)
        part = None
        if config.folder is not None:
            target = Path(config.folder) / part_name(config.token, item.index)
            try:
                _save_part(result, target)
            except OSError as exc:  # a full disk: this unit is not written, and says where and why
                message = f"{item.shown}: 评分表写不成，未写出（输出文件夹 {config.folder}）：{why_not_written(exc)}"
                failure = FailedInput(item.index, item.shown, "输出", (repair_surrogates(message),))
                return Outcome(item.index, failure=failure)
            part = str(target)
        row = unit_row(item.index, item.shown, result)
        report = report_beside(Path(item.path))
        if report is not None:
            row = dataclasses.replace(
                row, report=repair_surrogates(str(report)), report_check=check_report(report, ruleset, submission)
            )
        return Outcome(item.index, row=row, part=part)
    except InputError as exc:
        problems = tuple(repair_surrogates(str(p)) for p in exc.problems)
        return Outcome(item.index, failure=FailedInput(item.index, item.shown, exc.kind, problems))
    except AssessError as exc:
        message = repair_surrogates(f"{item.shown}: {exc}")
        return Outcome(item.index, failure=FailedInput(item.index, item.shown, "评分", (message,)))
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else ""
        message = repair_surrogates(f"{item.shown}: 内部错误：{type(exc).__name__}: {first}")
        return Outcome(
            item.index,
            failure=FailedInput(item.index, item.shown, "内部错误", (message,), detail=traceback.format_exc()),
        )


# -- the output folder -------------------------------------------------------------------


def _ours(name: str) -> bool:
    return name.endswith(PART_SUFFIX) and (
        name.startswith(PART_PREFIX) or name.startswith(f".{SUMMARY_XLSX}.") or name.startswith(f".{SUMMARY_JSON}.")
    )


def clean_parts(folder: Path, token: str = "") -> int:
    """Remove temporary files a batch leaves (only this run's when token is given)."""
    removed = 0
    for entry in folder.iterdir():
        if _ours(entry.name) and (not token or entry.name.startswith(f"{PART_PREFIX}{token}-")):
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()
                removed += 1
    return removed


@contextlib.contextmanager
def output_folder(path: Path) -> Iterator[Path]:
    """Create and lock the output folder; remove temporary files an interrupted run left."""
    where = Location(str(path))
    try:
        make_folder(path)
    except WriteError as exc:
        raise OutputError(Problem(Location(exc.path), exc.message, "output.unwritable")) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputError(Problem(where, "没有写入权限", "output.unwritable"))
    fd = os.open(path, os.O_RDONLY) if fcntl is not None else None  # Windows cannot open a folder
    try:
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise OutputError(
                    Problem(where, "另一个批量评分正在写入此文件夹；请等它结束，或换一个输出文件夹", "output.in-use")
                ) from None
        clean_parts(path)
        yield path
    finally:
        if fd is not None:
            os.close(fd)  # releases the lock


# -- running -----------------------------------------------------------------------------


def _check_overwrite(path: Path) -> None:
    from scoresheets.guard import check_overwrite  # openpyxl only when a folder is written

    check_overwrite(path)


def _crashed(item: Input) -> Outcome:
    message = f"{item.shown}: 评分进程异常退出，未评分（可重新运行；如仍出错，请单独评分此文件并加 --debug）"
    return Outcome(item.index, failure=FailedInput(item.index, item.shown, "内部错误", (message,)))


def start_method() -> str:
    """How worker processes start: as copies of this one ("fork": its imports and loaded rulesets
    come with it — a spawned worker spends a third of a second importing before its first unit)
    where that is safe, else as fresh interpreters ("spawn").

    Safe is `copy_is_safe`: Linux, one thread, no durable_rules state made here (each worker
    makes its own).
    """
    return "fork" if copy_is_safe() else "spawn"


def _round(
    items: list[Input],
    jobs: int,
    config: WorkerConfig,
    task: Callable[[Input], Outcome],
    emit: Callable[[Outcome], None],
) -> tuple[list[Input], set[int]]:
    """Run items in one pool. Returns what is left if a worker died, and what was running then."""
    context = multiprocessing.get_context(start_method())
    if context.get_start_method() == "fork":  # what is buffered now would be written again by each worker
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
    workers = min(jobs, len(items))
    running = context.Array("q", [-1] * workers, lock=False)
    slots = context.Value("i", 0)
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=init_worker,
        initargs=(config, os.getpid(), running, slots),
    )
    pending = {item.index: item for item in items}
    broken = False
    # a few units ahead of the workers, not the whole batch: a future (with its lock and, once
    # done, its outcome) for every unit grew the main process with the batch's size
    waiting = iter(items)
    futures: dict = {}
    try:
        while True:
            while not broken and len(futures) < IN_FLIGHT * workers:
                item = next(waiting, None)
                if item is None:
                    break
                futures[pool.submit(_tracked, task, item)] = item.index
            if not futures:
                break
            done = sorted(wait(futures, return_when=FIRST_COMPLETED).done, key=futures.__getitem__)
            while done:
                # dropped as it is read: a finished future keeps its outcome (the row as unpickled,
                # tens of KB) alive for as long as anything refers to it
                future = done.pop(0)
                index = futures.pop(future)
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    broken = True
                    continue
                del pending[index]
                emit(outcome)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    suspects = {i for i in running if i >= 0} if broken else set()
    return list(pending.values()), suspects


def _in_pool(
    items: list[Input],
    jobs: int,
    config: WorkerConfig,
    task: Callable[[Input], Outcome],
    emit: Callable[[Outcome], None],
) -> None:
    """Run items in worker processes; survive a worker that dies (durable_rules can crash).

    When a worker dies, the pool is lost: the submissions that were being assessed at that
    moment are retried one at a time (a second crash names the culprit: it goes on 错误),
    and the rest are run again in a new pool.
    """
    left = list(items)
    while left:
        before = len(left)
        left, suspects = _round(left, jobs, config, task, emit)
        if not left:
            return
        if not suspects and len(left) == before:  # workers die before assessing anything
            for item in left:
                emit(_crashed(item))
            return
        for item in [i for i in left if i.index in suspects]:
            again, _ = _round([item], 1, config, task, emit)
            if again:
                emit(_crashed(item))
        left = [i for i in left if i.index not in suspects]


class _InOrder:
    """Holds outcomes until every earlier one is in, then commits them in input order."""

    def __init__(
        self,
        folder: Path | None,
        failures: list[FailedInput],
        on_unit: Callable[[UnitRow | FailedInput], None],
        force: bool = False,
        rows: RowFile | None = None,
    ):
        self.folder = folder
        self.force = force
        self.names = NameAllocator(reserved=(SUMMARY_XLSX, SUMMARY_JSON))
        self.waiting: dict[int, Outcome] = {f.index: Outcome(f.index, failure=f) for f in failures}
        self.next = 0
        self.on_unit = on_unit
        self.rows: list[UnitRow] | RowFile = [] if rows is None else rows
        self.failures: list[FailedInput] = []
        self.pool: dict | None = {} if rows is None else None  # one shared copy of each value the rows repeat

    def add(self, outcome: Outcome) -> None:
        self.waiting[outcome.index] = outcome
        self.flush()

    def flush(self) -> None:
        while self.next in self.waiting:
            self._commit(self.waiting.pop(self.next))
            self.next += 1

    def _commit(self, outcome: Outcome) -> None:
        if outcome.row is not None and outcome.part is not None and self.folder is not None:
            row = outcome.row
            name = self.names.take(*scoresheet_name(row.unit, row.year))
            try:
                check_output(inside(self.folder, name))
                if not self.force:
                    _check_overwrite(inside(self.folder, name))
                os.replace(outcome.part, inside(self.folder, name))
            except WriteError as exc:  # a link, device or input where the scoresheet would go
                with contextlib.suppress(OSError):
                    os.unlink(outcome.part)
                message = f"{row.file}: 评分表 {exc.path} 未写出：{exc.message}"
                outcome = Outcome(outcome.index, failure=FailedInput(outcome.index, row.file, "输出", (message,)))
            except InputError as exc:  # an edited scoresheet: kept, this unit listed as not written
                with contextlib.suppress(OSError):
                    os.unlink(outcome.part)
                problems = tuple(repair_surrogates(str(p)) for p in exc.problems)
                outcome = Outcome(outcome.index, failure=FailedInput(outcome.index, row.file, "输出", problems))
            except OSError as exc:
                with contextlib.suppress(OSError):
                    os.unlink(outcome.part)
                message = f"{row.file}: 无法写入评分表 {inside(self.folder, name)}：{why_not_written(exc)}"
                outcome = Outcome(outcome.index, failure=FailedInput(outcome.index, row.file, "输出", (message,)))
            else:
                outcome = replace(outcome, row=replace(row, sheet=name))
        if outcome.row is not None:
            row = outcome.row if self.pool is None else shared(outcome.row, self.pool)
            self.rows.append(row)
            self.on_unit(row)
        elif outcome.failure is not None:
            self.failures.append(outcome.failure)
            self.on_unit(outcome.failure)


def shared(value, pool: dict):
    """`value` with every part that other rows repeat (texts, amounts, item losses, tuples of them)
    replaced by one shared object.

    Rows arrive unpickled from the workers, each with its own copy of the ruleset's item texts,
    category names and amounts; the 汇总 keeps every row, so the copies grew the main process by
    tens of KB a unit. Parts are matched exactly: a text by its type and value, an amount by its
    digits (2.5 and 2.50 stay apart), a tuple or a record by the identity of its shared parts.
    """
    if isinstance(value, str):
        key = (str, value)
    elif isinstance(value, Decimal):
        key = (Decimal, str(value))
    elif isinstance(value, tuple):
        value = tuple(shared(v, pool) for v in value)
        key = (tuple, tuple(map(id, value)))
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        parts = {f.name: shared(getattr(value, f.name), pool) for f in dataclasses.fields(value) if f.init}
        value = replace(value, **parts)
        key = (type(value), tuple(map(id, parts.values())))
    else:
        return value  # numbers, flags, None: small, or cached by Python already
    # ids are those of objects the pool keeps alive, so an equal key means the very same parts
    return pool.setdefault(key, value)


def run(
    items: list[Input],
    failures: list[FailedInput],
    *,
    rules: Path | str | None,
    as_of: dt.datetime,
    folder: Path | None,
    jobs: int,
    on_unit: Callable[[UnitRow | FailedInput], None] = lambda _: None,
    task: Callable[[Input], Outcome] = assess_one,
    overrides: Path | str | None = None,
    force: bool = False,
    responsibility: Path | str | None = None,
    history: Path | str | None = None,
    rows: RowFile | None = None,
) -> tuple[list[UnitRow] | RowFile, list[FailedInput]]:
    """Assess every input; save scoresheets into folder (None: none). on_unit sees each in order.

    The rows are returned in a list, or appended to `rows` (then returned) when one is given.
    `task` runs in the worker processes and must be a module-level function.
    """
    token = f"{os.getpid()}{secrets.token_hex(3)}"
    config = WorkerConfig(
        str(rules) if rules is not None else None,
        as_of,
        str(folder) if folder else None,
        token,
        str(overrides) if overrides is not None else None,
        str(responsibility) if responsibility is not None else None,
        str(history) if history is not None else None,
    )
    committer = _InOrder(folder, failures, on_unit, force, rows)
    committer.flush()  # failures that come before the first submission
    try:
        if jobs <= 1 or len(items) <= 1:
            prepare(config)
            for item in items:
                committer.add(task(item))
        else:
            _in_pool(items, jobs, config, task, committer.add)
        assert not committer.waiting, "every outcome is committed"
    finally:
        if folder is not None:
            clean_parts(folder, token)
    return committer.rows, committer.failures
