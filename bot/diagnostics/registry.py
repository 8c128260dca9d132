"""Every check, in one explicit table (no import-time registration). Pure."""

from __future__ import annotations

from typing import Final

from bot.diagnostics.checks import (
    addresses,
    config,
    firewall,
    journal,
    network,
    nic,
    ports,
    quorum,
    reachability,
    time,
    timing,
)
from bot.diagnostics.checks.base import Check
from bot.diagnostics.commands import Probe
from bot.errors import UsageError

CHECKS: Final[tuple[Check, ...]] = (
    Check(
        id=reachability.CHECK_ID,
        description="every node answers over SSH with its trusted host key",
        fn=reachability.check,
    ),
    Check(
        id=quorum.SERVICE,
        description="corosync is active on every node",
        fn=quorum.check_service,
        needs=frozenset({Probe.COROSYNC_ACTIVE}),
    ),
    Check(
        id=quorum.QUORUM,
        description="each node is quorate; votes complete; one more loss would not lose quorum",
        fn=quorum.check_quorum,
        needs=frozenset({Probe.QUORUMTOOL}),
    ),
    Check(
        id=quorum.MEMBERSHIP,
        description="every inventory node is a member and all nodes agree (else: partition)",
        fn=quorum.check_membership,
        needs=frozenset({Probe.QUORUMTOOL}),
    ),
    Check(
        id=journal.CHECK_ID,
        description="corosync's journal: token timeouts, flapping, retransmits, link and MTU "
        "trouble, stalls, decrypt errors, exits",
        fn=journal.check,
        needs=frozenset({Probe.JOURNAL}),
    ),
    Check(
        id=ports.MATRIX,
        description="knet links between every pair of nodes are connected (N x N)",
        fn=ports.check_matrix,
        needs=frozenset({Probe.CFGTOOL_STATUS}),
    ),
    Check(
        id=ports.BOUND,
        description="corosync listens on UDP 5405+link on every node",
        fn=ports.check_bound,
        needs=frozenset({Probe.SS_UDP}),
    ),
    Check(
        id=firewall.FIREWALL,
        description="no firewall (iptables, nftables, Proxmox VE) drops or rejects corosync's "
        "UDP between any two nodes, on any link, either way",
        fn=firewall.check,
        needs=frozenset({Probe.IPTABLES, Probe.NFT, Probe.PVE_CLUSTER_FW, Probe.PVE_HOST_FW}),
    ),
    Check(
        id=addresses.RING_LOCAL,
        description="each ring address is configured on an interface that is up",
        fn=addresses.check_ring_addresses,
        needs=frozenset({Probe.IP_ADDR}),
    ),
    Check(
        id=network.PATHS,
        description="no loss, low latency and jitter between every pair (ping)",
        fn=network.check_paths,
    ),
    Check(
        id=nic.CHECK_ID,
        description="no new error or drop counters on the interfaces corosync uses "
        "(since the last sweep)",
        fn=nic.check,
        needs=frozenset({Probe.IP_LINK_STATS, Probe.IP_ADDR}),
    ),
    Check(
        id=timing.CHECK_ID,
        description="effective token/consensus leave room for measured latency and jitter "
        "(with a proposed token)",
        fn=timing.check,
        needs=frozenset({Probe.LOCAL_CONF, Probe.JOURNAL}),
    ),
    Check(
        id=time.SYNC,
        description="every node's clock is synchronised",
        fn=time.check_sync,
        needs=frozenset({Probe.CHRONY, Probe.TIMEDATECTL}),
    ),
    Check(
        id=time.SKEW,
        description="the nodes' clocks agree with each other",
        fn=time.check_skew,
        needs=frozenset({Probe.CLOCK}),
    ),
    Check(
        id=config.VALID,
        description="each node's corosync.conf parses as corosync parses it and makes sense",
        fn=config.check_valid,
        needs=frozenset({Probe.LOCAL_CONF}),
    ),
    Check(
        id=config.CONSISTENT,
        description="corosync.conf is identical on every node (odd one out shown as a diff)",
        fn=config.check_consistent,
        needs=frozenset({Probe.LOCAL_CONF}),
    ),
    Check(
        id=config.TRANSPORT,
        description="every node uses the same transport and crypto",
        fn=config.check_transport,
        needs=frozenset({Probe.LOCAL_CONF}),
    ),
    Check(
        id=config.PVE_COPY,
        description="Proxmox: /etc/corosync/corosync.conf matches /etc/pve/corosync.conf",
        fn=config.check_pve_copy,
        needs=frozenset({Probe.PVE_CONF, Probe.LOCAL_CONF}),
    ),
)


def select(ids: list[str] | None) -> tuple[Check, ...]:
    """The checks named by ``ids`` (all when None); unknown ids are a UsageError listing them."""
    if not ids:
        return CHECKS
    known = {c.id: c for c in CHECKS}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise UsageError(
            f"unknown check id: {', '.join(unknown)} (see `quorumbot checks` for the list)"
        )
    return tuple(known[i] for i in ids)
