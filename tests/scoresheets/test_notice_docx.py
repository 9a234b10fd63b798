"""`assess batch … --notice`: the 考核结果通报（草稿）.docx read back — its paragraphs and table cells are
the notice's content, its layout the 公文's (GB/T 9704), its bytes reproducible; refused over an input."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import docx
import pytest
from batch_helpers import AS_OF, EXAMPLES, examples_summary
from docx.shared import Pt
from lo import convert, soffice

from engine.cli import main
from engine.tools.notice import Heading, Notice, Para, Table, build_notice
from scoresheets.notice import build_document, notice_bytes

NAME = "考核结果通报（草稿）.docx"
HEAD = ["（发文机关标志）", "", "（发文字号）", ""]


def run(args: list, capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    return info.value.code, capsys.readouterr().err


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("notice") / "out"
    with pytest.raises(SystemExit) as info:
        main(["batch", str(EXAMPLES), "-o", str(out), "--as-of", AS_OF, "--jobs", "1", "--notice"])
    assert info.value.code == 0
    return out / NAME


def test_the_docx_reads_back_as_the_notice(written):
    notice = build_notice(examples_summary())
    doc = docx.Document(str(written))
    texts = [p.text.replace("\u2060", "") for p in doc.paragraphs]  # WORD JOINERs hold ids' hyphens
    body = [b.text for b in notice.body if not isinstance(b, Table)]
    # the draft note, the 版头 placeholders, the title, the 主送, then the body; a blank line after each table
    assert texts[0] == notice.draft_note
    assert texts[1:5] == HEAD
    # the title on two lines, broken between phrases (a line break in one paragraph)
    assert texts[5:8] == ["关于2012、2016、2019、2022、\n2024年度法治建设考核结果的通报", "", "各被考核单位："]
    assert [t for t in texts[8:-5] if t] == body
    assert texts[-5:] == ["", "", "（落款）", "　　年　　月　　日", ""]
    cells = [tuple(tuple(c.text.replace("\u2060", "") for c in row.cells) for row in t.rows) for t in doc.tables]
    tables = [b for b in notice.body if isinstance(b, Table)]
    imprint = (("抄送：（抄送机关）。",), ("（印发机关）\t　　年　　月　　日印发",))  # the 版记, last
    assert cells == [*((t.header, *t.rows) for t in tables), imprint]
    assert cells[1] == (("名次", "单位", "总分", "等次"), ("1", "区市政管理局（虚构示例单位）", "64.63", "不合格"))


def _east_asian(run) -> str:
    return run._element.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")


def test_the_layout_is_a_gongwen(written):
    doc = docx.Document(str(written))
    section = doc.sections[0]
    mm = [round(v.mm, 1) for v in (section.page_width, section.page_height)]
    assert mm == [210, 297]
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(v.mm, 1) for v in margins] == [37, 35, 28, 26]  # a 156 × 225 mm text block
    by_text = {p.text: p for p in doc.paragraphs if p.text}
    title = by_text["关于2012、2016、2019、2022、\n2024年度法治建设考核结果的通报"]
    assert [(_east_asian(r), r.font.size) for r in title.runs] == [("方正小标宋简体", Pt(22))] * 2
    assert (_east_asian(by_text["一、考核结果"].runs[0]), by_text["一、考核结果"].runs[0].font.size) == ("黑体", Pt(16))
    sub = next(p for t, p in by_text.items() if t.startswith("（一）"))
    assert _east_asian(sub.runs[0]) == "楷体_GB2312"
    body = by_text["依据《区依法行政示范创建考核评分细则（2013年度）》考核，共1个单位，其中不合格1个。"]
    assert (_east_asian(body.runs[0]), body.runs[0].font.size) == ("仿宋_GB2312", Pt(16))
    assert body.paragraph_format.line_spacing == Pt(28.95)  # 22 lines to the page
    assert body.paragraph_format.first_line_indent == Pt(32)  # two characters
    mark = by_text["（发文机关标志）"].runs[0]
    assert str(mark.font.color.rgb) == "FF0000"
    with zipfile.ZipFile(written) as z:
        fonts = z.read("word/fontTable.xml").decode()
        footers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/footer")]
        settings = z.read("word/settings.xml").decode()
        assert "docProps/thumbnail.jpeg" not in z.read("_rels/.rels").decode()
        assert "<Application>fazhi-assess" in z.read("docProps/app.xml").decode()
    for font, fallback in (("仿宋_GB2312", "仿宋"), ("方正小标宋简体", "宋体"), ("楷体_GB2312", "楷体")):
        assert f'<w:font w:name="{font}"><w:altName w:val="{fallback}"/>' in fonts
    # page numbers "— 1 —": odd pages on the right, even pages on the left
    assert "evenAndOddHeaders" in settings
    assert len(footers) == 2 and all(" PAGE " in f and "— " in f and " —" in f for f in footers)
    assert {section.footer.paragraphs[0].alignment, section.even_page_footer.paragraphs[0].alignment} == {2, 0}


def test_the_imprint_sits_at_the_foot_of_the_last_page(written):
    """版记 (GB/T 9704-2012 7.4): 4号 仿宋, a thick rule above and below (0.35 mm) and a thin one between (0.25 mm),
    floating with its foot on the bottom margin (225 mm of text less its two 28.95 pt lines)."""
    doc = docx.Document(str(written))
    table = doc.tables[-1]
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    place = table._tbl.tblPr.find(f"{w}tblpPr")
    assert (place.get(f"{w}vertAnchor"), place.get(f"{w}tblpY")) == (
        "margin",
        str(round((225 / 25.4 * 72 - 59.9) * 20)),
    )
    borders = {
        e.tag.removeprefix(w): (e.get(f"{w}val"), e.get(f"{w}sz")) for e in table._tbl.tblPr.find(f"{w}tblBorders")
    }
    assert borders == {
        "top": ("single", "8"),
        "bottom": ("single", "8"),
        "insideH": ("single", "6"),
        "left": ("nil", None),
        "right": ("nil", None),
        "insideV": ("nil", None),
    }
    runs = [row.cells[0].paragraphs[0].runs[0] for row in table.rows]
    assert [(_east_asian(r), r.font.size) for r in runs] == [("仿宋_GB2312", Pt(14))] * 2
    indents = [row.cells[0].paragraphs[0].paragraph_format.left_indent for row in table.rows]
    assert indents == [Pt(14)] * 2  # one character in


def test_titles_break_between_phrases():
    from engine.tools.notice import title_lines

    assert title_lines("关于2012年度法治建设考核结果的通报") == ("关于2012年度法治建设考核结果的通报",)
    # a list of years too wide for one line breaks after one of its 、, not leaving 关于 alone
    years = "关于2012、2016、2019、2022、2024年度法治建设考核结果的通报"
    assert title_lines(years) == ("关于2012、2016、2019、2022、", "2024年度法治建设考核结果的通报")
    assert title_lines("关于2013年度区依法行政示范创建考核结果的通报") == (
        "关于2013年度",
        "区依法行政示范创建考核结果的通报",
    )
    long = "关于2022年度法治政府建设示范创建市县两级政府和部门法治政府建设考核结果的通报"
    assert title_lines(long) == ("关于2022年度", "法治政府建设示范创建市县两级政府和", "部门法治政府建设考核结果的通报")


def test_properties_and_bytes_come_from_the_scoring_time(written):
    doc = docx.Document(str(written))
    props = doc.core_properties
    when = dt.datetime(2014, 1, 15, 1, 0, tzinfo=dt.UTC)  # AS_OF in UTC
    assert (props.created, props.modified) == (when, when)
    assert props.title == "关于2012、2016、2019、2022、2024年度法治建设考核结果的通报"
    assert props.author.startswith("fazhi-assess")
    notice = build_notice(examples_summary())
    first = notice_bytes(notice, dt.datetime.fromisoformat(AS_OF))
    assert first == notice_bytes(notice, dt.datetime.fromisoformat(AS_OF)) == written.read_bytes()
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert {i.date_time for i in z.infolist()} == {(2014, 1, 15, 9, 0, 0)}


def test_notice_path_given_folder_and_refusals(tmp_path, capsys):
    inputs = tmp_path / "申报"
    inputs.mkdir()
    shutil.copy(EXAMPLES / "gaizhou-2016.json", inputs / "gaizhou-2016.json")
    (tmp_path / "通报").mkdir()
    code, err = run(["batch", inputs, "-o", tmp_path / "out", "--jobs", "1", "--notice", tmp_path / "通报"], capsys)
    assert code == 0, err
    assert (tmp_path / "通报" / NAME).is_file() and not (tmp_path / "out" / NAME).exists()
    # an input given as the notice's path: refused before anything is written
    disguised = tmp_path / "盖州.docx"
    shutil.copy(EXAMPLES / "gaizhou-2016.json", disguised)
    before = disguised.read_bytes()
    code, err = run(["batch", inputs, disguised, "-o", tmp_path / "out2", "--notice", disguised], capsys)
    assert code == 3
    assert "是本次的输入文件" in err and str(disguised) in err
    assert disguised.read_bytes() == before and not (tmp_path / "out2").exists()
    code, err = run(["batch", inputs, "-o", tmp_path / "out3", "--notice", tmp_path / "通报.xlsx"], capsys)
    assert code == 2 and ".docx" in err
    code, err = run(["batch", inputs, "--format", "json", "--notice"], capsys)
    assert code == 2 and "-o" in err


@pytest.mark.slow
@pytest.mark.skipif(soffice() is None or shutil.which("pdftotext") is None, reason="needs soffice and pdftotext")
def test_the_notice_converts_to_an_a4_pdf(written, tmp_path):
    try:
        (pdf,) = convert([written], tmp_path, "pdf")
    except RuntimeError as exc:  # a LibreOffice without Writer cannot open .docx
        pytest.skip(str(exc)[:200])
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "595.3 x 841.89 pts (A4)" in info or "595.304 x 841.89 pts (A4)" in info
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= 2
    flat = "".join(text.split())
    assert "法治建设考核结果的通报" in flat and "各被考核单位：" in flat
    assert "—1—" in flat and f"—{pages}—" in flat  # page numbers on every page
    assert "（落款）" in flat and "区市政管理局（虚构示例单位）64.63不合格" in flat
    # the title on two lines, each phrase whole
    lines = ["".join(line.split()) for line in text.splitlines() if line.strip()]  # LibreOffice spaces 关于 2012
    at = lines.index("关于2012、2016、2019、2022、")
    assert lines[at + 1] == "2024年度法治建设考核结果的通报"
    # the 版记 is the last thing on the last page, at its foot: below the 落款, above only the page number
    last = text.split("\f")[pages - 1]
    tail = [line.split() for line in last.splitlines() if line.strip()]
    assert tail[-3:] == [["抄送：（抄送机关）。"], ["（印发机关）", "年", "月", "日印发"], [f"—{pages}—"]] or tail[
        -3:
    ] == [
        ["抄送：（抄送机关）。"],
        ["（印发机关）", "年", "月", "日印发"],
        ["—", str(pages), "—"],
    ]
    gap = last.splitlines()
    assert (
        next(n for n, line in enumerate(gap) if "抄送" in line)
        - next(n for n, line in enumerate(gap) if "年" in line and "月" in line and "日" in line and "印发" not in line)
        > 3
    )  # blank lines between the date and the 版记: it sits at the page foot, not after the text


def test_a_short_table_stays_on_a_page_and_a_long_one_runs_on_with_its_header():
    def rows(n: int) -> tuple:
        return tuple((str(k), f"第{k}区人民政府", "89.07", "良好") for k in range(1, n + 1))

    header = ("名次", "单位", "总分", "等次")
    notice = Notice(
        "标题",
        "各被考核单位：",
        (Heading(2, "（一）区县政府"), Para("共3个单位。"), Table(header, rows(3), (14, 80, 22, 40))),
        "草稿",
    )
    long = replace(notice, body=(Para("共30个单位。"), Table(header, rows(30), (14, 80, 22, 40))))
    for made, kept in ((notice, [True, True, True, False]), (long, [True] + [False] * 30)):
        table = build_document(made).tables[0]
        flags = [row.cells[0].paragraphs[0].paragraph_format.keep_with_next for row in table.rows]
        assert flags == kept
        assert (
            table.rows[0]._tr.trPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader")
            is not None
        )  # the header repeats on every page
    doc = build_document(notice)
    lead = next(p for p in doc.paragraphs if p.text == "共3个单位。")
    assert lead.paragraph_format.keep_with_next  # the line that introduces a table stays with it
