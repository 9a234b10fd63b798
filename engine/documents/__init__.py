"""Bytes → located document, or located problems.

source (YAML/JSON with line:col, encodings, limits) · yaml_syntax (ruamel's parse, input-method
mistakes) · fast_json (stdlib JSON, ruamel only to
locate) · messages (pydantic errors in Chinese) · formats (id and name formats, in words) ·
lookalike (names that look the same but are not) · text (control characters) · hints (the
“是否应为” hint) · numbers (the one text of a number) · xlsx_guard (a workbook checked from
outside before it is read, the one xlsx limit set).
"""
