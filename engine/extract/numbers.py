"""How figures are written in Chinese reports, and their values: the one place that knows.

Arabic and full-width digits (full-width is folded by NFKC before matching), Chinese numerals
(一千二百二十二, 十二, 两, 二○一六 read digit by digit), 万/千/亿 multipliers (1.2万件, 4000余条),
approximate markers (近/约/逾/超过/不足 before, 余/多 after the digits, 左右 after the unit),
a figure right after 不少于/不低于/不超过/不高于/至少/最多 is a requirement's bound and is not matched,
nor is an ordinal (第十二次, 第3季度); a range (3至5次, 40—50件, 90%—95%) is one match whose
value is the lower bound, marked as a range,
percentages (99.36%, 百分之百, 百分之九十五点五) and dates (2016年12月19日, 二○一六年十二月十九日,
2016-12-19). The regular-expression fragments below are what the pattern language's {数},
{率} and {日期} stand for; the parse functions turn a matched fragment into a value.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

CN_DIGITS = {
    "零": 0, "〇": 0, "○": 0,
    "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
    "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}  # fmt: skip
CN_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
CN_BIG_UNITS = {"万": 10**4, "亿": 10**8}

_D = "".join(CN_DIGITS)
_U = "".join(CN_SMALL_UNITS) + "".join(CN_BIG_UNITS)
APPROX_BEFORE = ("将近", "接近", "大约", "不足", "不到", "超过", "近", "约", "逾")
APPROX_AFTER = ("余", "多")
APPROX_SUFFIX = "左右"

_CN_NUMBER = rf"[{_D}{_U}]+(?:点[{_D}]+)?"
_AR_NUMBER = r"(?<![\d.])(?:\d{1,3}(?:,\d{3})+(?![\d,])|\d+)(?:\.\d+)?(?![\d.])"
_BEFORE = "|".join(APPROX_BEFORE)
# 不少于3次, 不低于95%, 至少一次: a requirement's bound, not a figure of the year
BOUND_WORDS = ("不少于", "不低于", "不超过", "不高于", "至少", "最少", "最多", "至多")
_NOT_BOUND = "".join(f"(?<!{w})" for w in BOUND_WORDS)
# 第十二次, 第3季度: an ordinal; nor may a figure start inside another (the 二 of 十二)
_NOT_ORDINAL = rf"(?<![第{_D}{_U}])"
RANGE_MARKS = "至到~～—–-"
_RANGE = rf"\s*[{RANGE_MARKS}]\s*"
_ONE = rf"(?:{_AR_NUMBER}[余多]?[万千亿]?[余多]?|{_NOT_ORDINAL}{_CN_NUMBER}[余多]?)"
NUMBER = rf"{_NOT_BOUND}(?<!第)(?:{_BEFORE})?{_ONE}(?:{_RANGE}{_ONE})?"
# 由75%提高到90%: the rate before the change is not read (a gap may step over it)
PERCENT = rf"{_NOT_BOUND}(?<![由从])(?:{_BEFORE})?(?:(?:{_AR_NUMBER}\s*%?{_RANGE})?{_AR_NUMBER}\s*%|百分之{_CN_NUMBER})"
_YEAR = rf"(?:\d{{4}}|[{_D}]{{4}})"
_MD = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
DATE = rf"(?:{_YEAR}\s*年\s*{_MD}\s*月\s*{_MD}\s*[日号]|\d{{4}}[-./]\d{{1,2}}[-./]\d{{1,2}}(?!\d))"


@dataclass(frozen=True)
class Quantity:
    """A figure as written: its value and whether the text says it is approximate."""

    value: Decimal
    approximate: bool = False
    upper: Decimal | None = None  # a range (3至5次): value is the lower bound, this the upper


_RANGE_SPLIT = re.compile(rf"(?<=[\d{_D}{_U}余多万千亿%])\s*[{RANGE_MARKS}]\s*(?=[\d{_D}{_U}])")


def _split_range(text: str) -> tuple[str, str | None]:
    parts = _RANGE_SPLIT.split(text.strip(), maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 else (parts[0], None)


def fold(char: str) -> str:
    """NFKC for one character: full-width digits, ％ and punctuation become ASCII."""
    return unicodedata.normalize("NFKC", char)


def chinese_integer(text: str) -> int:
    """一千二百二十二 → 1222, 十二 → 12, 两万 → 20000, 二○一六 → 2016 (digit by digit, 4+ digits or with ○).

    Raises ValueError for anything that is not a well-formed Chinese integer.
    """
    if not text or any(ch not in CN_DIGITS and ch not in CN_SMALL_UNITS and ch not in CN_BIG_UNITS for ch in text):
        raise ValueError(f"不是中文数字：{text!r}")
    if all(ch in CN_DIGITS for ch in text):
        # 二○一六 is read digit by digit; 三五 (“three or five”) and 两两 are not figures
        if len(text) > 1 and ("两" in text or (len(text) < 4 and not any(CN_DIGITS[ch] == 0 for ch in text))):
            raise ValueError(f"不是中文数字：{text!r}")
        return int("".join(str(CN_DIGITS[ch]) for ch in text))
    total = section = 0
    number: int | None = None
    last_unit = 10**13
    for ch in text:
        if ch in CN_DIGITS:
            if number is not None and number != 0 and CN_DIGITS[ch] != 0:
                raise ValueError(f"不是中文数字：{text!r}")
            number = CN_DIGITS[ch]
        elif ch in CN_SMALL_UNITS:
            unit = CN_SMALL_UNITS[ch]
            if unit >= last_unit:
                raise ValueError(f"不是中文数字：{text!r}")
            # 十二, 百分之百: a leading unit with no digit before it means one of it
            section += (1 if number is None or number == 0 and section == 0 else number) * unit
            last_unit, number = unit, None
        else:
            unit = CN_BIG_UNITS[ch]
            section += number or 0
            if unit == 10**8:
                total = (total + section) * unit
            else:
                if section == 0 and total == 0 and number is None:
                    section = 1
                total += section * unit
            section, number, last_unit = 0, None, 10**13
    return total + section + (number or 0)


def chinese_decimal(text: str) -> Decimal:
    """九十九点三六 → 99.36."""
    whole, _, frac = text.partition("点")
    value = Decimal(chinese_integer(whole)) if whole else Decimal(0)
    if frac:
        if any(ch not in CN_DIGITS for ch in frac):
            raise ValueError(f"不是中文数字：{text!r}")
        value += Decimal("0." + "".join(str(CN_DIGITS[ch]) for ch in frac))
    return value


def _strip_before(text: str) -> tuple[str, bool]:
    for word in APPROX_BEFORE:
        if text.startswith(word):
            return text[len(word) :], True
    return text, False


def parse_number(text: str) -> Quantity:
    """A {数} match (NFKC-folded): 4000余 → 4000 (approximate), 1.2万 → 12000, 一千二百二十二 → 1222,
    3至5 → 3 with upper 5."""
    low, high = _split_range(text)
    if high is not None:
        first, second = _one_number(low), _one_number(high)
        return Quantity(first.value, first.approximate or second.approximate, second.value)
    return _one_number(text)


def _one_number(text: str) -> Quantity:
    body, approx = _strip_before(text.strip())
    multiplier = 1
    cleaned = ""
    for ch in body:
        if ch in APPROX_AFTER:
            approx = True
        else:
            cleaned += ch
    if cleaned and cleaned[0].isdigit():
        if cleaned[-1] in "万千亿":
            multiplier = {"万": 10**4, "千": 1000, "亿": 10**8}[cleaned[-1]]
            cleaned = cleaned[:-1]
        try:
            value = Decimal(cleaned.replace(",", "")) * multiplier
        except InvalidOperation:
            raise ValueError(f"不是数字：{text!r}") from None
    else:
        value = chinese_decimal(cleaned)
    return Quantity(_plain(value), approx)


def parse_percent(text: str) -> Quantity:
    """A {率} match: 99.36% → 99.36, 百分之百 → 100, 约95% → 95 (approximate), 90%—95% → 90 with upper 95."""
    low, high = _split_range(text)
    if high is not None and not text.strip().startswith("百分之"):
        first, second = _one_percent(low.rstrip("%") + "%"), _one_percent(high)
        return Quantity(first.value, first.approximate or second.approximate, second.value)
    return _one_percent(text)


def _one_percent(text: str) -> Quantity:
    body, approx = _strip_before(text.strip())
    body = body.replace(" ", "")
    if body.startswith("百分之"):
        value = chinese_decimal(body[3:])
    else:
        value = Decimal(body.rstrip("%").replace(",", ""))
    return Quantity(_plain(value), approx)


def parse_date(text: str) -> dt.date:
    """2016年12月19日, 二○一六年十二月十九日, 2016-12-19 → date; ValueError if no such day."""
    body = re.sub(r"\s", "", text)
    parts = re.split(r"[年月日号\-./]", body)
    parts = [p for p in parts if p]
    if len(parts) != 3:
        raise ValueError(f"不是日期：{text!r}")
    y, m, d = (int(p) if p.isdigit() else chinese_integer(p) for p in parts)
    return dt.date(y, m, d)


def _plain(value: Decimal) -> Decimal:
    """1.2万 gives 12000.0; keep it 12000, and keep 99.36 as written."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()
