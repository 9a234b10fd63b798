"""The formats of names and ids in rules files, each with the words a message uses to name it."""

from __future__ import annotations

ID_PATTERN = r"^[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9_\-.\u4e00-\u9fff]{0,39}$"
NAME_PATTERN = r"^[A-Za-z\u3400-\u9fff\uf900-\ufaff][A-Za-z0-9_\u3400-\u9fff\uf900-\ufaff]{0,39}$"
PART_ID_PATTERN = r"^[A-Za-z0-9]{1,8}$"

FORMATS = {
    ID_PATTERN: "编号：1～40 个字母、数字、汉字或 - _ .，以字母、数字或汉字开头（如 ZD-01）",
    NAME_PATTERN: "名称：1～40 个汉字、字母、数字或 _，以汉字或字母开头，不含空格和标点（如 备案率）",
    PART_ID_PATTERN: "子项编号：1～8 个字母或数字（如 a、b、2）",
}


def describe(pattern: str | None) -> str:
    """“格式不正确” with the expected format in words."""
    known = FORMATS.get(pattern or "")
    if known is not None:
        return f"格式不正确，应为{known}"
    return f"格式不正确，应符合 {pattern}" if pattern else "格式不正确"
