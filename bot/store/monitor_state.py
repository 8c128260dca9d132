"""What the monitor must not forget across restarts: its incidents and each stream's cursor.

Incidents are stored whole as JSON (the monitor's own model decides their shape), beside the
columns needed to find them: open ones per cluster, and one row per incident id, so saving
is an upsert and a restart neither loses nor duplicates one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, String, Table, UniqueConstraint, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.tables import metadata

# migrations/versions/0004_monitor_state.py creates both.
incidents = Table(
    "incidents",
    metadata,
    Column("id", String(255), primary_key=True),
    Column("cluster", String(255), nullable=False, index=True),
    Column("state", String(32), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("data", JSON, nullable=False),
)

journal_cursors = Table(
    "journal_cursors",
    metadata,
    Column("cluster", String(255), nullable=False),
    Column("node", String(255), nullable=False),
    Column("cursor", String(512), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("cluster", "node", name="uq_journal_cursors_cluster_node"),
)


class MonitorStateRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def save_incident(
        self, incident_id: str, cluster: str, state: str, data: Mapping[str, Any]
    ) -> None:
        """Insert or replace the incident with this id."""
        row = {
            "id": incident_id,
            "cluster": cluster,
            "state": state,
            "updated_at": datetime.now(UTC),
            "data": dict(data),
        }
        async with self._engine.begin() as conn:
            statement = _insert(conn.dialect.name, incidents)
            await conn.execute(
                statement.on_conflict_do_update(
                    index_elements=["id"],
                    set_={
                        "state": statement.excluded.state,
                        "updated_at": statement.excluded.updated_at,
                        "data": statement.excluded.data,
                    },
                ),
                row,
            )

    async def unresolved(self, cluster: str) -> list[dict[str, Any]]:
        """Every incident of `cluster` not yet resolved, oldest first."""
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(incidents.c.data)
                .where(incidents.c.cluster == cluster, incidents.c.state != "resolved")
                .order_by(incidents.c.updated_at)
            )
            return [dict(row.data) for row in rows]

    async def incident(self, incident_id: str) -> dict[str, Any] | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(incidents.c.data).where(incidents.c.id == incident_id))
            ).first()
            return dict(row.data) if row else None

    async def cursors(self, cluster: str) -> dict[str, str]:
        """The last journal cursor handed on, per node."""
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(journal_cursors.c.node, journal_cursors.c.cursor).where(
                    journal_cursors.c.cluster == cluster
                )
            )
            return {row.node: row.cursor for row in rows}

    async def save_cursor(self, cluster: str, node: str, cursor: str) -> None:
        row = {"cluster": cluster, "node": node, "cursor": cursor, "at": datetime.now(UTC)}
        async with self._engine.begin() as conn:
            statement = _insert(conn.dialect.name, journal_cursors)
            await conn.execute(
                statement.on_conflict_do_update(
                    index_elements=["cluster", "node"],
                    set_={"cursor": statement.excluded.cursor, "at": statement.excluded.at},
                ),
                row,
            )


def _insert(dialect: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
