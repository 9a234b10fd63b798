"""Submission file → Submission.

submission (strict validation) · rates (分子/分母) · xlsx_form (a filled 填报表) · form_layout (where
things are in a 填报表) · review (assessors’ review files).
"""
