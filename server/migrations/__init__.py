"""Alembic migrations of the round database (run at start-up)."""
