"""Types PostgreSQL needs: times with their zone, and IMAP numbers up to 2^32-1.

- Every time column becomes `timestamp with time zone` on PostgreSQL. SQLModel (0.0.45 on) writes
  aware datetimes; PostgreSQL casts one going into a plain `timestamp` to the session's zone, so a
  server running in local time handed times back hours off. What is there was written as UTC (the
  store's rule since 0.1), so it is read as UTC. SQLite has no time type: its text already holds UTC
  and stays as it is.
- uid, uidvalidity and last_uid become BIGINT: RFC 3501 makes them 32-bit unsigned, past a signed
  INTEGER on PostgreSQL. SQLite's INTEGER already holds 64 bits; its declared type follows the model.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# table → [(column, nullable)]
IMAP_NUMBERS = {
    "foldercursor": [("uidvalidity", False), ("last_uid", False)],
    "emailrecord": [("uid", False), ("uidvalidity", False)],
    "draftrecord": [("uid", True)],
}
TIMES = {
    "foldercursor": [("updated_at", False)],
    "emailrecord": [("received", True), ("recorded_at", False)],
    "rejectionrecord": [("received", True)],
    "draftrecord": [("created_at", False), ("saved_at", True), ("status_checked_at", True)],
    "digestrecord": [("sent_at", False)],
}


def _alter(*, numbers: type[sa.Integer], zone: bool) -> None:
    """Set the IMAP number columns to `numbers`, and the time columns' zone on PostgreSQL."""
    postgres = op.get_bind().dialect.name == "postgresql"
    old_numbers = sa.Integer if numbers is sa.BigInteger else sa.BigInteger
    for table in dict.fromkeys([*IMAP_NUMBERS, *(TIMES if postgres else ())]):
        with op.batch_alter_table(table) as batch:
            for column, nullable in IMAP_NUMBERS.get(table, []):
                batch.alter_column(column, type_=numbers(), existing_type=old_numbers(), existing_nullable=nullable)
            for column, nullable in TIMES[table] if postgres else []:
                # AT TIME ZONE turns a zoneless UTC time into the moment, and a moment back into UTC.
                batch.alter_column(
                    column,
                    type_=sa.DateTime(timezone=zone),
                    existing_type=sa.DateTime(timezone=not zone),
                    existing_nullable=nullable,
                    postgresql_using=f"{column} AT TIME ZONE 'UTC'",
                )


def upgrade() -> None:
    _alter(numbers=sa.BigInteger, zone=True)


def downgrade() -> None:
    _alter(numbers=sa.Integer, zone=False)
