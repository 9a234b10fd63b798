"""Which ruleset a report is read with, and the year, unit and unit type read from the report.

`assess extract` chooses the ruleset exactly as `assess` does for a submission (the one in force
for the 考核年度 and 单位类型 in a rules folder, the shipped one by default), with the year and unit
type taken from the options or, failing those, guessed from the report — each guess with the line
it came from, so the user sees what was guessed and where:

- 考核年度: the title line (…2022年度法治政府建设情况报告), else the sentence “现将…2022年…报告如下”,
  else a first sentence that opens with the year (2022年，…), else the year the report names most
  often — never a year inside a period (2015-2020年), a title in 《》, or the web page around it;
- 单位类型: the organ in the title or the report's own words (我局、我镇、街道、区政府…): a town,
  township or street is 镇街, a bureau with enforcement powers (卫生健康局、市场监督管理局…) is
  行政执法部门, another bureau 区直部门, a city, district or county government 区县政府;
- 单位名称: the organ named in the title line.

When the guessed unit type is not one the ruleset in force for the year assesses (a district
government's 2022 report: the 2021 national model assesses departments and towns), the ruleset in
force for the year is used and 单位类型 is left 待填 — said on the terminal and in the draft. A unit
type given with --unit-type is used as `assess` uses it: no ruleset in force is an error.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from engine.errors import Location, Problem, RulesetChoiceError
from engine.extract.report import Report, Sentence, to_simplified
from engine.ruleset.folders import candidates, choose

_TITLE_YEAR = re.compile(r"((?:19|20)\d{2})\s*年度?.{0,30}(?:报告|汇报|总结)")
_REPORTING = re.compile(r"现将.{0,20}?((?:19|20)\d{2})\s*年.{0,30}?(?:报告|汇报|总结)如下")
_OPENING_YEAR = re.compile(r"^\s*((?:19|20)\d{2})\s*年(?:度)?[,，以来]")
_YEAR = re.compile(r"(?<![\d\-—–~至])((?:19|20)\d{2})\s*年(?![\d\-—–~至]|度?[\-—–~至])")
_AFTER_YEAR = re.compile(
    r"年度?([\u4e00-\u9fff]{2,12}?(?:人民政府|政府|街道办事处|街道|镇|乡|区|县|市|旗|局))(?=法治|依法|关于)"
)
_BUREAU = re.compile(r"[\u4e00-\u9fff]{2,14}局")
_TITLE_QUOTE = re.compile(r"《[^》]*》")
_ORGAN = re.compile(r"^(.{2,30}?(?:人民政府|管理委员会|管委会|政府|委员会|办公室|局|街道办事处|街道|镇|乡))")
_REGION = re.compile(r"^(.{1,30}[区县市旗])")
_LONGER = ("人民政府", "政府", "办事处", "党委", "党工委")
ENFORCEMENT = (
    "执法", "市场监督", "市场监管", "生态环境", "交通运输", "卫生健康", "卫健", "应急管理", "自然资源", "城市管理",
    "城管", "农业农村", "文化和旅游", "文化广电", "文旅", "住房和城乡建设", "住建", "水利", "水务", "林业", "公安",
    "税务", "人力资源和社会保障", "人社", "商务", "教育", "民政", "医疗保障", "医保", "规划",
)  # fmt: skip
# the unit's own words for itself, strongest first
_SELF = [
    (re.compile(r"我局|本局|[\u4e00-\u9fff]{2,12}局(?=[,，在坚持始终紧紧认真深入全面以])"), "部门"),
    (re.compile(r"我委|本委"), "部门"),
    (re.compile(r"(?<=[,，])街道(?=按照|坚持|在|始终|认真|深入|全面|以)|我街道|本街道|[\u4e00-\u9fff]{2,6}街道(?:办事处|党工委)?(?=[,，在坚持始终紧紧认真深入全面以])"), "镇街"),
    (re.compile(r"我镇|我乡|本镇|本乡|全镇|全乡|(?<![城各])[\u4e00-\u9fff]{2,4}[镇乡](?:人民政府|党委)?(?=[,，在坚持始终紧紧认真深入全面以])"), "镇街"),
    (re.compile(r"我区|我县|我市|我旗|(?<=[,，年])[区县市旗](?:人民)?政府(?=[,，在坚持始终紧紧认真深入全面以])"), "政府"),
]  # fmt: skip


@dataclass(frozen=True)
class Guess:
    """A header value and where it came from: the option, or a line of the report."""

    value: object
    how: str  # 选项 | 标题 | 正文 …
    line: int | None = None
    phrase: str = ""
    sentence: str = ""

    def describe(self) -> str:
        if self.line is None:
            return self.how
        return f"{self.how}，第{self.line}行“{self.phrase}”"


@dataclass(frozen=True)
class Choice:
    path: Path
    how: str  # how the ruleset was chosen, in a sentence
    year: Guess | None
    unit_type: Guess | None  # None: 待填
    unit: Guess | None
    unit_type_note: str = ""  # why a guessed unit type was not used


def _body(report: Report) -> list[Sentence]:
    return [s for s in report.sentences if not s.furniture]


def _title_lines(report: Report) -> list[tuple[int, str]]:
    seen = {s.line for s in _body(report)}
    return [(n, report.lines[n - 1]) for n in sorted(seen)[:12] if len(report.lines[n - 1].strip()) <= 80]


def guess_year(report: Report) -> Guess | None:
    for number, line in _title_lines(report):
        folded = _TITLE_QUOTE.sub("", _folded_line(report, number))
        match = _TITLE_YEAR.search(folded)
        if match and not _REPORTING.search(folded):
            return Guess(int(match.group(1)), "标题", number, match.group(0), line.strip())
    body = _body(report)
    for s in body:
        match = _REPORTING.search(s.folded)
        if match:
            return Guess(int(match.group(1)), "正文“现将…报告如下”", s.line, match.group(0), s.text.strip())
    for s in body[:5]:
        match = _OPENING_YEAR.search(s.folded)
        if match:
            return Guess(int(match.group(1)), "首句", s.line, match.group(0).strip(), s.text.strip())
    years: Counter[int] = Counter()
    first: dict[int, Sentence] = {}
    for s in body:
        for match in _YEAR.finditer(_TITLE_QUOTE.sub("", s.folded)):
            year = int(match.group(1))
            years[year] += 1
            first.setdefault(year, s)
    if not years:
        return None
    year, count = years.most_common(1)[0]
    s = first[year]
    return Guess(year, f"正文中最常出现的年份（{count}次），请核对", s.line, f"{year}年", s.text.strip())


def guess_unit(report: Report) -> Guess | None:
    for number, line in _title_lines(report):
        folded = _folded_line(report, number)
        match = _TITLE_YEAR.search(folded)
        if not match:
            continue
        before = folded[: match.start()].split(":")[-1].split("：")[-1].strip()
        organ = _ORGAN.match(before) or _REGION.match(before)
        if organ and not re.search(r"[\d,，。、;；]", organ.group(1)):
            name = organ.group(1)
            rest = before[len(name) :]
            name += next((w for w in _LONGER if rest.startswith(w)), "")  # 贤庠镇 → 贤庠镇人民政府
            original = line.lstrip()[: len(name)] if report.traditional else name
            return Guess(original, "标题", number, original, line.strip())
        after = _AFTER_YEAR.match(folded[match.end(1) :])  # 2020年静海区法治政府建设情况报告
        if after:
            return Guess(after.group(1), "标题", number, after.group(1), line.strip())
        return None
    return None


def guess_unit_type(report: Report, unit: Guess | None) -> Guess | None:
    """镇街 / 行政执法部门 / 区直部门 / 区县政府 from the title's organ or the report's own words."""
    if unit is not None:
        kind = _kind(to_simplified(str(unit.value)))
        if kind:
            return Guess(kind, f"据单位名称（{unit.how}）", unit.line, str(unit.value), unit.sentence)
    body = _body(report)
    for s in body[:8]:
        for regex, kind in _SELF:
            match = regex.search(s.folded)
            if match:
                word = match.group(0)
                value = _kind(word) or {"部门": "区直部门", "镇街": "镇街", "政府": "区县政府"}[kind]
                if value == "区直部门":  # 我局: the bureau's full name, where the report gives it, says more
                    names = [m.group(0) for t in body for m in _BUREAU.finditer(t.folded)]
                    if any(_kind(n) == "行政执法部门" for n in names):
                        value, word = "行政执法部门", next(n for n in names if _kind(n) == "行政执法部门")
                first, last = s.span(*match.span())
                return Guess(value, "正文中单位的自称", s.line, s.text[first:last], s.text.strip())
    return None


def guess_unit_from_body(report: Report) -> Guess | None:
    """The unit's name where the first sentences call it by name (2022年，元谋县卫生健康局在…)."""
    for s in _body(report)[:3]:
        for regex, _ in _SELF:
            match = regex.search(s.folded)
            if match and len(match.group(0)) >= 4 and match.group(0)[0] not in "我本全":
                first, last = s.span(*match.span())
                name = s.text[first:last]  # the original characters (a traditional report keeps them)
                return Guess(name, "正文中单位的自称", s.line, name, s.text.strip())
    return None


