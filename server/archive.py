"""The files a round is scored from, and its self-contained archive (export and import).

The server scores a finalized round from the very files `assess batch` reads: each unit's data
as a JSON submission file (`submissions/NNN-单位.json`) and the review log as a review file in the
`--overrides` format (`review.yaml`: the latest entry per unit and item). An export is a zip of:

    README.txt          what it is, and the command that re-scores it offline
    round.json          the round: ruleset, year, window, units, statuses, the whole review log, evidence list
    submissions/        the submitted units' data (JSON submission files)
    drafts/             the other units' saved data (not scored)
    review.yaml         the review log as `--overrides` takes it (absent when there is none)
    rules/              the rules file and every file it extends (and its 分工表)
    evidence/<sha256>   the 佐证材料 files
    results/            when finalized: every 评分表, 汇总.xlsx, 汇总.json and each unit's result JSON
    manifest.json       the sha256 of every other member

An import checks every member against the manifest before anything is restored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

from engine.files.naming import safe_stem

FORMAT = "fazhi-assess round"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ROUND = "round.json"
REVIEW = "review.yaml"
SUBMISSIONS = "submissions"
DRAFTS = "drafts"
RESULTS = "results"
EVIDENCE = "evidence"
RULES = "rules"
MAX_MEMBERS = 100_000
ZIP_TIME = (2000, 1, 1, 0, 0, 0)  # members dated alike: the same round gives the same archive
CHINA = dt.timezone(dt.timedelta(hours=8))


# -- a unit's data as a submission file -------------------------------------------------------


def data_text(data: dict[str, Any]) -> str:
    """The JSON text of a submission file: numbers exactly as the Decimals hold them, dates as ISO text."""

    mark = secrets.token_hex(8)  # no text a user typed can hold it

    def default(value: Any) -> Any:
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise ValueError(f"不是有限的数：{value}")
            return f"{mark}{value}{mark}"  # replaced by the bare number below
        if isinstance(value, dt.datetime | dt.date):
            return value.isoformat()
        raise TypeError(f"不能写入申报数据的值：{type(value).__name__}")

    text = json.dumps(data, ensure_ascii=False, indent=2, default=default)
    return re.sub(f'"{mark}([^"]*){mark}"', lambda m: m.group(1), text) + "\n"


def load_data(text: str) -> dict[str, Any]:
    """A submission file's data with its numbers as Decimals (never floats)."""
    return json.loads(text, parse_float=Decimal)


def submission_name(position: int, unit: str) -> str:
    """The unit's submission file: its place in the round and its name (`003-区司法局.json`)."""
    return f"{position:03d}-{safe_stem(unit, 80, 200)}.json"


# -- the review log as an `--overrides` file ------------------------------------------------------


@dataclass(frozen=True)
class ReviewLine:
    unit: str
    year: int
    item: str
    kind: str  # 得分 | 扣分
    amount: Decimal
    reason: str
    reviewer: str
    at: dt.datetime


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def review_text(lines: list[ReviewLine]) -> str | None:
    """The review file for the log: per unit and item the latest entry, in the order first decided; None when empty."""
    latest: dict[tuple[str, str], ReviewLine] = {}
    for line in lines:
        latest[(line.unit, line.item)] = line  # a later entry supersedes; the key keeps its first place
    if not latest:
        return None
    out = ["# 考核组的复核决定（由复核记录生成；每个单位每个评分项取最后一条）", "复核:"]
    for line in latest.values():
        out += [
            f"  - 单位名称: {_quoted(line.unit)}",
            f"    考核年度: {line.year}",
            f"    评分项: {_quoted(line.item)}",
            f"    {line.kind}: {line.amount}",
            f"    理由: {_quoted(line.reason)}",
            f"    复核人: {_quoted(line.reviewer)}",
            f"    复核日期: {line.at.astimezone(CHINA).date().isoformat()}",
        ]
    return "\n".join(out) + "\n"


# -- the archive ------------------------------------------------------------------------------


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def command_line(rules: str, as_of: str | None, has_review: bool) -> str:
    """The command that re-scores the archive's submissions offline (run in the unpacked folder)."""
    parts = ["assess batch", f"{SUBMISSIONS}/", "-r", rules, "-o", "评分结果"]
    if has_review:
        parts += ["--overrides", REVIEW]
    if as_of:
        parts += ["--as-of", as_of]
    return " ".join(parts)


class ArchiveWriter:
    """A zip written member by member, recording each member's sha256 for the manifest."""

    def __init__(self, target: Path):
        self.zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED)
        self.hashes: dict[str, str] = {}

    def add(self, name: str, data: bytes) -> None:
        info = zipfile.ZipInfo(name, ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        self.zip.writestr(info, data)
        self.hashes[name] = sha256_of(data)

    def add_file(self, name: str, path: Path) -> None:
        digest = hashlib.sha256()
        info = zipfile.ZipInfo(name, ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with open(path, "rb") as src, self.zip.open(info, "w") as out:
            while chunk := src.read(1024 * 1024):
                digest.update(chunk)
                out.write(chunk)
        self.hashes[name] = digest.hexdigest()

    def close(self) -> None:
        manifest = {"format": FORMAT, "version": FORMAT_VERSION, "sha256": dict(sorted(self.hashes.items()))}
        self.add(MANIFEST, (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode())
        self.zip.close()


class ArchiveError(Exception):
    """An archive that cannot be imported: the message says which member and why."""


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name and ":" not in name


def open_archive(path: Path) -> tuple[zipfile.ZipFile, dict[str, str]]:
    """The zip and its manifest, every member checked against its sha256 (ArchiveError otherwise)."""
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ArchiveError(f"{path}：不是批次导出文件（zip）：{exc}") from None
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ArchiveError(f"{path}：成员过多（{len(infos)}，上限 {MAX_MEMBERS}）")
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise ArchiveError(f"{path}：有重名的成员")
    if MANIFEST not in names:
        raise ArchiveError(f"{path}：缺少 {MANIFEST}，不是本系统导出的批次")
    try:
        manifest = json.loads(zf.read(MANIFEST))
    except ValueError:
        raise ArchiveError(f"{path}!{MANIFEST}：不是有效的 JSON") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise ArchiveError(f"{path}!{MANIFEST}：格式或版本不符（应为 {FORMAT} {FORMAT_VERSION}）")
    hashes: dict[str, str] = manifest.get("sha256") or {}
    listed = set(hashes)
    present = set(names) - {MANIFEST}
    if listed != present:
        extra = sorted(present - listed) or sorted(listed - present)
        raise ArchiveError(f"{path}：成员与 {MANIFEST} 的清单不一致（{'、'.join(extra[:5])}）")
    for info in infos:
        if not _safe_member(info.filename):
            raise ArchiveError(f"{path}：成员名不安全：{info.filename}")
        if info.filename == MANIFEST or info.is_dir():
            continue
        digest = hashlib.sha256()
        with zf.open(info) as fh:
            while chunk := fh.read(1024 * 1024):
                digest.update(chunk)
        if digest.hexdigest() != hashes[info.filename]:
            raise ArchiveError(f"{path}!{info.filename}：SHA-256 与清单不符（文件已损坏或被改动）")
    return zf, hashes
