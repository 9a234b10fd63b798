"""Rulesets by name: the shipped folder, a 编号 wherever a rules file is taken, the list of a folder's
rulesets, and a new ruleset started from an old one for a new year."""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from engine.errors import InputError, Location, OutputError, Problem, RulesError
from engine.ruleset.folders import candidates, read_header

SHIPPED = Path(__file__).resolve().parents[1] / "shipped"  # a regular install: engine/shipped/{rules,examples}
REPOSITORY = Path(__file__).resolve().parents[2]  # a checkout (editable install): rules/ and examples/


def shipped_rules_dir() -> Path:
    """The rules folder installed with the package (the repository's rules/ in a checkout)."""
    installed = SHIPPED / "rules"
    return installed if installed.is_dir() else REPOSITORY / "rules"


def shipped_examples_dir() -> Path:
    """The example submissions installed with the package (the repository's examples/ in a checkout)."""
    installed = SHIPPED / "examples"
    return installed if installed.is_dir() else REPOSITORY / "examples"


def native(path: Path | str) -> Path:
    """A path as typed on Windows (rules\\x.yaml) also works here, when the backslash form does not exist."""
    path = Path(path)
    if "\\" in str(path) and os.sep != "\\" and not path.exists():
        other = Path(str(path).replace("\\", "/"))
        if other.exists():
            return other
    return path


def shipped_ids() -> dict[str, Path]:
    """编号 → file of every shipped ruleset."""
    return {c.id: c.path for c in candidates(shipped_rules_dir())}


def resolve_rules(value: Path | str | None, error: type[InputError] = RulesError) -> Path:
    """The rules file or folder `value` names: a path, or the 编号 of a shipped ruleset; None is the shipped folder."""
    if value is None:
        return shipped_rules_dir()
    path = native(value)
    if path.exists():
        return path
    text = str(value)
    looks_like_a_path = any(sep in text for sep in "/\\") or path.suffix.lower() in (".yaml", ".yml", ".json")
    if looks_like_a_path:
        return path  # reported as 文件不存在 by whoever reads it, with its name
    ids = shipped_ids()
    if text in ids:
        return ids[text]
    close = difflib.get_close_matches(text, list(ids), n=1, cutoff=0.6)
    hint = f"（是否应为 {close[0]}？）" if close else ""
    raise error(
        Problem(
            Location(text),
            f"既不是文件，也不是文件夹或内置规则集的编号{hint}；内置规则集见 assess rules list",
        )
    )


@dataclass(frozen=True)
class Entry:
    """One ruleset as `rules list` shows it."""

    id: str
    name: str
    period: str
    unit_types: tuple[str, ...]
    extends: str | None
    path: Path
    shipped: bool

    def line(self) -> str:
        parts = [self.id, self.name, self.period, "、".join(self.unit_types) or "无单位类型"]
        if self.extends:
            parts.append(f"继承 {self.extends}")
        parts.append(str(self.path))
        if self.shipped:
            parts.append("［内置］")
        return "  ".join(parts)


def list_rulesets(folder: Path | None = None) -> list[Entry]:
    """The rulesets of a folder (the shipped one by default), ordered by 编号."""
    folder = folder or shipped_rules_dir()
    shipped = folder.resolve() == shipped_rules_dir().resolve()
    out = []
    for c in candidates(folder):
        header = read_header(c.path)
        out.append(
            Entry(
                id=c.id,
                name=str(header.get("名称", "")),
                period=str(c.period) if c.period else "未声明适用期间",
                unit_types=c.unit_types,
                extends=c.ancestors[0] if c.ancestors else (str(header["继承"]) if header.get("继承") else None),
                path=c.path,
                shipped=shipped,
            )
        )
    return sorted(out, key=lambda e: e.id)


# -- a new ruleset for a new year -------------------------------------------------------------

_DATE = re.compile(r"(?<![\d-])(\d{4}-\d{2}-\d{2})(?![\d-])|(?<!\d)((?:19|20)\d{2}年(?:\d{1,2}月(?:\d{1,2}日)?|度)?)")
_THRESHOLD = re.compile(
    r"^\s*(?:- +)?(?:\{\s*)?(目标|满分值|零分值|比率容差|小样本|加分上限|扣分上限|上限|优秀|良好|合格)\s*:\s*([^,#}\s]+)"
)
_HEADER_KEY = re.compile(r"^  (编号|名称|考核年度|适用期间|继承)\s*:(.*)$")


@dataclass(frozen=True)
class Review:
    """A place in the new ruleset to look at before it is used."""

    location: Location
    what: str

    def __str__(self) -> str:
        return f"{self.location}: {self.what}"


