"""The NIC counters each sweep read, per node and interface, so the next sweep can tell growth.

Only the latest reading per (cluster, node, interface) is kept: a sweep compares with the one
before it. Cluster and node are names, as in the audit log, so a sweep of a cluster that is not
(or no longer) in the inventory still works.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import JSON, Column, DateTime, Integer, String, Table, UniqueConstraint, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.tables import metadata

# Lives here rather than in tables.py so that this repository is one self-contained module;
# migrations/versions/0002_nic_counters.py creates it.
nic_counters = Table(
    "nic_counters",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("cluster", String(255), nullable=False),
    Column("node", String(255), nullable=False),
    Column("interface", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("counters", JSON, nullable=False),
    UniqueConstraint("cluster", "node", "interface", name="uq_nic_counters_cluster_node_interface"),
)


@dataclass(frozen=True)
class SavedCounters:
    """One interface's counters as read at ``at``."""

    at: datetime
    counters: dict[str, int]


class CounterRepo:
    """The latest NIC counters of every node's interfaces."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def previous(self, cluster: str, node: str) -> dict[str, SavedCounters]:
        """The node's saved counters by interface; empty when no sweep saved any."""
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(nic_counters.c.interface, nic_counters.c.at, nic_counters.c.counters).where(
                    nic_counters.c.cluster == cluster, nic_counters.c.node == node
                )
            )
            return {
                row.interface: SavedCounters(
                    _utc(row.at), {str(k): int(v) for k, v in row.counters.items()}
                )
                for row in rows
            }

    async def save(
        self, cluster: str, node: str, at: datetime, interfaces: Mapping[str, Mapping[str, int]]
    ) -> None:
        """Replace the saved counters of each interface given; other interfaces keep theirs."""
        if not interfaces:
            return
        rows = [
            {
                "cluster": cluster,
                "node": node,
                "interface": name,
                "at": at.astimezone(UTC),  # SQLite keeps no zone: store every time as UTC
                "counters": dict(values),
            }
            for name, values in interfaces.items()
        ]
        async with self._engine.begin() as conn:
            await conn.execute(_upsert(conn.dialect.name), rows)


def _upsert(dialect: str) -> postgresql.Insert | sqlite.Insert:
    """INSERT … ON CONFLICT DO UPDATE, so two sweeps saving at once cannot collide."""
    if dialect == "postgresql":
        statement: postgresql.Insert | sqlite.Insert = postgresql.insert(nic_counters)
    else:
        statement = sqlite.insert(nic_counters)
    return statement.on_conflict_do_update(
        index_elements=["cluster", "node", "interface"],
        set_={"at": statement.excluded.at, "counters": statement.excluded.counters},
    )


def _utc(at: datetime) -> datetime:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)
