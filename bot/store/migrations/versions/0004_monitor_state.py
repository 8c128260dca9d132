"""The monitor's incidents and journal cursors (bot.store.monitor_state).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("cluster", sa.String(255), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_index("ix_incidents_cluster", "incidents", ["cluster"])
    op.create_table(
        "journal_cursors",
        sa.Column("cluster", sa.String(255), nullable=False),
        sa.Column("node", sa.String(255), nullable=False),
        sa.Column("cursor", sa.String(512), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("cluster", "node", name="uq_journal_cursors_cluster_node"),
    )


def downgrade() -> None:
    op.drop_table("journal_cursors")
    op.drop_index("ix_incidents_cluster", "incidents")
    op.drop_table("incidents")
