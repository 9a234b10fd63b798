"""Excel scoresheets (评分表) for assessment results."""

from scoresheets.styles import warm_up
from scoresheets.workbook import build_workbook, write_scoresheet

__all__ = ["build_workbook", "warm_up", "write_scoresheet"]
