"""Writing output files so that a reader sees the old file or the complete new one, never a part.

The new content goes to a temporary file beside the target (same folder, so the same file
system), is flushed to disk, and only then renamed over the target; the folder is synced so
the rename itself survives a power cut. If the process dies before the rename (even by
SIGKILL) the target is untouched and a hidden `.<name>.<random>.part` file may remain.

Where an output may go (`check_output`, the one rule every command's writes pass): a new name
or an existing regular file, never a device, FIFO, socket or folder, never a symbolic link
(refused rather than followed or replaced: the link's owner meant it to point somewhere), and
never a file this process read as input (compared by device and inode, so `-o sub.json`, the
filled 填报表, the rules file or a review file is refused however it is spelled).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

_PREFIX_CHARS = 60  # the temporary name must stay within the 255-byte limit however long the target's is


@contextlib.contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success it replaces the target.

    On any exception (or Ctrl-C) the temporary file is removed and the target is left as it
    was. The new file gets the target's permissions, or the usual ones for a new file (mkstemp
    would leave it readable by its owner only).
    """
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    check_output(target)
    make_folder(folder)
    import tempfile  # here: a run that only reads (a copy assessing, engine.cli.ahead) never needs it

    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name[:_PREFIX_CHARS]}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise _output_problem(exc, target) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        # mkstemp makes the file private (0600); the output should get the usual permissions
        os.chmod(tmp, 0o666 & ~_umask())
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):  # some network shares refuse chmod; the write still counts
            os.chmod(tmp, _mode_for(target))
        check_output(target)  # again: the path may have changed while the content was made
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise _output_problem(exc, target) from None  # never the temporary file's name
        raise
    sync_folder(folder)


class WriteError(Exception):
    """An output that cannot be written, said for a person: the path, why, and what to do (exit 3)."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


# (device, inode) → (name read by, ctime): the ctime tells a file from a later one that reuses a freed inode
_INPUTS: dict[tuple[int, int], tuple[str, int]] = {}


def note_input(path: Path | str, info: os.stat_result | None = None) -> None:
    """Remember a file this process read as input, so that no output replaces it."""
    try:
        info = info or os.stat(path)
    except OSError:
        return
    _INPUTS[(info.st_dev, info.st_ino)] = (str(path), info.st_ctime_ns)


def check_output(target: Path | str) -> None:
    """Raise WriteError unless target is a new name or an existing regular file that is no input."""
    target = Path(target)
    try:
        info = os.lstat(target)
    except (FileNotFoundError, NotADirectoryError):
        return  # a new name (a missing or blocked folder is make_folder's to report)
    except OSError as exc:
        raise _output_problem(exc, target) from None
    mode = info.st_mode
    if stat.S_ISLNK(mode):
        raise WriteError(str(target), "是符号链接；为免改动链接指向的文件，不写入链接：请给出链接以外的文件名")
    if stat.S_ISDIR(mode):
        raise WriteError(str(target), f"是文件夹；请给出文件名，如 {target / ('输出' + (target.suffix or '.xlsx'))}")
    if not stat.S_ISREG(mode):
        raise WriteError(str(target), f"是{_kind(mode)}，不是普通文件；不写入：请给出一个普通文件名")
    source, ctime = _INPUTS.get((info.st_dev, info.st_ino), ("", 0))
    if source and ctime == info.st_ctime_ns:
        same = "" if os.path.abspath(source) == os.path.abspath(target) else f"（即 {source}）"
        raise WriteError(str(target), f"是本次读取的输入文件{same}；不覆盖输入：请用 -o 另给一个输出文件名")


def _kind(mode: int) -> str:
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备文件"
    if stat.S_ISFIFO(mode):
        return "命名管道（FIFO）"
    if stat.S_ISSOCK(mode):
        return "套接字"
    return "特殊文件"


def make_folder(folder: Path) -> None:
    """Create a missing output folder (and its parents), or raise WriteError saying why not."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next((p for p in [folder, *folder.parents] if p.exists() and not p.is_dir()), folder)
        raise WriteError(str(blocker), "是文件，不是文件夹；请换一个输出文件夹") from None
    except OSError as exc:
        raise WriteError(str(folder), _why(exc, "无法创建文件夹")) from None


def _why(exc: OSError, doing: str) -> str:
    if exc.errno == errno.ENOSPC:
        return "磁盘空间不足；请腾出空间或换一个位置后重试"
    if exc.errno == errno.EDQUOT:
        return "超出磁盘配额；请腾出空间或换一个位置后重试"
    if isinstance(exc, PermissionError):
        return "没有写入权限；请换一个文件夹，或关闭正在使用该文件的程序（如 Excel）后重试"
    if exc.errno == errno.EROFS:
        return "所在磁盘只读；请换一个位置"
    if exc.errno == errno.ENAMETOOLONG:
        return "文件名过长；请换一个短些的名字"
    return f"{doing}（{exc.strerror or exc}）"


def why_not_written(exc: OSError) -> str:
    """Why an output could not be written, in words (a full disk, no permission …)."""
    return _why(exc, "无法写入")


def _output_problem(exc: OSError, target: Path) -> WriteError:
    return WriteError(str(target), _why(exc, "无法写入"))


def _mode_for(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX; elsewhere a no-op)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@functools.cache
def _umask() -> int:
    # read once: os.umask can only be read by setting it, which is not thread-safe
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(target: Path | str, writer: Callable[[Path], None]) -> None:
    """Call writer(tmp_path) and move the result into place."""
    with atomic_path(target) as tmp:
        writer(tmp)


def write_bytes_atomic(target: Path | str, data: bytes) -> None:
    write_atomic(target, lambda p: p.write_bytes(data))


def write_text_atomic(target: Path | str, text: str) -> None:
    write_atomic(target, lambda p: p.write_text(text, encoding="utf-8"))
