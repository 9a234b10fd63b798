"""Rules file → checked Ruleset: model, condition language, loading, inheritance, folders, methods."""
