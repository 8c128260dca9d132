"""NIC counters of the last sweep, per node and interface (bot.store.counters).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nic_counters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cluster", sa.String(255), nullable=False),
        sa.Column("node", sa.String(255), nullable=False),
        sa.Column("interface", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counters", sa.JSON, nullable=False),
        sa.UniqueConstraint(
            "cluster", "node", "interface", name="uq_nic_counters_cluster_node_interface"
        ),
    )


def downgrade() -> None:
    op.drop_table("nic_counters")
