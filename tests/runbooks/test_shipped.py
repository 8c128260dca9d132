"""The runbooks in runbooks/ load, and plan into the commands their procedures prescribe."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.model import Cluster, Flavor
from bot.runbooks.model import Runbook
from bot.runbooks.params import Parameter
from bot.runbooks.plan import Plan, PlannedEdit, PlannedInstall, PlannedRestore
from bot.runbooks.planner import plan_runbook
from tests.runbooks.conftest import PVE3_LEFT, RUNBOOK_DIR, state, three_nodes

SHIPPED = ("open-firewall-ports", "raise-totem-timeouts", "rejoin-node", "repair-corosync-conf")


def sample_value(parameter: Parameter, cluster: Cluster) -> str:
    """A value a chat user could type for ``parameter`` on ``cluster``."""
    if parameter.default is not None:
        return parameter.default
    samples = {"cluster": cluster.name, "node": "pve3", "integer": "1", "choice": "?"}
    samples |= {"milliseconds": parameter.min or "1000", "duration": parameter.min or "1m"}
    return parameter.choices[0] if parameter.type == "choice" else samples[parameter.type]


def commands(plan: Plan, step_id: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(s.node, argv) for s in plan.steps if s.step_id == step_id for argv in s.commands]


def test_the_four_runbooks_are_shipped(shipped: dict[str, Runbook]) -> None:
    """runbooks/ holds exactly the four runbooks of issue 7, each for both flavors."""
    assert sorted(shipped) == list(SHIPPED)
    assert all(set(r.flavors) == set(Flavor) for r in shipped.values())


@pytest.mark.parametrize("path", sorted(RUNBOOK_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_runbook_plans_on_three_nodes(
    path: Path, shipped: dict[str, Runbook], cluster: Cluster
) -> None:
    """Each file in runbooks/ plans for pve1-pve3 with pve3 failed, on either flavor."""
    runbook = shipped[path.stem]
    values = {n: sample_value(p, cluster) for n, p in runbook.parameters.items()}
    healthy = state() if "node" not in values else PVE3_LEFT
    plan = plan_runbook(runbook, values, cluster, healthy, run_id="r1")
    assert plan.steps
    assert all(s.kind == "check" or s.rollback is not None for s in plan.steps)
    assert len({s.key for s in plan.steps}) == len(plan.steps)


def test_rejoin_node_restarts_corosync_on_the_named_node(
    shipped: dict[str, Runbook], cluster: Cluster
) -> None:
    """rejoin-node restarts corosync on pve3 and reads the membership from pve1."""
    plan = plan_runbook(
        shipped["rejoin-node"], {"cluster": "pve", "node": "pve3"}, cluster, PVE3_LEFT, run_id="r1"
    )
    assert commands(plan, "restart-corosync") == [
        ("pve3", ("systemctl", "restart", "corosync.service"))
    ]
    assert commands(plan, "membership-before") == [("pve1", ("corosync-quorumtool", "-s"))]
    restarts_pve_cluster = bool(commands(plan, "restart-pve-cluster"))
    assert restarts_pve_cluster == (cluster.flavor is Flavor.PROXMOX)


def test_repair_on_proxmox_copies_under_pmxcfs_local_mode(shipped: dict[str, Runbook]) -> None:
    """On Proxmox VE the file is installed between `pmxcfs -l` and restarting the services."""
    plan = plan_runbook(
        shipped["repair-corosync-conf"],
        {"cluster": "pve", "node": "pve3"},
        three_nodes(Flavor.PROXMOX),
        PVE3_LEFT,
        run_id="r1",
    )
    order = [s.step_id for s in plan.steps]
    assert order.index("stop-services") < order.index("pmxcfs-local") < order.index("install-pve")
    assert order.index("install-local-pve") < order.index("start-services")
    assert commands(plan, "stop-services") == [
        ("pve3", ("systemctl", "stop", "pve-cluster.service")),
        ("pve3", ("systemctl", "stop", "corosync.service")),
    ]
    assert commands(plan, "pmxcfs-local") == [("pve3", ("pmxcfs", "-l"))]
    install = next(s for s in plan.steps if s.step_id == "install-pve")
    assert install.action == PlannedInstall(
        source_node="pve1",
        source="/etc/pve/corosync.conf",
        dest="/etc/pve/corosync.conf",
        mode="0640",
    )
    assert install.rollback is not None
    assert install.rollback.action == PlannedInstall(
        source_node="pve3",
        source="/var/backups/quorumbot/r1/pve-corosync.conf",
        dest="/etc/pve/corosync.conf",
        mode="0640",
    )
    assert commands(plan, "start-services")[0] == ("pve3", ("killall", "--wait", "pmxcfs"))


def test_repair_on_corosync_takes_the_file_from_a_healthy_node(
    shipped: dict[str, Runbook],
) -> None:
    """On plain corosync the node gets pve1's /etc/corosync/corosync.conf, then restarts."""
    plan = plan_runbook(
        shipped["repair-corosync-conf"],
        {"cluster": "pve", "node": "pve3"},
        three_nodes(Flavor.COROSYNC),
        PVE3_LEFT,
        run_id="r1",
    )
    assert [s.step_id for s in plan.steps if s.kind == "change"] == [
        "backup-local",
        "install-local",
        "restart-corosync",
    ]
    install = next(s for s in plan.steps if s.step_id == "install-local")
    assert isinstance(install.action, PlannedInstall)
    assert (install.action.source_node, install.node) == ("pve1", "pve3")
    assert plan.roles == {"healthy_quorate_node": ("pve1",)}


