"""The receipt handle of the message a running job was claimed for, so any worker's sweep can make a
dead worker's message visible again at once (SQS ChangeMessageVisibility, or the database queue).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("layouts") as batch:
        batch.add_column(sa.Column("receipt_handle", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("layouts") as batch:
        batch.drop_column("receipt_handle")
