"""Replies fit the situation: what kind of no, in which language, and what to check before sending.

emailrecord.invites_reapply becomes keeps_on_file (kept on file, talent pool or invited to apply
again); emailrecord gains gives_feedback, situation and language; rejectionrecord gains situation
and check_reasons; draftrecord gains asks_feedback (a 0.1 feedback_request draft asked for it).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("emailrecord") as batch:
        batch.alter_column("invites_reapply", new_column_name="keeps_on_file", existing_type=sa.Boolean(), existing_nullable=False)
        batch.add_column(sa.Column("gives_feedback", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("situation", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("language", sa.String(), nullable=False, server_default=""))
    with op.batch_alter_table("rejectionrecord") as batch:
        batch.add_column(sa.Column("situation", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("check_reasons", sa.String(), nullable=False, server_default="[]"))
    with op.batch_alter_table("draftrecord") as batch:
        batch.add_column(sa.Column("asks_feedback", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(sa.text("UPDATE draftrecord SET asks_feedback = :yes WHERE kind = 'feedback_request'").bindparams(yes=True))


def downgrade() -> None:
    with op.batch_alter_table("draftrecord") as batch:
        batch.drop_column("asks_feedback")
    with op.batch_alter_table("rejectionrecord") as batch:
        batch.drop_column("check_reasons")
        batch.drop_column("situation")
    with op.batch_alter_table("emailrecord") as batch:
        batch.drop_column("language")
        batch.drop_column("situation")
        batch.drop_column("gives_feedback")
        batch.alter_column("keeps_on_file", new_column_name="invites_reapply", existing_type=sa.Boolean(), existing_nullable=False)
