"""`list --uncertain` says which two labels the classifier hesitated between: emailrecord gains runner_up.

Emails recorded before this keep "" (the judgement is not redone); only new ones carry it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("emailrecord") as batch:
        batch.add_column(sa.Column("runner_up", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("emailrecord") as batch:
        batch.drop_column("runner_up")
