"""Ruleset + Submission → fired checks.

checks (items → evaluator-neutral checks) · plain (the plain-Python evaluator, the oracle) ·
durable/ (program: checks → durable rulesets within its limits; adapter: running them safely).
"""
