"""Reading a report into sentences that can be cited: file, line, column, heading, text.

Text files may be UTF-8 (with or without BOM), UTF-16 with a BOM, or GBK/GB18030 (the usual
encoding of reports saved on Chinese Windows). A .docx is read with the standard library (it is a
zip of XML): each paragraph, and each paragraph of a table cell, becomes one line, so for a
.docx “行” is the paragraph number. Other formats (.doc, .pdf, .wps) are refused with a message.

Sections whose heading speaks of next year (下一步、明年、工作思路、工作计划、改进措施…) are
kept for citing but not read: they describe plans, not the year's work. Lines of a web page
around the report (发布时间、来源、索引号、今天是…、a bare date and time) are page furniture:
kept for citing, never read.

Reports in traditional characters (繁體) are read through OpenCC's t2s tables: each sentence is
matched in simplified form, and every citation points at the original characters. Bytes that are
neither UTF-8 nor GB18030 but Big5 (common for traditional text saved on Windows) are decoded as
Big5 by name; Big5 text that happens to decode as GB18030 is recognised by how few of its
characters are common ones, and decoded as Big5 too — the draft names the encoding used.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from engine.errors import InputError, Location, Problem
from engine.extract import numbers

MAX_REPORT_BYTES = 20 * 1024 * 1024
PLAN_WORDS = ("下一步", "明年", "工作思路", "工作计划", "工作打算", "改进措施", "努力方向", "工作设想", "下步")
_HEADING = re.compile(
    r"^\s*(?:"
    r"(?P<l1>[一二三四五六七八九十]+[、.])"
    r"|(?P<l2>[(（][一二三四五六七八九十]+[)）])"
    r"|(?P<l3>\d{1,2}[、.．](?!\d))"
    r"|(?P<l4>[(（]\d{1,2}[)）])"
    r")"
)
_ENDS = "。；;！!？?"
# A sentence longer than this is read in pieces cut at a clause mark: every step that looks around a
# match (clause, 分别, negation, citation) then costs at most this much, so a report's cost is linear
# in its length (one 1 MB sentence with a match every few characters was quadratic: 37 s).
MAX_SENTENCE_CHARS = 1_000
_CLAUSE_MARKS = "，,、：: \t"
# a web page's own lines: when it was published, where from, its index number, today's date
_FURNITURE = re.compile(
    r"^\s*[\[【]?\s*(?:发布时间|发布日期|发文日期|成文日期|更新时间|更新日期|来源|文章来源|信息来源|今天是|索引号|"
    r"发文字号|文号|主题分类|体裁分类|发布机构|发文机构|有效性|时效性|点击率|点击数|浏览次数|阅读次数|分享到|字体|"
    r"您当前所在位置|您现在所在的位置|您所在的位置|当前位置|无障碍|首\s*页|返回顶部|打印本页|关闭窗口)"
)
_TODAY = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*星期|农历")
_BARE_TIME = re.compile(r"^\s*\d{1,4}[-./]\d{1,2}[-./]\d{1,4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*$")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class ReportError(InputError):
    """A report that cannot be read."""

    kind = "报告"


@dataclass(frozen=True)
class Sentence:
    """One sentence: 1-based line and column in the file, original text, folded text and map."""

    line: int
    col: int
    text: str
    folded: str
    index: tuple[int, ...]  # folded position → position in `text`
    headings: tuple[str, ...] = ()
    plan: bool = False
    context: str = ""  # the headings, folded: where 须含 may also find the subject
    furniture: bool = False  # a line of the web page around the report, not the report

    def span(self, start: int, end: int) -> tuple[int, int]:
        """A folded span as a span of the original text."""
        if start >= end:
            return self.index[start] if start < len(self.index) else len(self.text), self.index[start - 1] + 1
        return self.index[start], self.index[end - 1] + 1


@dataclass
class Report:
    file: str
    sha256: str
    encoding: str
    lines: list[str]
    sentences: list[Sentence] = field(default_factory=list)
    traditional: bool = False  # read through OpenCC t2s; citations keep the original characters


def read_report(path: Path | str) -> Report:
    from engine.documents.source import read_bytes

    path = Path(path)
    name = str(path)
    raw, digest = read_bytes(path, ReportError, MAX_REPORT_BYTES)
    suffix = path.suffix.lower()
    if suffix == ".docx" or raw[:2] == b"PK":
        lines, encoding = _docx_lines(raw, name), "docx"
    elif suffix in (".doc", ".wps", ".pdf", ".xls", ".xlsx") or raw[:5] == b"%PDF-" or raw[:4] == b"\xd0\xcf\x11\xe0":
        raise ReportError(
            Problem(Location(name), "不支持此格式；请另存为 .txt（UTF-8 或 GBK）或 .docx 后重试", "report.format")
        )
    else:
        text, encoding = decode(raw, name)
        lines = text.splitlines()
    convert = to_simplified if is_traditional("\n".join(lines)) else None
    return Report(name, digest, encoding, lines, split_sentences(lines, convert), convert is not None)


def decode(raw: bytes, name: str = "") -> tuple[str, str]:
    """Decode report bytes: BOMs first, then UTF-8, then GB18030 (a superset of GBK and GB2312)."""
    if raw.startswith(b"\xff\xfe") or raw.startswith(b"\xfe\xff"):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    if b"\x00" in raw:
        raise ReportError(Problem(Location(name), "不是文本文件（含有 NUL 字节）", "report.format"))
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    gb = _try(raw, "gb18030")
    big5 = _try(raw, "big5")
    if big5 is not None and (gb is None or _common_share(big5) > _common_share(gb) + 0.15):
        return big5, "big5"
    if gb is not None:
        return gb, "gb18030"
    try:
        raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ReportError(
            Problem(
                Location(name, line),
                "无法识别文本编码（已试 UTF-8、GB18030/GBK、Big5）；请另存为 UTF-8 后重试",
                "report.encoding",
            )
        ) from None


def _try(raw: bytes, codec: str) -> str | None:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        return None


def _common_share(text: str) -> float:
    """Share of the Chinese characters that are among the 3,755 most common (GB2312 level 1) once simplified.

    Text decoded with the right codec scores near 1 whether it is simplified or traditional; the
    same bytes decoded with the wrong one give mostly rare characters.
    """
    hanzi = [ch for ch in to_simplified(text[:20000]) if "\u4e00" <= ch <= "\u9fff"]
    if not hanzi:
        return 0.0
    common = 0
    for ch in hanzi:
        try:
            code = ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 0xB0 <= code[0] <= 0xD7
    return common / len(hanzi)


_CONVERTER = None


def to_simplified(text: str) -> str:
    """Traditional → simplified characters (OpenCC t2s, phrase-aware)."""
    global _CONVERTER
    if _CONVERTER is None:
        import opencc

        _CONVERTER = opencc.OpenCC("t2s")
    return _CONVERTER.convert(text)


def is_traditional(text: str) -> bool:
    """True when more than 3% of the Chinese characters change under t2s (a simplified text changes none or few)."""
    sample = text[:20000]
    hanzi = [i for i, ch in enumerate(sample) if "\u4e00" <= ch <= "\u9fff"]
    if len(hanzi) < 20:
        return False
    converted = to_simplified(sample)
    if len(converted) != len(sample):
        converted = "".join(to_simplified(ch) for ch in sample)
    changed = sum(1 for i in hanzi if converted[i] != sample[i])
    return changed / len(hanzi) > 0.03


def _docx_lines(raw: bytes, name: str) -> list[str]:
    import io

    from engine.documents.xlsx_guard import check_zip

    check_zip(raw, name, ReportError, (), "docx")  # a zip bomb is refused from the directory alone
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as book:
            xml = book.read("word/document.xml")
        root = ElementTree.fromstring(xml)
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ElementTree.ParseError):  # zlib: damaged data
        raise ReportError(
            Problem(Location(name), "不是有效的 .docx 文件（缺少 word/document.xml 或已损坏）", "report.format")
        ) from None
    lines: list[str] = []
    for para in root.iter(f"{_W}p"):
        text = ""
        for node in para.iter():
            if node.tag == f"{_W}t":
                text += node.text or ""
            elif node.tag == f"{_W}tab":
                text += "\t"
            elif node.tag in (f"{_W}br", f"{_W}cr"):
                text += " "
        lines.append(text)
    return lines


def split_sentences(lines: list[str], convert=None) -> list[Sentence]:
    """Sentences with the headings above them; sections about next year's plans and page furniture are marked.

    `convert` (traditional → simplified) is applied to what is matched, never to what is cited.
    """
    out: list[Sentence] = []
    stack: dict[int, str] = {}
    for number, original in enumerate(lines, 1):
        line = _converted(original, convert) if convert else original
        pieces = _pieces(line)
        if not pieces:
            continue
        furniture = bool(_FURNITURE.match(re.sub(r"\s+", "", line)) or _BARE_TIME.match(line) or _TODAY.search(line))
        match = _HEADING.match(line)
        if match:
            level = next(int(k[1]) for k, v in match.groupdict().items() if v)
            first = pieces[0][1].strip()
            if len(first) <= 40 and (len(pieces) > 1 or len(line.strip()) <= 40):
                for deeper in [k for k in stack if k >= level]:
                    del stack[deeper]
                stack[level] = first
        headings = tuple(stack[k] for k in sorted(stack))
        plan = any(word in h for h in headings for word in PLAN_WORDS)
        context = _fold(" / ".join(headings))[0]
        for start, piece in pieces:
            folded, index = _fold(piece)
            text = original[start : start + len(piece)]
            out.append(Sentence(number, start + 1, text, folded, index, headings, plan, context, furniture))
    return out


def _converted(line: str, convert) -> str:
    """The line in simplified characters, one character for one (so columns still point at the original)."""
    whole = convert(line)
    if len(whole) == len(line):
        return whole
    return "".join(c if len(c := convert(ch)) == 1 else ch for ch in line)


def _pieces(line: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    start = 0
    for i, ch in enumerate(line):
        if ch in _ENDS:
            if line[start : i + 1].strip():
                out.extend(_bounded(start, line[start : i + 1]))
            start = i + 1
    if line[start:].strip():
        out.extend(_bounded(start, line[start:]))
    return out


def _bounded(start: int, piece: str) -> list[tuple[int, str]]:
    """A piece of at most MAX_SENTENCE_CHARS, or several cut after the last clause mark before the limit."""
    out: list[tuple[int, str]] = []
    while len(piece) > MAX_SENTENCE_CHARS:
        window = piece[:MAX_SENTENCE_CHARS]
        cut = max(window.rfind(mark) for mark in _CLAUSE_MARKS) + 1
        cut = cut if cut > MAX_SENTENCE_CHARS // 2 else MAX_SENTENCE_CHARS
        if piece[:cut].strip():
            out.append((start, piece[:cut]))
        start, piece = start + cut, piece[cut:]
    if piece.strip():
        out.append((start, piece))
    return out


def _fold(text: str) -> tuple[str, tuple[int, ...]]:
    folded: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        piece = numbers.fold(ch)
        folded.append(piece)
        index.extend([i] * len(piece))
    return "".join(folded), tuple(index)
