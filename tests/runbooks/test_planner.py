"""The planner resolves targets and values, and refuses ambiguous or unsafe plans with reasons."""

from __future__ import annotations

import pytest

from bot.model import Cluster, Flavor
from bot.runbooks.errors import InvalidParameters, PlanRefused
from bot.runbooks.model import Runbook
from bot.runbooks.plan import ClusterState, Plan
from bot.runbooks.planner import plan_runbook
from tests.runbooks.conftest import PVE3_LEFT, state, three_nodes

PROXMOX = three_nodes(Flavor.PROXMOX)
COROSYNC = three_nodes(Flavor.COROSYNC)


def refusals(
    runbook: Runbook, values: dict[str, str], cluster: Cluster, cluster_state: ClusterState
) -> list[str]:
    with pytest.raises(PlanRefused) as caught:
        plan_runbook(runbook, values, cluster, cluster_state, run_id="r1")
    return caught.value.reasons


def on_failed_node() -> Runbook:
    """A runbook that targets role:failed_node, which no shipped runbook does."""
    return Runbook.model_validate(
        {
            "id": "look",
            "title": "Look at the failed node",
            "description": "Shows the failed node's corosync status.",
            "flavors": ["corosync", "proxmox"],
            "parameters": {"cluster": {"type": "cluster", "help": "c"}},
            "steps": [
                {
                    "id": "status",
                    "title": "Status",
                    "explanation": "What systemd says.",
                    "kind": "check",
                    "target": "role:failed_node",
                    "commands": [["systemctl", "status", "corosync.service"]],
                }
            ],
        }
    )


def test_the_good_config_never_comes_from_the_node_being_repaired(
    shipped: dict[str, Runbook],
) -> None:
    """With pve1 named, role:healthy_quorate_node resolves to pve2, the next healthy node."""
    plan = plan_runbook(
        shipped["repair-corosync-conf"],
        {"cluster": "pve", "node": "pve1"},
        COROSYNC,
        state(),
        run_id="r1",
    )
    assert plan.roles["healthy_quorate_node"] == ("pve2",)


def test_no_healthy_quorate_node_to_copy_from_is_refused(shipped: dict[str, Runbook]) -> None:
    """When only the node being repaired is quorate, there is no good config to take."""
    assert refusals(
        shipped["repair-corosync-conf"],
        {"cluster": "pve", "node": "pve3"},
        PROXMOX,
        state(quorate=("pve3",), failed=("pve1", "pve2")),
    ) == [
        (
            "preconditions[2] node_not_last_quorate: pve3 is the last quorate node (corosync is "
            "stopped on the node, which must not take quorum away from the others)"
        ),
        (
            "role:healthy_quorate_node: no node is reachable, quorate and not failed besides pve3 "
            "(reachable: pve1, pve2, pve3; quorate: pve3)"
        ),
    ]


def test_taking_down_a_node_that_quorum_needs_is_refused(shipped: dict[str, Runbook]) -> None:
    """With pve3 gone, restarting pve1 would leave pve2 alone, below the quorum of 2."""
    assert refusals(
        shipped["rejoin-node"], {"cluster": "pve", "node": "pve1"}, COROSYNC, PVE3_LEFT
    ) == [
        (
            "preconditions[2] node_not_last_quorate: taking pve1 down leaves 1 quorate node(s) "
            "where quorum needs 2 votes (restarting corosync there must not take quorum away from "
            "the other nodes)"
        ),
    ]


def test_the_quorum_line_of_quorumtool_overrides_the_majority(shipped: dict[str, Runbook]) -> None:
    """With quorum_votes 1 (two_node, last_man_standing), one remaining node is enough."""
    relaxed = PVE3_LEFT.model_copy(update={"quorum_votes": 1})
    plan = plan_runbook(
        shipped["rejoin-node"], {"cluster": "pve", "node": "pve1"}, COROSYNC, relaxed, run_id="r1"
    )
    assert plan.preconditions[2].held_at_plan_time


def test_a_cluster_without_quorum_is_refused(shipped: dict[str, Runbook]) -> None:
    """No totem change is planned while no node is quorate."""
    reasons = refusals(
        shipped["raise-totem-timeouts"],
        {"cluster": "pve", "token_ms": "5000"},
        COROSYNC,
        state(quorate=()),
    )
    assert reasons[0] == (
        "preconditions[0] cluster_quorate: no node is quorate: the cluster has no quorum "
        "(never change totem timing on a cluster without quorum)"
    )


def test_a_step_on_an_unreachable_node_is_refused(shipped: dict[str, Runbook]) -> None:
    """Changing every node is refused while pve2 does not answer over SSH, step by step."""
    reasons = refusals(
        shipped["raise-totem-timeouts"],
        {"cluster": "pve", "token_ms": "5000"},
        COROSYNC,
        state(reachable=("pve1", "pve3")),
    )
    assert reasons[0].startswith("preconditions[1] node_reachable: pve2 does not answer over SSH")
    assert "steps[0] token-before runs on pve2, which SSH cannot reach" in reasons
    assert "steps[8] install runs on pve2, which SSH cannot reach" in reasons


