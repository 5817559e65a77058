"""Corrections that teach: correctionrecord holds what the user said an email is, and its words.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-14
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "correctionrecord",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(), nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("verdict", sa.String(), nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        sa.Column("folder", sa.String(), nullable=False),
        sa.Column("uid", sa.Integer(), nullable=False),
        sa.Column("uidvalidity", sa.Integer(), nullable=False),
        sa.Column("label_before", sa.String(), nullable=False),
        sa.Column("uncertain_before", sa.Boolean(), nullable=False),
        sa.Column("confidence_before", sa.Float(), nullable=False),
        sa.Column("label_after", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("error", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("learned_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_correctionrecord_account", "correctionrecord", ["account"])
    op.create_index("ix_correctionrecord_message_id", "correctionrecord", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_correctionrecord_message_id", table_name="correctionrecord")
    op.drop_index("ix_correctionrecord_account", table_name="correctionrecord")
    op.drop_table("correctionrecord")
