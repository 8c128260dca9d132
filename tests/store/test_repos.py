"""The inventory and audit repositories on a real SQLite file with the real migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import InventoryError, UnknownCluster, UnknownNode
from bot.model import AuditRecord, Cluster, Flavor, Node
from bot.store.database import current_revision, upgrade
from bot.store.repos import AuditRepo, InventoryRepo


def cluster(name: str = "pve", nodes: int = 3) -> Cluster:
    return Cluster(
        name=name,
        flavor=Flavor.PROXMOX,
        nodes=tuple(
            Node(
                cluster=name,
                name=f"n{i}",
                nodeid=i,
                address=f"198.18.0.{10 + i}",
                ring_addrs=(f"198.18.0.{10 + i}", f"198.18.1.{10 + i}"),
                key_path=Path("/root/.ssh/id_ed25519"),
                host_key=None,
            )
            for i in range(1, nodes + 1)
        ),
    )


async def test_migrations_are_idempotent(engine: AsyncEngine) -> None:
    """Upgrading an up-to-date database changes nothing and stays at the head revision."""
    await upgrade(engine)
    assert await current_revision(engine) == "0004"


async def test_a_cluster_round_trips_with_its_nodes(engine: AsyncEngine) -> None:
    """What is added is what is read back, node fields and link order included."""
    repo = InventoryRepo(engine)
    await repo.add(cluster())
    assert await repo.get("pve") == cluster()
    assert await repo.names() == ["pve"]


async def test_a_jump_host_and_its_trusted_key_round_trip(engine: AsyncEngine) -> None:
    """A node reached through a jump host keeps the jump and the jump's trusted key."""
    repo = InventoryRepo(engine)
    jumping = cluster().model_copy(
        update={
            "nodes": tuple(
                n.model_copy(
                    update={"jump": "root@198.18.0.1:2222", "jump_host_key": "ssh-ed25519 AAAAjump"}
                )
                for n in cluster().nodes
            )
        }
    )
    await repo.add(jumping)
    assert await repo.get("pve") == jumping


async def test_adding_a_cluster_twice_is_refused_and_changes_nothing(engine: AsyncEngine) -> None:
    """A duplicate name is an InventoryError and the first cluster stays as it was."""
    repo = InventoryRepo(engine)
    await repo.add(cluster())
    with pytest.raises(InventoryError, match="already in the inventory"):
        await repo.add(cluster(nodes=1))
    assert len((await repo.get("pve")).nodes) == 3


async def test_unknown_names_list_what_exists(engine: AsyncEngine) -> None:
    """Unknown clusters and nodes are errors naming the known ones."""
    repo = InventoryRepo(engine)
    await repo.add(cluster())
    with pytest.raises(UnknownCluster, match="known clusters: pve"):
        await repo.get("nope")
    with pytest.raises(UnknownNode, match="its nodes: n1, n2, n3"):
        await repo.node("pve", "n9")


async def test_replace_and_remove(engine: AsyncEngine) -> None:
    """replace swaps the node list; remove deletes the cluster and its nodes."""
    repo = InventoryRepo(engine)
    await repo.add(cluster())
    await repo.replace(cluster(nodes=2))
    assert [n.name for n in (await repo.get("pve")).nodes] == ["n1", "n2"]
    await repo.remove("pve")
    assert await repo.names() == []
    with pytest.raises(UnknownCluster):
        await repo.remove("pve")


async def test_trusting_a_host_key_is_persisted(engine: AsyncEngine) -> None:
    """set_host_key records the key on that node only."""
    repo = InventoryRepo(engine)
    await repo.add(cluster())
    await repo.set_host_key("pve", "n2", "ssh-ed25519 AAAAC3Nza")
    nodes = {n.name: n.host_key for n in (await repo.get("pve")).nodes}
    assert nodes == {"n1": None, "n2": "ssh-ed25519 AAAAC3Nza", "n3": None}


async def test_audit_records_round_trip_newest_first(engine: AsyncEngine) -> None:
    """Audit entries come back intact, newest first."""
    repo = AuditRepo(engine)
    entries = [
        AuditRecord(
            at=datetime(2026, 11, 25, 7, 0, i, tzinfo=UTC),
            actor="U123",
            reason="diagnose",
            cluster="pve",
            node="n1",
            argv=("corosync-quorumtool", "-s"),
            exit_status=i,
            error=None,
            duration_s=0.01,
            stdout_bytes=10,
            stderr_bytes=0,
        )
        for i in range(3)
    ]
    for entry in entries:
        await repo.record(entry)
    assert await repo.recent() == entries[::-1]
    assert await repo.count() == 3
