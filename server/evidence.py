"""佐证材料 files: stored under their sha256 in the data folder (never a served path), written atomically.

An upload is streamed to a temporary file in the store's own folder while its hash and size are
taken (never past the limit), synced to disk, checked (type by extension and by its first bytes;
a workbook through the project's xlsx guard), then renamed to `sha256/ab/abcdef…`. A process killed
mid-upload leaves only a temporary file, which the next start removes; the database row is written
after the rename, so a committed row always has its file. The name the user gave is only kept as
text, sanitised, for the download's Content-Disposition.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from engine.files.atomic import sync_folder
from engine.files.naming import safe_stem

MAX_BYTES = 20 * 1024 * 1024
CHUNK = 1024 * 1024
TMP_PREFIX = ".upload-"

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc/.xls/.ppt
ZIP = b"PK\x03\x04"
KINDS: dict[str, tuple[str, tuple[bytes, ...]]] = {  # extension → (content type, possible first bytes)
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (ZIP,)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (ZIP,)),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (ZIP,)),
    ".doc": ("application/msword", (OLE,)),
    ".xls": ("application/vnd.ms-excel", (OLE,)),
    ".ppt": ("application/vnd.ms-powerpoint", (OLE,)),
    ".odt": ("application/vnd.oasis.opendocument.text", (ZIP,)),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", (ZIP,)),
}
ALLOWED = "、".join(k.lstrip(".") for k in KINDS)


class EvidenceRefused(Exception):
    """An upload refused: `code` (evidence.too-large | evidence.type | evidence.content | evidence.xlsx | evidence.empty)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    content_type: str
    name: str  # sanitised


def clean_name(name: str) -> str:
    """The file name as given, safe to show and to put in a header: no folders, controls or `..`."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = safe_stem(stem) or "佐证材料"
    ext = "".join(ch for ch in ext.lower() if ch.isascii() and ch.isalnum())[:10]
    return f"{stem}.{ext}" if ext else stem


class EvidenceFiles:
    """The folder `root/sha256/` of stored files."""

    def __init__(self, root: Path):
        self.root = Path(root) / "sha256"
        self.root.mkdir(parents=True, exist_ok=True)
        for leftover in self.root.glob(f"{TMP_PREFIX}*"):  # an upload cut short by a killed process
            with contextlib.suppress(OSError):
                leftover.unlink()

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256")
        return self.root / sha256[:2] / sha256

    def put(self, stream: BinaryIO, name: str, *, max_bytes: int = MAX_BYTES) -> Stored:
        """Store the stream's bytes; EvidenceRefused when too large or not of an allowed type."""
        shown = clean_name(name)
        ext = Path(shown).suffix.lower()
        if ext not in KINDS:
            raise EvidenceRefused(f"{shown}：不接受此类文件；佐证材料可为 {ALLOWED}", "evidence.type")
        content_type, magic = KINDS[ext]
        fd, tmp_name = tempfile.mkstemp(prefix=TMP_PREFIX, dir=self.root)
        tmp = Path(tmp_name)
        try:
            digest, size, head = hashlib.sha256(), 0, b""
            with os.fdopen(fd, "wb") as out:
                while True:
                    chunk = stream.read(CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > max_bytes:
                        raise EvidenceRefused(
                            f"{shown}：文件超过 {max_bytes // (1024 * 1024)} MiB，请压缩或拆分后上传",
                            "evidence.too-large",
                        )
                    if len(head) < 16:
                        head += chunk[:16]
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if size == 0:
                raise EvidenceRefused(f"{shown}：文件是空的", "evidence.empty")
            if not any(head.startswith(m) for m in magic):
                raise EvidenceRefused(
                    f"{shown}：文件内容不是扩展名所说的 {ext.lstrip('.')} 文件；请上传原文件", "evidence.content"
                )
            if ext == ".xlsx":
                _check_workbook(tmp, shown)
            sha = digest.hexdigest()
            final = self.path(sha)
            final.parent.mkdir(exist_ok=True)
            os.chmod(tmp, 0o640)
            os.replace(tmp, final)  # the same content twice is one file
            sync_folder(final.parent)
            return Stored(sha, size, content_type, shown)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def _check_workbook(path: Path, shown: str) -> None:
    from engine.documents.xlsx_guard import check_xlsx
    from engine.errors import InputError

    try:
        check_xlsx(path, as_input=False)
    except InputError as exc:
        first = exc.problems[0]
        raise EvidenceRefused(f"{shown}：{first.message}", "evidence.xlsx") from None
