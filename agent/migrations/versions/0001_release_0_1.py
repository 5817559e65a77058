"""The schema of Rebound 0.1, which made its tables with create_all: the baseline every later migration starts from.

A database made by 0.1 has these tables and no alembic_version; the store stamps it at this
revision and upgrades it from here.

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "foldercursor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(), nullable=False),
        sa.Column("folder", sa.String(), nullable=False),
        sa.Column("uidvalidity", sa.Integer(), nullable=False),
        sa.Column("last_uid", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account", "folder"),
    )
    op.create_index("ix_foldercursor_account", "foldercursor", ["account"])
    op.create_table(
        "emailrecord",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(), nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("folder", sa.String(), nullable=False),
        sa.Column("uid", sa.Integer(), nullable=False),
        sa.Column("uidvalidity", sa.Integer(), nullable=False),
        sa.Column("received", sa.DateTime(), nullable=True),
        sa.Column("sender", sa.String(), nullable=False),
        sa.Column("sender_name", sa.String(), nullable=False),
        sa.Column("reply_to", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("uncertain", sa.Boolean(), nullable=False),
        sa.Column("company", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("contact_name", sa.String(), nullable=False),
        sa.Column("human_sender", sa.Boolean(), nullable=False),
        sa.Column("offers_feedback", sa.Boolean(), nullable=False),
        sa.Column("invites_reapply", sa.Boolean(), nullable=False),
        sa.Column("in_reply_to", sa.String(), nullable=False),
        sa.Column("excerpt", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("error", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account", "message_id"),
    )
    op.create_index("ix_emailrecord_account", "emailrecord", ["account"])
    op.create_index("ix_emailrecord_message_id", "emailrecord", ["message_id"])
    op.create_table(
        "rejectionrecord",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_id", sa.Integer(), nullable=False),
        sa.Column("company", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("contact", sa.String(), nullable=False),
        sa.Column("received", sa.DateTime(), nullable=True),
        sa.Column("draft_skip_reason", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["email_id"], ["emailrecord.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rejectionrecord_email_id", "rejectionrecord", ["email_id"], unique=True)
    op.create_table(
        "draftrecord",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(), nullable=False),
        sa.Column("email_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("parent_message_id", sa.String(), nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("to", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("folder", sa.String(), nullable=False),
        sa.Column("uid", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=True),
        sa.Column("status_checked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["email_id"], ["emailrecord.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_draftrecord_account", "draftrecord", ["account"])
    op.create_index("ix_draftrecord_email_id", "draftrecord", ["email_id"])
    op.create_index("ix_draftrecord_message_id", "draftrecord", ["message_id"], unique=True)
    op.create_table(
        "digestrecord",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(), nullable=False),
        sa.Column("week", sa.String(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("via", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account", "week"),
    )


def downgrade() -> None:
    for table in ("digestrecord", "draftrecord", "rejectionrecord", "emailrecord", "foldercursor"):
        op.drop_table(table)
