"""What policy staff and assessors run on rulesets: check, cases, diff, explain, verify, schema, export."""
