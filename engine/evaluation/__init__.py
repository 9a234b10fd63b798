"""Ruleset + Submission → fired checks: backend-neutral checks, the plain evaluator, durable/."""
