"""The only code that imports durable_rules or knows its JSON dialect, limits and fact keys."""
