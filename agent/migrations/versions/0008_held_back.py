"""Why an email that reads like a rejection was held back (a no only promised, a withdrawal answered, a refusal of something
other than a job): emailrecord gains held_back, so `list --uncertain` and the digest can say so.

Emails recorded before this keep "" (the judgement is not redone); only new ones carry it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("emailrecord") as batch:
        batch.add_column(sa.Column("held_back", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("emailrecord") as batch:
        batch.drop_column("held_back")