def new_ruleset(new_id: str, source: Path, year: int, folder: Path) -> tuple[list[Path], list[Review]]:
    """Write `folder/new_id.yaml` (and its case file) from `source` for submissions of `year` on.

    Only the header changes (编号, 名称's year, 考核年度, 适用期间 from `year` with no end, 继承 kept
    pointing at the same parent); every date and threshold is listed for review, not shifted.
    """
    header = read_header(source)
    old_year = int(header.get("考核年度", year))
    period = header.get("适用期间") if isinstance(header.get("适用期间"), dict) else {}
    offset = old_year - int(period.get("起", old_year - 1))
    new_year = year + offset
    target = folder / f"{new_id}.yaml"
    cases_source = source.with_name(source.name.rsplit(".", 1)[0] + ".cases.yaml")
    cases_target = folder / f"{new_id}.cases.yaml"
    for path in (target, cases_target):
        if path.exists():
            raise OutputError(Problem(Location(str(path)), "已存在；新规则集不会覆盖已有文件，请换一个编号或文件夹"))
    lines = source.read_text(encoding="utf-8-sig").split("\n")
    start = lines.index("规则集:") if "规则集:" in lines else 0
    end = next((n for n in range(start + 1, len(lines)) if lines[n][:1] not in ("", " ", "#")), len(lines))
    seen = set()
    for n in range(start + 1, end):
        m = _HEADER_KEY.match(lines[n])
        if not m:
            continue
        key, comment = m.group(1), _comment(m.group(2))
        seen.add(key)
        if key == "编号":
            lines[n] = f"  编号: {new_id}{comment}"
        elif key == "名称":
            lines[n] = "  名称:" + m.group(2).replace(str(old_year), str(new_year))
        elif key == "考核年度":
            lines[n] = f"  考核年度: {new_year}{comment}"
        elif key == "适用期间":
            lines[n] = f"  适用期间: {{起: {year}}}{comment}"
        elif key == "继承":
            lines[n] = f"  继承: {_parent_from(source, str(header['继承']), folder)}{comment}"
    if "适用期间" not in seen:
        lines.insert(start + 2, f"  适用期间: {{起: {year}}}")
    text = "\n".join(lines)
    folder.mkdir(parents=True, exist_ok=True)
    written = [target]
    reviews = _reviews(target, text)
    old = next((c for c in candidates(source.parent) if c.path == source), None)
    if old is not None and old.period is not None and old.period.covers(year):
        reviews.insert(
            0,
            Review(
                Location(str(source)),
                f"原规则集 {old.id} 适用{old.period}，与新规则集（{year}年度起）重叠："
                f"请把它的“适用期间”改为止于 {year - 1}，否则同一年度有两个规则集适用",
            ),
        )
    from engine.files.atomic import write_text_atomic

    write_text_atomic(target, text)
    if cases_source.is_file():
        cases = cases_source.read_text(encoding="utf-8-sig")
        cases = re.sub(r"(?m)^规则集:\s*\S+", f"规则集: {new_id}", cases, count=1)
        cases = re.sub(
            r"(?m)^(\s*(?:- +)?申报:\s*)(\S+\.(?:json|ya?ml|xlsx))\s*$",
            lambda m: m.group(1) + _relative(cases_source.parent / m.group(2), folder),
            cases,
        )
        write_text_atomic(cases_target, cases)
        written.append(cases_target)
        whole = len(re.findall(r"(?m)^\s*(?:- +)?申报:", cases))
        if whole:
            reviews.append(
                Review(
                    Location(str(cases_target)),
                    f"{whole} 个整体用例的预期总分按原规则集计算：修改评分项后请重算",
                )
            )
    return written, reviews


def _comment(rest: str) -> str:
    at = rest.find(" #")
    return rest[at:] if at >= 0 else ""


def _relative(path: Path, folder: Path) -> str:
    try:
        return Path(os.path.relpath(path.resolve(), folder.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return path.resolve().as_posix()


def _parent_from(source: Path, value: str, folder: Path) -> str:
    """继承 as it must be written in `folder`: a 编号 stays (found beside it or among the shipped), a file is re-pointed."""
    if value.endswith((".yaml", ".yml")):
        return _relative(source.parent / native(value), folder)
    return value


def _reviews(path: Path, text: str) -> list[Review]:
    out = []
    for n, line in enumerate(text.split("\n"), 1):
        body = line.split(" #")[0]
        if body.lstrip().startswith("#"):
            continue
        for m in _DATE.finditer(body):
            out.append(Review(Location(str(path), n, m.start() + 1), f"日期 {m.group(0)}：{_short(body.strip())}"))
        t = _THRESHOLD.match(body)
        if t:
            out.append(
                Review(Location(str(path), n, t.start(1) + 1), f"阈值 {t.group(1)} {t.group(2)}：{body.strip()}")
            )
    return out


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:60] + "…"
