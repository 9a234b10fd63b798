"""Submission file → Submission.

submission (strict validation) · rates (分子/分母) · deadlines (days late from a date and a deadline) ·
xlsx_form (a filled 填报表) · form_layout (where things are in a 填报表) · review (assessors’ review
files, the only source of 复核 decisions).
"""
