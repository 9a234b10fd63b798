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
import os
import re
import secrets
import stat
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
SUMMARY_XLSX = "汇总.xlsx"
DOWNLOAD = "评分结果.zip"  # every 评分表 and the 汇总, as the assessor downloads them
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
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO or device would block or never end
            raise ArchiveError(f"{path}：不是普通文件，不读取：请给出 assess serve --export 写出的 .zip 文件")
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise ArchiveError(f"{path}：文件不存在") from None
    except OSError as exc:
        raise ArchiveError(f"{path}：无法读取文件：{exc.strerror}") from None
    except zipfile.BadZipFile:
        raise ArchiveError(f"{path}：不是批次导出文件（zip）：请给出 assess serve --export 写出的文件") from None
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


def write_download(target: Path, results: Path, sheets: list[str], summary: str) -> None:
    """The zip a round's assessor downloads: the 汇总 first, then every 评分表 (members dated alike)."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in [summary, *sheets]:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, (results / name).read_bytes())


def _iso(when: dt.datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def _time(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


README = """考核批次导出（{name}，{year}年度，批次 {id}）

submissions/  已提交单位的申报数据（JSON 申报文件）
drafts/       其他单位保存的草稿（不评分）
review.yaml   考核组的复核决定（--overrides 的格式）
rules/        规则文件（及其继承的文件、分工表）
evidence/     佐证材料，文件名为其 SHA-256；round.json 列出单位、指标和原文件名
results/      定稿时的评分表、汇总.xlsx、汇总.json 和各单位的结果 JSON
manifest.json 以上每个文件的 SHA-256

离线复算（在解压后的文件夹中运行）：
  {command}
