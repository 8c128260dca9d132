"""Shared set-up for runbook tests: the shipped runbooks, a three-node cluster, its state."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.model import Cluster, Flavor, Node
from bot.runbooks.loader import load_runbooks
from bot.runbooks.model import Runbook
from bot.runbooks.plan import ClusterState

RUNBOOK_DIR = Path(__file__).parents[2] / "runbooks"
NODES = ("pve1", "pve2", "pve3")


def three_nodes(flavor: Flavor, ring_addrs: bool = True) -> Cluster:
    """pve1..pve3 on 10.0.0.0/24, with a second knet link on 10.1.0.0/24."""
    return Cluster(
        name="pve",
        flavor=flavor,
        nodes=tuple(
            Node(
                cluster="pve",
                name=name,
                nodeid=i,
                address=f"10.0.0.{i}",
                ring_addrs=(f"10.0.0.{i}", f"10.1.0.{i}") if ring_addrs else (),
            )
            for i, name in enumerate(NODES, start=1)
        ),
    )


def state(
    reachable: tuple[str, ...] = NODES,
    quorate: tuple[str, ...] = NODES,
    failed: tuple[str, ...] = (),
) -> ClusterState:
    return ClusterState(
        reachable=frozenset(reachable), quorate=frozenset(quorate), failed=frozenset(failed)
    )


PVE3_LEFT = state(quorate=("pve1", "pve2"), failed=("pve3",))
"""pve3 left the membership but answers over SSH; pve1 and pve2 keep quorum."""


@pytest.fixture(scope="session")
def shipped() -> dict[str, Runbook]:
    return load_runbooks([RUNBOOK_DIR])


@pytest.fixture(params=list(Flavor), ids=[f.value for f in Flavor])
def cluster(request: pytest.FixtureRequest) -> Cluster:
    flavor: Flavor = request.param
    return three_nodes(flavor)
