"""What policy staff and assessors run on rulesets and results.

check · cases (用例) · diff · criteria (export) · schema · explain · verify · summary (汇总 data).
"""
