"""Bytes → located document, or located problems.

source (YAML/JSON with line:col, encodings, limits) · fast_json (stdlib JSON, ruamel only to
locate) · messages (pydantic errors in Chinese) · text (control characters) · xlsx_guard (a
workbook checked from outside before it is read).
"""
