"""Fired checks → scored items, totals and grades.

arithmetic (Decimal, ROUND_HALF_UP, caps, rescaling, bonus, grade and its caps).
"""