"""


def export_round(store, round_id: int, target: Path) -> Path:
    """Write the round's archive to `target` (atomically: a reader sees no half-written file)."""
    from sqlalchemy import select

    from engine import api
    from engine.files.atomic import atomic_path
    from engine.ruleset.responsibility import map_beside
    from server.db import EvidenceRow, ResultRow, ReviewRow, RoundRow, SubmissionRow, UnitRow, UserRow
    from server.scoring import score

    with store._tx() as s:
        rnd = s.get(RoundRow, round_id) if isinstance(round_id, int) else None
        if rnd is None:
            raise ArchiveError(f"没有考核批次 {round_id}")
        units = list(s.scalars(select(UnitRow).where(UnitRow.round_id == rnd.id).order_by(UnitRow.position)))
        ids = [u.id for u in units]
        names = {u.id: u.name for u in units}
        subs = {r.unit_id: r for r in s.scalars(select(SubmissionRow).where(SubmissionRow.unit_id.in_(ids)))}
        accounts = dict(s.execute(select(UserRow.unit_id, UserRow.name).where(UserRow.unit_id.in_(ids))).all())
        reviews = list(s.scalars(select(ReviewRow).where(ReviewRow.unit_id.in_(ids)).order_by(ReviewRow.id)))
        evidence = list(s.scalars(select(EvidenceRow).where(EvidenceRow.unit_id.in_(ids)).order_by(EvidenceRow.id)))
        results = {r.unit_id: r for r in s.scalars(select(ResultRow).where(ResultRow.unit_id.in_(ids)))}
        current_review = review_text(store._review_lines(s, rnd.id))
    final = store.rounds_dir / str(rnd.id) / "final" if rnd.finalized_at is not None else None
    review = (final / REVIEW).read_text(encoding="utf-8") if final and (final / REVIEW).is_file() else None
    if final is None:
        review = current_review
    ruleset = score(api.get_ruleset, rnd.rules)  # the engine's caches are the evaluating thread's
    rule_files = [Path(f) for f, _ in ruleset.sources] or [Path(rnd.rules)]
    beside = map_beside(ruleset.file)
    if beside.is_file():
        rule_files.append(beside)
    rules_arg = f"{RULES}/{Path(rnd.rules).name}"
    as_of = rnd.finalized_at.isoformat() if rnd.finalized_at else None
    command = command_line(rules_arg, as_of, review is not None)
    meta_units = []
    with atomic_path(target) as tmp:
        out = ArchiveWriter(tmp)
        try:
            for u in units:
                sub = subs[u.id]
                member = None
                if sub.version > 0:
                    scored = sub.status in ("已提交", "已定稿")
                    member = f"{SUBMISSIONS if scored else DRAFTS}/{submission_name(u.position, u.name)}"
                    out.add(member, sub.data.encode("utf-8"))
                meta_units.append(
                    {
                        "position": u.position,
                        "name": u.name,
                        "unit_type": u.unit_type,
                        "account": accounts.get(u.id, ""),
                        "status": sub.status,
                        "version": sub.version,
                        "message": sub.message,
                        "updated_at": _iso(sub.updated_at),
                        "updated_by": sub.updated_by,
                        "submitted_at": _iso(sub.submitted_at),
                        "file": member,
                        "result": (
                            {"sheet": results[u.id].sheet, "total": results[u.id].total, "grade": results[u.id].grade}
                            if u.id in results
                            else None
                        ),
                    }
                )
            if review is not None:
                out.add(REVIEW, review.encode("utf-8"))
            for path in dict.fromkeys(rule_files):
                out.add_file(f"{RULES}/{path.name}", path)
            for sha in dict.fromkeys(e.sha256 for e in evidence):
                out.add_file(f"{EVIDENCE}/{sha}", store.files.path(sha))
            if final is not None:
                for path in sorted((final / RESULTS).rglob("*")):
                    if path.is_file():
                        out.add_file(f"{RESULTS}/{path.relative_to(final / RESULTS).as_posix()}", path)
            meta = {
                "编号": rnd.ruleset_id,
                "名称": rnd.ruleset_name,
                "规则文件": rules_arg,
                "考核年度": rnd.year,
                "opens": _iso(rnd.opens),
                "closes": _iso(rnd.closes),
                "created_by": rnd.created_by,
                "created_at": _iso(rnd.created_at),
                "finalized_at": _iso(rnd.finalized_at),
                "command": command,
                "units": meta_units,
                "reviews": [
                    {
                        "unit": names[r.unit_id],
                        "item": r.item,
                        "kind": r.kind,
                        "amount": r.amount,
                        "reason": r.reason,
                        "reviewer": r.reviewer,
                        "at": _iso(r.created_at),
                    }
                    for r in reviews
                ],
                "evidence": [
                    {
                        "unit": names[e.unit_id],
                        "indicator": e.indicator,
                        "name": e.name,
                        "sha256": e.sha256,
                        "size": e.size,
                        "content_type": e.content_type,
                        "uploaded_by": e.uploaded_by,
                        "uploaded_at": _iso(e.uploaded_at),
                    }
                    for e in evidence
                ],
            }
            out.add(ROUND, (json.dumps(meta, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
            out.add(
                "README.txt", README.format(name=rnd.ruleset_name, year=rnd.year, id=rnd.id, command=command).encode()
            )
        finally:
            out.close()
    return target


def import_round(store, path: Path, accounts_out: list | None = None) -> int:
    """Restore an archive as a new round: its id; (unit id, account, password) appended to `accounts_out`.

    ArchiveError when the archive is damaged or not an export."""
    import os
    import shutil
    import tempfile

    from engine.errors import InputError
    from engine.ruleset.names import resolve_rules
    from server.accounts import UNIT
    from server.db import EvidenceRow, ResultRow, ReviewRow, RoundRow, SubmissionRow, UnitRow

    zf, hashes = open_archive(path)
    with zf:
        try:
            meta = json.loads(zf.read(ROUND))
        except (KeyError, ValueError):
            raise ArchiveError(f"{path}!{ROUND}：缺少或不是有效的 JSON") from None
        rules_member = meta["规则文件"]
        if rules_member not in hashes:
            raise ArchiveError(f"{path}：缺少规则文件 {rules_member}")
        rules = None
        try:  # the same ruleset installed here: use it where it is
            installed = resolve_rules(meta["编号"])
            if installed.is_file() and sha256_of(installed.read_bytes()) == hashes[rules_member]:
                rules = str(installed)
        except InputError:
            pass
        if rules is None:  # else its files from the archive, kept under the data folder
            folder = store.data_dir / "rules" / hashes[rules_member][:16]
            folder.mkdir(parents=True, exist_ok=True)
            for name in hashes:
                if name.startswith(f"{RULES}/"):
                    (folder / PurePosixPath(name).name).write_bytes(zf.read(name))
            rules = str(folder / PurePosixPath(rules_member).name)
        stored = {}
        for item in meta["evidence"]:
            if item["sha256"] not in stored:
                with zf.open(f"{EVIDENCE}/{item['sha256']}") as fh:
                    stored[item["sha256"]] = store.files.put(fh, item["name"])
        finalized = _time(meta["finalized_at"])
        work = Path(tempfile.mkdtemp(prefix=".import-", dir=store.rounds_dir))
        try:
            if finalized is not None:
                for name in hashes:
                    if name.startswith((f"{RESULTS}/", f"{SUBMISSIONS}/")) or name == REVIEW:
                        target = work.joinpath(*PurePosixPath(name).parts)
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(zf.read(name))
                sheets = [u["result"]["sheet"] for u in meta["units"] if u["result"]]
                write_download(work / DOWNLOAD, work / RESULTS, sheets, SUMMARY_XLSX)
            with store._tx() as s:
                rnd = RoundRow(
                    rules=rules,
                    ruleset_id=meta["编号"],
                    ruleset_name=meta["名称"],
                    year=meta["考核年度"],
                    opens=_time(meta["opens"]),
                    closes=_time(meta["closes"]),
                    created_by=meta["created_by"],
                    created_at=_time(meta["created_at"]),
                    finalized_at=finalized,
                    summary_json=zf.read(f"{RESULTS}/汇总.json").decode("utf-8") if finalized else None,
                )
                s.add(rnd)
                s.flush()
                by_name = {}
                for u in meta["units"]:
                    unit = UnitRow(round_id=rnd.id, position=u["position"], name=u["name"], unit_type=u["unit_type"])
                    s.add(unit)
                    s.flush()
                    by_name[u["name"]] = unit
                    data = zf.read(u["file"]).decode("utf-8") if u["file"] else "{}\n"
                    s.add(
                        SubmissionRow(
                            unit_id=unit.id,
                            data=data,
                            version=u["version"],
                            status=u["status"],
                            message=u["message"],
                            updated_at=_time(u["updated_at"]),
                            updated_by=u["updated_by"],
                            submitted_at=_time(u["submitted_at"]),
                            total=None,
                            grade=None,
                        )
                    )
                    account = f"R{rnd.id}-{u['position']:03d}"
                    _, password = store._add_user(s, account, UNIT, None, unit.id)
                    if accounts_out is not None:
                        accounts_out.append((unit.id, account, password))
                    if u["result"]:
                        result_json = zf.read(f"{RESULTS}/json/{PurePosixPath(u['file']).name}").decode("utf-8")
                        s.add(ResultRow(unit_id=unit.id, result_json=result_json, **u["result"]))
                for r in meta["reviews"]:
                    s.add(
                        ReviewRow(
                            unit_id=by_name[r["unit"]].id,
                            item=r["item"],
                            kind=r["kind"],
                            amount=r["amount"],
                            reason=r["reason"],
                            reviewer=r["reviewer"],
                            created_at=_time(r["at"]),
                        )
                    )
                for e in meta["evidence"]:
                    s.add(
                        EvidenceRow(
                            unit_id=by_name[e["unit"]].id,
                            indicator=e["indicator"],
                            name=stored[e["sha256"]].name,
                            sha256=e["sha256"],
                            size=e["size"],
                            content_type=e["content_type"],
                            uploaded_by=e["uploaded_by"],
                            uploaded_at=_time(e["uploaded_at"]),
                        )
                    )
                s.flush()
                if finalized is not None:
                    final = store.rounds_dir / str(rnd.id) / "final"
                    final.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(work, final)
                made = rnd.id
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return made