def test_raise_totem_on_proxmox_edits_a_copy_and_moves_it(shipped: dict[str, Runbook]) -> None:
    """On Proxmox VE: edit /etc/pve/corosync.conf.new, validate it, mv it, restore on failure."""
    plan = plan_runbook(
        shipped["raise-totem-timeouts"],
        {"cluster": "pve", "token_ms": "5s"},
        three_nodes(Flavor.PROXMOX),
        state(),
        run_id="r1",
    )
    edit = next(s for s in plan.steps if s.step_id == "edit-copy-pve")
    assert edit.action == PlannedEdit(
        source="/etc/pve/corosync.conf",
        output="/etc/pve/corosync.conf.new",
        set_totem={"token": "5000"},
        bump_config_version=True,
    )
    assert commands(plan, "validate-copy-pve") == [
        ("pve1", ("corosync", "-c", "/etc/pve/corosync.conf.new", "-t"))
    ]
    install = next(s for s in plan.steps if s.step_id == "install-pve")
    assert install.commands == (("mv", "/etc/pve/corosync.conf.new", "/etc/pve/corosync.conf"),)
    assert install.rollback is not None
    assert install.rollback.action == PlannedRestore(
        backup="/var/backups/quorumbot/r1/pve-corosync.conf", path="/etc/pve/corosync.conf"
    )
    reload = next(s for s in plan.steps if s.step_id == "reload")
    assert reload.verify is not None
    assert reload.verify.nodes == ("pve1", "pve2", "pve3")
    assert reload.verify.args == {"token_ms": "5000"}


def test_raise_totem_on_corosync_installs_on_every_node(shipped: dict[str, Runbook]) -> None:
    """On plain corosync the copy made on pve1 is backed up for and installed on all three."""
    plan = plan_runbook(
        shipped["raise-totem-timeouts"],
        {"cluster": "pve", "token_ms": "5000"},
        three_nodes(Flavor.COROSYNC),
        state(),
        run_id="r1",
    )
    installs = [s for s in plan.steps if s.step_id == "install"]
    assert [s.node for s in installs] == ["pve1", "pve2", "pve3"]
    assert all(
        isinstance(s.action, PlannedInstall) and s.action.source_node == "pve1" for s in installs
    )
    assert installs[0].rollback is not None
    assert installs[0].rollback.commands == (("corosync-cfgtool", "-R"),)
    assert commands(plan, "reload") == [("pve1", ("corosync-cfgtool", "-R"))]


def test_open_firewall_ports_accepts_each_peer_ring_address(
    shipped: dict[str, Runbook], cluster: Cluster
) -> None:
    """One iptables rule per ring address of pve1 and pve2, each deleted again on rollback."""
    plan = plan_runbook(
        shipped["open-firewall-ports"],
        {"cluster": "pve", "node": "pve3"},
        cluster,
        PVE3_LEFT,
        run_id="r7",
    )
    step = next(s for s in plan.steps if s.step_id == "accept-peers")
    sources = [argv[argv.index("-s") + 1] for argv in step.commands]
    assert sources == ["10.0.0.1", "10.1.0.1", "10.0.0.2", "10.1.0.2"]
    assert step.commands[0] == (
        "iptables", "-I", "INPUT", "-p", "udp", "-s", "10.0.0.1", "--dport", "5405:5412",
        "-m", "comment", "--comment", "quorumbot r7: corosync from pve1", "-j", "ACCEPT",
    )  # fmt: skip
    assert step.rollback is not None
    assert [argv[1] for argv in step.rollback.commands] == ["-D"] * 4
    assert [a[2:] for a in step.rollback.commands] == [a[2:] for a in step.commands]
