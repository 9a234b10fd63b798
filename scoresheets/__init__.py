"""Excel scoresheets (评分表) for assessment results."""

from scoresheets.workbook import build_workbook, warm_up, write_scoresheet

__all__ = ["build_workbook", "warm_up", "write_scoresheet"]
