"""engine.extract.numbers: how figures are written in reports, and what they are worth."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.extract.numbers import (
    DATE,
    NUMBER,
    PERCENT,
    Quantity,
    chinese_decimal,
    chinese_integer,
    parse_date,
    parse_number,
    parse_percent,
)
from engine.extract.patterns import fold

DIGITS = "零一二三四五六七八九"


def write_chinese(n: int, *, liang: bool = False, yi_shi: bool = False) -> str:
    """An independent writer of Chinese numerals (the way reports write them), for round trips."""
    if n == 0:
        return "零"

    def four(k: int, leading: bool) -> str:
        out, zero = "", False
        for unit, value in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
            digit = k // value % 10
            if digit == 0:
                zero = bool(out) or not leading
                continue
            if zero:
                out += "零"
                zero = False
            if unit == "十" and digit == 1 and not out and leading and not yi_shi:
                out += "十"
            elif digit == 2 and liang and unit in ("千", "百"):
                out += "两" + unit
            else:
                out += DIGITS[digit] + unit
        return out

    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out = ""
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        leading = not out
        if g == 0:
            continue
        if out and g < 1000:
            out += "零"
        out += four(g, leading) + ("", "万", "亿", "万亿")[i]
    return out


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_chinese_integer_round_trip(n):
    assert chinese_integer(write_chinese(n)) == n


@given(st.integers(min_value=1, max_value=10**8 - 1), st.booleans(), st.booleans())
def test_chinese_integer_round_trip_variants(n, liang, yi_shi):
    assert chinese_integer(write_chinese(n, liang=liang, yi_shi=yi_shi)) == n


@given(st.integers(min_value=1000, max_value=2999))
def test_years_written_digit_by_digit(year):
    written = "".join("○一二三四五六七八九"[int(d)] for d in str(year))
    assert chinese_integer(written) == year
    assert chinese_integer(written.replace("○", "〇")) == year


@pytest.mark.parametrize(
    "text, value",
    [
        ("十二", 12),
        ("一千二百二十二", 1222),
        ("三", 3),
        ("十", 10),
        ("二十", 20),
        ("一百零八", 108),
        ("一千零二十二", 1022),
        ("两千", 2000),
        ("两万", 20000),
        ("十万", 100000),
        ("一万零五百", 10500),
        ("一亿二千万", 120000000),
        ("二○一六", 2016),
        ("壹仟贰佰", 1200),
        ("百", 100),
    ],
)
def test_chinese_integer(text, value):
    assert chinese_integer(text) == value


@pytest.mark.parametrize("text", ["", "十十", "一二十", "百十百", "两两", "三五", "万abc"])
def test_chinese_integer_rejects_what_is_not_a_number(text):
    with pytest.raises(ValueError, match="不是中文数字"):
        chinese_integer(text)


def test_chinese_decimal():
    assert chinese_decimal("九十九点三六") == Decimal("99.36")
    assert chinese_decimal("零点五") == Decimal("0.5")


@pytest.mark.parametrize(
    "text, value, approximate",
    [
        ("2673", 2673, False),
        ("2,673", 2673, False),
        ("近50", 50, True),
        ("4000余", 4000, True),
        ("3000多", 3000, True),
        ("1.2万", 12000, False),
        ("100余万", 1000000, True),
        ("3万余", 30000, True),
        ("约200", 200, True),
        ("超过1000", 1000, True),
        ("一千二百二十二", 1222, False),
        ("十多", 10, True),
        ("三", 3, False),
        ("12.5", Decimal("12.5"), False),
    ],
)
def test_parse_number(text, value, approximate):
    assert parse_number(text) == Quantity(Decimal(value), approximate)


def test_full_width_digits_are_folded_before_parsing():
    assert fold("１２３４件，９９．３６％") == "1234件,99.36%"
    assert parse_number(fold("１．２万")) == Quantity(Decimal(12000))


@pytest.mark.parametrize(
    "text, value, approximate",
    [
        ("99.36%", "99.36", False),
        ("100 %", "100", False),
        ("百分之百", "100", False),
        ("百分之九十五", "95", False),
        ("百分之九十九点三六", "99.36", False),
        ("约95%", "95", True),
    ],
)
def test_parse_percent(text, value, approximate):
    assert parse_percent(text) == Quantity(Decimal(value), approximate)


@pytest.mark.parametrize(
    "text, day",
    [
        ("二○一六年十二月十九日", dt.date(2016, 12, 19)),
        ("二〇一三年三月一日", dt.date(2013, 3, 1)),
        ("2016年12月19日", dt.date(2016, 12, 19)),
        ("2013 年 6 月 4 日", dt.date(2013, 6, 4)),
        ("2016-12-19", dt.date(2016, 12, 19)),
        ("2016.1.9", dt.date(2016, 1, 9)),
    ],
)
def test_parse_date(text, day):
    assert re.fullmatch(DATE, text)
    assert parse_date(text) == day


def test_impossible_dates_are_not_dates():
    with pytest.raises(ValueError):
        parse_date("2016年2月30日")


def test_number_fragment_finds_figures_as_written_and_not_parts_of_longer_ones():
    text = fold("共计2673件，办结2656件，近50件，4000余条，1.2万件，三次，１２件")
    assert re.findall(NUMBER, text) == ["2673", "2656", "近50", "4000余", "1.2万", "三", "12"]
    assert re.findall(PERCENT, "办结率为99.36%，满意率百分之百，9.5个百分点") == ["99.36%", "百分之百"]
    assert re.fullmatch(NUMBER, "99.36") and not re.search(NUMBER, "abc")
    # a requirement's bound is not a figure of the year
    assert re.findall(NUMBER, "学法不少于4次，实际学法5次") == ["5"]
    assert re.findall(PERCENT, "备案率不低于95%，实际达到98%") == ["98%"]
