"""Drafting a submission from a unit's prose annual report (法治政府建设年度报告).

numbers.py normalises how figures are written; spec.py is the `提取` declaration in a rules
file; patterns.py compiles it to regular expressions; report.py reads a report into cited
sentences; extractor.py finds each indicator's value; draft.py writes the draft submission.
This package imports nothing at load time so that rules_model can use spec.py without a cycle.
"""
