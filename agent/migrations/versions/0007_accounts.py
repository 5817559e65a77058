"""Many mailboxes: account holds each one a worker watches (its password sealed, its lease), workerrecord the workers
alive; a digest is claimed before it is sent.

digestrecord gains status ("sending" from the claim until it went out; rows from before were sent),
claimed_at and claimed_by.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("imap_host", sa.String(), nullable=False),
        sa.Column("imap_port", sa.Integer(), nullable=True),
        sa.Column("security", sa.String(), nullable=False),
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("secret", sa.String(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("lease_owner", sa.String(), nullable=True),
        sa.Column("lease_expires", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_pass_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(), nullable=False),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    # What a worker's claim looks for: enabled accounts whose lease ran out.
    op.create_index("ix_account_lease", "account", ["enabled", "lease_expires"], unique=False)
    op.create_table(
        "workerrecord",
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("owner"),
    )
    with op.batch_alter_table("digestrecord") as batch:
        batch.add_column(sa.Column("status", sa.String(), nullable=False, server_default="sent"))
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("digestrecord") as batch:
        batch.drop_column("claimed_by")
        batch.drop_column("claimed_at")
        batch.drop_column("status")
    op.drop_table("workerrecord")
    op.drop_index("ix_account_lease", table_name="account")
    op.drop_table("account")
