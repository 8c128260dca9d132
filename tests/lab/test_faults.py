"""Each lab fault has its real effect, seen with corosync's own tools, and heal undoes it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.lab.faults import FaultKind, FaultParams
from bot.lab.lab import Lab
from tests.lab.observe import journal_since, quorum_seen_by, run_in, wait_for

pytestmark = pytest.mark.lab

FAULTED = "qbt3"  # node 3 of the session lab
WITNESS = "qbt1"
DETECT_S = 15.0  # the bound for link-down; every fault here shows well within it


def now_for_journal() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def two_members_quorate(lab: Lab) -> None:
    wait_for(
        lambda: quorum_seen_by(lab, WITNESS), lambda q: q == (True, (1, 2)), timeout_s=DETECT_S
    )


def test_link_down_leaves_a_quorate_two_node_membership(healed: Lab) -> None:
    """Taking node 3's link down makes node 1 see a quorate membership of nodes 1 and 2."""
    healed.fault(FAULTED, FaultKind.LINK_DOWN, FaultParams())
    two_members_quorate(healed)


def test_firewall_isolates_the_node_into_a_minority(healed: Lab) -> None:
    """Dropping UDP 5405-5412 on node 3 splits it off: it is alone and not quorate."""
    healed.fault(FAULTED, FaultKind.FIREWALL, FaultParams())
    two_members_quorate(healed)
    wait_for(
        lambda: quorum_seen_by(healed, FAULTED), lambda q: q == (False, (3,)), timeout_s=DETECT_S
    )
    assert "--dport 5405:5412" in run_in(healed, FAULTED, "iptables-save")


def test_corosync_stop_removes_the_node_from_membership(healed: Lab) -> None:
    """Stopping corosync on node 3 leaves nodes 1 and 2, and the unit is inactive."""
    healed.fault(FAULTED, FaultKind.COROSYNC_STOP, FaultParams())
    two_members_quorate(healed)
    assert run_in(healed, FAULTED, "systemctl", "is-active", "corosync").strip() == "inactive"


def test_unparsable_conf_fails_the_config_test_and_the_start(healed: Lab) -> None:
    """A truncated corosync.conf fails `corosync -t` and corosync cannot start on that node."""
    healed.fault(FAULTED, FaultKind.CONF_UNPARSABLE, FaultParams())
    two_members_quorate(healed)
    done = run_in(healed, FAULTED, "sh", "-c", "corosync -t 2>&1; echo rc=$?")
    assert "parser error: /etc/corosync/corosync.conf:" in done
    assert done.rstrip().endswith("rc=8")
    assert run_in(healed, FAULTED, "systemctl", "is-active", "corosync").strip() == "failed"


def test_config_version_drift_is_visible_in_cmap(healed: Lab) -> None:
    """Raising config_version on node 3 alone shows up in every member's runtime.members view."""
    healed.fault(FAULTED, FaultKind.CONFIG_VERSION, FaultParams())

    def versions() -> tuple[str, str]:
        return (
            run_in(healed, WITNESS, "corosync-cmapctl", "-g", "totem.config_version"),
            run_in(healed, WITNESS, "corosync-cmapctl", "-g", "runtime.members.3.config_version"),
        )

    mine, _ = wait_for(versions, lambda v: v[1].strip().endswith("= 11"), timeout_s=DETECT_S)
    assert mine.strip().endswith("= 1")


def test_transport_change_stops_the_node_with_a_parse_error(healed: Lab) -> None:
    """udpu on node 3 alone (with crypto) makes corosync refuse to start there."""
    since = now_for_journal()
    healed.fault(FAULTED, FaultKind.TRANSPORT, FaultParams())
    two_members_quorate(healed)
    log = wait_for(
        lambda: journal_since(healed, FAULTED, since),
        lambda text: "only valid for the Knet transport" in text,
        timeout_s=DETECT_S,
    )
    assert "exiting with status 8" in log


def test_addr_change_leaves_ring0_off_the_interface(healed: Lab) -> None:
    """After its address moves, node 3's ring0_addr is not local and it forms a singleton."""
    healed.fault(FAULTED, FaultKind.ADDR_CHANGE, FaultParams())
    two_members_quorate(healed)
    wait_for(
        lambda: quorum_seen_by(healed, FAULTED), lambda q: q == (False, (3,)), timeout_s=DETECT_S
    )
    ring0 = str(healed.state().spec.node(FAULTED).ring0_addr)
    addresses = json.loads(run_in(healed, FAULTED, "ip", "-j", "addr", "show", "dev", "eth0"))
    local = {a["local"] for link in addresses for a in link["addr_info"]}
    assert ring0 not in local


def test_ntp_unreachable_leaves_the_node_unsynchronised(healed: Lab) -> None:
    """Blocking NTP on node 3 makes chrony report it unsynchronised, while node 1 stays synced."""
    healed.fault(FAULTED, FaultKind.NTP_UNREACHABLE, FaultParams())
    wait_for(
        lambda: run_in(healed, FAULTED, "chronyc", "tracking"),
        lambda text: "Not synchronised" in text,
        timeout_s=DETECT_S,
    )
    synced = wait_for(
        lambda: run_in(healed, WITNESS, "chronyc", "tracking"),
        lambda text: "Leap status     : Normal" in text,
        timeout_s=DETECT_S,
    )
    assert "Not synchronised" not in synced


def test_pause_longer_than_the_token_forces_a_membership_change(healed: Lab) -> None:
    """SIGSTOP of corosync on node 3 beyond the token makes node 1 reform without it."""
    since = now_for_journal()
    healed.fault(FAULTED, FaultKind.PAUSE, FaultParams(pause_ms=4000))
    log = wait_for(
        lambda: journal_since(healed, WITNESS, since),
        lambda text: "Members left: 3" in text,
        timeout_s=DETECT_S,
    )
    assert "A processor failed, forming new configuration" in log


def test_packet_loss_disturbs_the_membership(healed: Lab) -> None:
    """Dropping most corosync packets of node 3 makes node 1 log token trouble about it."""
    since = now_for_journal()
    healed.fault(FAULTED, FaultKind.PACKET_LOSS, FaultParams(percent=60))
    wait_for(
        lambda: journal_since(healed, WITNESS, since),
        lambda text: (
            "Token has not been received" in text
            or "Retransmit List" in text
            or "Members left: 3" in text
        ),
        timeout_s=DETECT_S,
    )
    rules = run_in(healed, FAULTED, "iptables-save")
    assert "--probability 0.6" in rules
