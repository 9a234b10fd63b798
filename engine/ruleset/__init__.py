"""Rules file → checked Ruleset.

model (pydantic, Chinese keys) · scalars (value types, the strict base model) · methods/ (one module
per 计分方式 and the registry) · conditions (the condition language) · values (what a value of each
type must be) · ruleset (the checked Ruleset) · build (file → Ruleset) · inheritance (继承) ·
load (plain or inherited) · folders (the ruleset in force) · extraction, extraction_check (`提取`).
"""
