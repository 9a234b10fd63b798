"""Alembic's environment: migrations run on the connection server.store hands over (never from an ini file's URL)."""

from __future__ import annotations

from alembic import context

from server.db import Base

target_metadata = Base.metadata
connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters a table by copying it
)
with context.begin_transaction():
    context.run_migrations()