def _kind(organ: str) -> str | None:
    if re.search(r"街道|[镇乡](?:人民政府|党委)?$", organ):
        return "镇街"
    if re.search(r"(?:局|委员会|委|办公室|中心)$", organ) and not organ.endswith("管理委员会"):
        return "行政执法部门" if any(w in organ for w in ENFORCEMENT) else "区直部门"
    if re.search(r"[区县市旗州](?:人民)?政府$|管理委员会$|管委会$|[区县市旗]$", organ):
        return "区县政府"
    return None


def _folded_line(report: Report, number: int) -> str:
    pieces = [s.folded for s in report.sentences if s.line == number]
    return "".join(pieces)


def choose_ruleset(
    report: Report,
    rules: Path,
    *,
    year: int | None,
    unit_type: str | None,
    unit: str | None,
    file_unit_types=None,
) -> Choice:
    """The ruleset to read `report` with (`rules` a file or a folder), and the header values it was chosen by."""
    unit_guess = Guess(unit, "选项") if unit else guess_unit(report) or guess_unit_from_body(report)
    year_guess = Guess(year, "选项") if year is not None else guess_year(report)
    type_guess = Guess(unit_type, "选项") if unit_type else guess_unit_type(report, unit_guess)
    if not rules.is_dir():
        note = ""
        if type_guess is not None and file_unit_types is not None and type_guess.value not in file_unit_types:
            note = _not_assessed(type_guess, rules.name, file_unit_types)
            type_guess = None
        return Choice(rules, f"按 --rules 指定：{rules}", year_guess, type_guess, unit_guess, note)
    if year_guess is None:
        raise RulesetChoiceError(
            Problem(
                Location(report.file),
                "无法从报告判断考核年度（标题和正文都没有写明是哪一年的报告），据此才能选用规则集；请用 --year 给出",
                "choice.year",
            )
        )
    where = Location(report.file, year_guess.line)
    year_value = int(year_guess.value)
    wanted = str(type_guess.value) if type_guess is not None else None
    try:
        path = choose(rules, year_value, wanted, where)
    except RulesetChoiceError:
        if type_guess is None or type_guess.how == "选项":
            raise
        path = choose(rules, year_value, None, where)  # the guessed type is not assessed: choose by year
        types = next(c.unit_types for c in candidates(rules) if c.path == path)
        note = _not_assessed(type_guess, path.name, types)
        how = f"{rules.name}/ 中适用于{year_value}年度的规则集"
        return Choice(path, how, year_guess, None, unit_guess, note)
    how = f"{rules.name}/ 中适用于{year_value}年度" + (f"、单位类型“{wanted}”" if wanted else "") + "的规则集"
    return Choice(path, how, year_guess, type_guess, unit_guess)


def _not_assessed(guess: Guess, file: str, types) -> str:
    return (
        f"报告单位看来是“{guess.value}”（{guess.describe()}），{file} 不考核此类单位"
        f"（考核：{'、'.join(types)}），单位类型待填；可用 --unit-type 指定"
    )
