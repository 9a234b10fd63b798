"""Fired checks → scored items, totals and grades: the one rounding and cap rule."""
