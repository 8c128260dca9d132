"""Repositories: typed reads and writes of our value types; no SQL leaves this package."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import InventoryError, UnknownCluster, UnknownNode
from bot.model import AuditRecord, Cluster, Flavor, Node
from bot.store.tables import audit_log, clusters, nodes


class InventoryRepo:
    """Clusters and their nodes."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def names(self) -> list[str]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(select(clusters.c.name).order_by(clusters.c.name))
            return [r[0] for r in rows]

    async def all(self) -> list[Cluster]:
        return [await self.get(name) for name in await self.names()]

    async def get(self, name: str) -> Cluster:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(clusters).where(clusters.c.name == name))).first()
            if row is None:
                raise UnknownCluster(name, await self.names())
            node_rows = await conn.execute(
                select(nodes).where(nodes.c.cluster_id == row.id).order_by(nodes.c.name)
            )
            members = tuple(_node(name, r._mapping) for r in node_rows)
        return Cluster(name=row.name, flavor=Flavor(row.flavor), nodes=members)

    async def node(self, cluster: str, name: str) -> Node:
        found = (await self.get(cluster)).node(name)
        if found is None:
            raise UnknownNode(cluster, name, [n.name for n in (await self.get(cluster)).nodes])
        return found

    async def add(self, cluster: Cluster) -> None:
        """Add a new cluster with its nodes in one transaction; an existing name is an error."""
        async with self._engine.begin() as conn:
            try:
                result = await conn.execute(
                    insert(clusters).values(
                        name=cluster.name, flavor=cluster.flavor.value, created_at=datetime.now(UTC)
                    )
                )
            except IntegrityError:
                raise InventoryError(
                    f"cluster {cluster.name!r} is already in the inventory "
                    "(use `inventory refresh` to re-read it, or `inventory remove` first)"
                ) from None
            cluster_id = int(result.inserted_primary_key[0])  # type: ignore[index]  # set by insert
            if cluster.nodes:
                await conn.execute(insert(nodes), [_row(cluster_id, n) for n in cluster.nodes])

    async def replace(self, cluster: Cluster) -> None:
        """Replace a cluster's nodes and flavor (refresh, import over an existing cluster)."""
        async with self._engine.begin() as conn:
            cluster_id = await _cluster_id(conn, cluster.name)
            await conn.execute(
                update(clusters).where(clusters.c.id == cluster_id).values(flavor=cluster.flavor)
            )
            await conn.execute(delete(nodes).where(nodes.c.cluster_id == cluster_id))
            if cluster.nodes:
                await conn.execute(insert(nodes), [_row(cluster_id, n) for n in cluster.nodes])

    async def remove(self, name: str) -> None:
        async with self._engine.begin() as conn:
            cluster_id = await _cluster_id(conn, name)
            await conn.execute(delete(nodes).where(nodes.c.cluster_id == cluster_id))
            await conn.execute(delete(clusters).where(clusters.c.id == cluster_id))

    async def set_host_key(self, cluster: str, node: str, host_key: str | None) -> None:
        async with self._engine.begin() as conn:
            cluster_id = await _cluster_id(conn, cluster)
            done = await conn.execute(
                update(nodes)
                .where(nodes.c.cluster_id == cluster_id, nodes.c.name == node)
                .values(host_key=host_key)
            )
            if done.rowcount == 0:
                raise UnknownNode(cluster, node, [])


class AuditRepo:
    """The append-only log of every remote command."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def record(self, entry: AuditRecord) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(insert(audit_log).values(**entry.model_dump(mode="python")))

    async def recent(self, limit: int = 100) -> list[AuditRecord]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
            )
            return [_audit(r._mapping) for r in rows]

    async def count(self) -> int:
        async with self._engine.connect() as conn:
            return int(
                (await conn.execute(select(func.count()).select_from(audit_log))).scalar_one()
            )


async def _cluster_id(conn: Any, name: str) -> int:
    row = (await conn.execute(select(clusters.c.id).where(clusters.c.name == name))).first()
    if row is None:
        names = [r[0] for r in await conn.execute(select(clusters.c.name))]
        raise UnknownCluster(name, names)
    return int(row[0])


def _row(cluster_id: int, node: Node) -> dict[str, Any]:
    return {
        "cluster_id": cluster_id,
        "name": node.name,
        "nodeid": node.nodeid,
        "address": node.address,
        "port": node.port,
        "user": node.user,
        "key_path": str(node.key_path) if node.key_path else None,
        "host_key": node.host_key,
        "jump": node.jump,
        "jump_host_key": node.jump_host_key,
        "ring_addrs": list(node.ring_addrs),
    }


def _node(cluster: str, row: RowMapping) -> Node:
    return Node(
        cluster=cluster,
        name=row["name"],
        nodeid=row["nodeid"],
        address=row["address"],
        port=row["port"],
        user=row["user"],
        key_path=Path(row["key_path"]) if row["key_path"] else None,
        host_key=row["host_key"],
        jump=row["jump"],
        jump_host_key=row["jump_host_key"],
        ring_addrs=tuple(row["ring_addrs"]),
    )


def _audit(row: RowMapping) -> AuditRecord:
    at: datetime = row["at"]
    return AuditRecord(
        at=at if at.tzinfo else at.replace(tzinfo=UTC),
        actor=row["actor"],
        reason=row["reason"],
        cluster=row["cluster"],
        node=row["node"],
        argv=tuple(row["argv"]),
        exit_status=row["exit_status"],
        error=row["error"],
        duration_s=row["duration_s"],
        stdout_bytes=row["stdout_bytes"],
        stderr_bytes=row["stderr_bytes"],
    )
