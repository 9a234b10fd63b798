"""Submission file → Submission: value checks, rates, the 填报表 reader, the review file."""
