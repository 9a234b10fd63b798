"""Writing output files so that a reader sees the old file or the complete new one, never a part."""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success it replaces the target.

    The temporary file lives beside the target so the final `os.replace` is a rename on one
    file system. On any exception (or Ctrl-C) the temporary file is removed and the target
    is left as it was.
    """
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        # mkstemp makes the file private (0600); the output should get the usual permissions
        os.chmod(tmp, 0o666 & ~_umask())
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


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


def write_text_atomic(target: Path | str, text: str) -> None:
    write_atomic(target, lambda p: p.write_text(text, encoding="utf-8"))
