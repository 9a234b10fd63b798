"""Output file names from hostile unit names: valid everywhere, inside the folder, distinct."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.files.naming import (
    FALLBACK,
    MAX_STEM_BYTES,
    MAX_STEM_CHARS,
    NameAllocator,
    inside,
    repair_surrogates,
    safe_stem,
    scoresheet_name,
)

FORBIDDEN = set("/\\:*?\"<>|'`‘’“”")


@pytest.mark.parametrize(
    ("unit", "stem"),
    [
        ("花山区人民政府", "花山区人民政府"),
        ("../../etc/passwd", "etc_passwd"),
        ("..", FALLBACK),
        ("a..b", "a_b"),
        ("区/局\\科:室", "区_局_科_室"),
        ('a*b?c"d<e>f|g', "a_b_c_d_e_f_g"),
        ("“花山”区‘政府’", "花山_区_政府"),
        (".hidden", "hidden"),
        ("...隐藏", "隐藏"),
        ("局\x00\x07\x1f名", "局名"),
        ("局\u202egpj.exe", "局gpj.exe"),  # a right-to-left override would disguise the extension
        ("局\u200b名", "局名"),  # zero-width space
        ("  区　政府  ", "区 政府"),
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("LPT1 ", "_LPT1"),
        ("COM¹", "_COM¹"),
        ("CONSOLE", "CONSOLE"),
        ("尾部点.", "尾部点"),
        ("=1+1", "=1+1"),
        ("", FALLBACK),
        ("   ", FALLBACK),
        ("\ud83d\ude00局\ud800", "😀局"),  # a JSON surrogate pair joined, a lone one dropped
        ("e\u0301", "\u00e9"),  # NFC
    ],
)
def test_safe_stem(unit, stem):
    assert safe_stem(unit) == stem


def test_length_is_capped_in_characters_and_bytes():
    assert safe_stem("x" * 300) == "x" * MAX_STEM_CHARS
    cjk = safe_stem("汉" * 300)
    assert cjk == "汉" * (MAX_STEM_BYTES // 3) and len(cjk.encode()) == 180
    # a 4-byte character is never cut in half at the byte limit
    emoji = safe_stem("汉" + "😀" * 100)
    assert emoji == "汉" + "😀" * 44 and len(emoji.encode()) == 179


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=400))
def test_any_text_gives_a_file_directly_inside_the_folder(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("out")
    stem = safe_stem(text)
    assert stem and not stem.startswith(".") and ".." not in stem and stem == stem.strip(" .")
    assert not FORBIDDEN & set(stem)
    assert all(unicodedata.category(ch)[0] != "C" for ch in stem)
    assert len(stem) <= MAX_STEM_CHARS and len(stem.encode("utf-8")) <= MAX_STEM_BYTES
    name = "".join(scoresheet_name(text, 2012))
    path = inside(folder, name)
    path.write_bytes(b"x")  # the file system accepts it
    assert [p.name for p in folder.iterdir()] == [name] and path.resolve().parent == folder.resolve()


def test_inside_refuses_anything_but_a_plain_name(tmp_path):
    for bad in ("", ".", "..", "a/b", "../x", "a\\b", "/etc/passwd"):
        with pytest.raises(ValueError):
            inside(tmp_path, bad)
    assert inside(tmp_path, "a.xlsx") == tmp_path / "a.xlsx"


def test_collisions_get_stable_suffixes_in_order_ignoring_case_and_normalisation():
    names = NameAllocator(reserved=("汇总.xlsx",))
    taken = [
        names.take("局", ".xlsx"),
        names.take("局", ".xlsx"),
        names.take("局", ".xlsx"),
        names.take("ABC", ".xlsx"),
        names.take("abc", ".xlsx"),
        names.take("\u00e9", ".xlsx"),
        names.take("e\u0301", ".xlsx"),
        names.take("汇总", ".xlsx"),
        names.take("局-2", ".xlsx"),  # a unit really named "局-2" after "局" took "局-2.xlsx"
    ]
    assert taken == [
        "局.xlsx",
        "局-2.xlsx",
        "局-3.xlsx",
        "ABC.xlsx",
        "abc-2.xlsx",
        "\u00e9.xlsx",
        "e\u0301-2.xlsx",
        "汇总-2.xlsx",
        "局-2-2.xlsx",
    ]


def test_scoresheet_name_uses_unit_and_year():
    assert scoresheet_name("花山区人民政府", 2012) == ("花山区人民政府-2012年度评分表", ".xlsx")
    assert scoresheet_name("../x", 2013) == ("x-2013年度评分表", ".xlsx")


def test_repair_surrogates():
    assert repair_surrogates("a\ud83d\ude00b") == "a😀b"
    assert repair_surrogates("a\udc80b\ud800") == "a\ufffdb\ufffd"
    assert repair_surrogates("普通") == "普通"
