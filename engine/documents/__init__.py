"""Bytes → located document: YAML/JSON readers with line:col, the xlsx guard, Chinese messages."""