@pytest.mark.parametrize(
    ("failed", "reason"),
    [
        ((), "role:failed_node needs exactly one failed node; none has"),
        (
            ("pve2", "pve3"),
            "role:failed_node needs exactly one failed node; 2 have failed (pve2, pve3)",
        ),
    ],
    ids=["none-failed", "two-failed"],
)
def test_role_failed_node_must_be_exactly_one(failed: tuple[str, ...], reason: str) -> None:
    """role:failed_node is refused when no node or several nodes have failed."""
    quorate = tuple(n for n in ("pve1", "pve2", "pve3") if n not in failed)
    cluster_state = state(quorate=quorate, failed=failed)
    assert refusals(on_failed_node(), {"cluster": "pve"}, COROSYNC, cluster_state) == [reason]


def test_role_failed_node_resolves_to_the_failed_node() -> None:
    """With only pve3 failed, the step runs on pve3."""
    plan = plan_runbook(on_failed_node(), {"cluster": "pve"}, COROSYNC, PVE3_LEFT, run_id="r1")
    assert [s.key for s in plan.steps] == ["status@pve3"]


def test_a_runbook_for_another_flavor_is_refused(shipped: dict[str, Runbook]) -> None:
    """A corosync-only runbook is not planned for a Proxmox VE cluster."""
    runbook = shipped["rejoin-node"].model_copy(update={"flavors": (Flavor.COROSYNC,)})
    assert refusals(runbook, {"cluster": "pve", "node": "pve3"}, PROXMOX, PVE3_LEFT) == [
        "it is for corosync clusters; pve is proxmox"
    ]


def test_peers_without_ring_addresses_are_refused(shipped: dict[str, Runbook]) -> None:
    """Firewall rules need each peer's ring addresses; the inventory must have them."""
    assert refusals(
        shipped["open-firewall-ports"],
        {"cluster": "pve", "node": "pve3"},
        three_nodes(Flavor.COROSYNC, ring_addrs=False),
        PVE3_LEFT,
    ) == [
        (
            "accept-peers needs the ring addresses of pve1, and the inventory has none: rediscover "
            "the cluster (quorumbot inventory)"
        ),
        (
            "accept-peers needs the ring addresses of pve2, and the inventory has none: rediscover "
            "the cluster (quorumbot inventory)"
        ),
    ]


def test_a_state_naming_unknown_nodes_is_refused(shipped: dict[str, Runbook]) -> None:
    """A cluster state from another cluster is not silently mixed with this inventory."""
    reasons = refusals(
        shipped["rejoin-node"],
        {"cluster": "pve", "node": "pve3"},
        COROSYNC,
        state(reachable=("pve1", "pve2", "pve3", "other9")),
    )
    assert reasons[0] == (
        "the cluster state names nodes the inventory of pve does not have: other9"
    )


def test_a_state_contradicting_itself_is_refused(shipped: dict[str, Runbook]) -> None:
    """A node cannot be both failed and quorate; such a snapshot is not planned on."""
    reasons = refusals(
        shipped["rejoin-node"],
        {"cluster": "pve", "node": "pve3"},
        COROSYNC,
        state(failed=("pve3",)),
    )
    assert reasons[0] == "the cluster state has pve3 both failed and quorate; sweep again"


def test_parameter_problems_are_listed_together(shipped: dict[str, Runbook]) -> None:
    """Every bad value is reported at once: unknown, missing, out of bounds, wrong cluster."""
    with pytest.raises(InvalidParameters) as caught:
        plan_runbook(
            shipped["raise-totem-timeouts"],
            {"cluster": "prod", "token_ms": "500", "nodes": "pve1"},
            COROSYNC,
            state(),
            run_id="r1",
        )
    assert caught.value.problems == [
        "nodes: no such parameter (it takes: cluster, token_ms)",
        "cluster: this plan is for cluster 'pve', not 'prod'",
        "token_ms: 500 is below the minimum 1000",
    ]
    with pytest.raises(InvalidParameters) as caught:
        plan_runbook(shipped["rejoin-node"], {"cluster": "pve"}, COROSYNC, state(), run_id="r1")
    assert caught.value.problems == ["node: missing; the node that left the membership (node)"]
    with pytest.raises(InvalidParameters) as caught:
        plan_runbook(
            shipped["rejoin-node"],
            {"cluster": "pve", "node": "pve9"},
            COROSYNC,
            state(),
            run_id="r1",
        )
    assert caught.value.problems == [
        "node: 'pve9' is not a node of cluster 'pve' (its nodes: pve1, pve2, pve3)"
    ]


def test_a_plan_round_trips_through_json(shipped: dict[str, Runbook]) -> None:
    """Plans are plain data: what is stored is what is read back."""
    plan = plan_runbook(
        shipped["repair-corosync-conf"],
        {"cluster": "pve", "node": "pve3"},
        PROXMOX,
        PVE3_LEFT,
        run_id="r1",
    )
    assert Plan.model_validate_json(plan.model_dump_json()) == plan


def test_preconditions_the_state_cannot_decide_are_left_to_the_engine(
    shipped: dict[str, Runbook],
) -> None:
    """config_identical needs live facts: it is planned, not marked as held."""
    plan = plan_runbook(
        shipped["rejoin-node"], {"cluster": "pve", "node": "pve3"}, PROXMOX, PVE3_LEFT, run_id="r1"
    )
    held = {c.predicate: c.held_at_plan_time for c in plan.preconditions}
    assert held == {
        "cluster_quorate": True,
        "node_reachable": True,
        "node_not_last_quorate": True,
        "config_identical": False,
    }
