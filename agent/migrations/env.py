"""Alembic's entry point: migrations run on the connection the store hands over, never from a URL of their own."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import agent.tables  # noqa: F401  (fills SQLModel.metadata, for `alembic revision --autogenerate`)

connection = context.config.attributes["connection"]
# SQLite alters a table by copying it; batch mode writes that copy for us.
context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
