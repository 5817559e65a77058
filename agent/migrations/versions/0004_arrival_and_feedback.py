"""Weeks by arrival, answers by thread, and what employers' feedback points to.

emailrecord.received becomes the arrival (IMAP INTERNALDATE); until now it held the sender's
Date header, which moves to the new header_date (older rows keep it in both: their arrival was
never recorded). emailrecord gains answers_draft_id (the draft an email answers), event_date and
event_kind (the day an invitation names); draftrecord gains sent_message_id; feedbacktheme holds
the themes read from feedback.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-14
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("emailrecord") as batch:
        # With its zone, as 0003 made every other moment (PostgreSQL; SQLite keeps no zone either way).
        batch.add_column(sa.Column("header_date", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("answers_draft_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("event_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("event_kind", sa.String(), nullable=False, server_default=""))
    op.execute(sa.text("UPDATE emailrecord SET header_date = received"))
    with op.batch_alter_table("draftrecord") as batch:
        batch.add_column(sa.Column("sent_message_id", sa.String(), nullable=False, server_default=""))
    op.create_table(
        "feedbacktheme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(), nullable=False),
        sa.Column("email_id", sa.Integer(), nullable=False),
        sa.Column("theme", sa.String(), nullable=False),
        sa.Column("detail", sa.String(), nullable=False),
        sa.Column("evidence", sa.String(), nullable=False),
        sa.Column("language", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["email_id"], ["emailrecord.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_feedbacktheme_account", "feedbacktheme", ["account"])
    op.create_index("ix_feedbacktheme_email_id", "feedbacktheme", ["email_id"])


def downgrade() -> None:
    op.drop_index("ix_feedbacktheme_email_id", "feedbacktheme")
    op.drop_index("ix_feedbacktheme_account", "feedbacktheme")
    op.drop_table("feedbacktheme")
    with op.batch_alter_table("draftrecord") as batch:
        batch.drop_column("sent_message_id")
    op.execute(sa.text("UPDATE emailrecord SET received = header_date"))
    with op.batch_alter_table("emailrecord") as batch:
        batch.drop_column("event_kind")
        batch.drop_column("event_date")
        batch.drop_column("answers_draft_id")
        batch.drop_column("header_date")
