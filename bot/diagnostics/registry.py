"""Every check, in one explicit table (no import-time registration). Pure."""

from __future__ import annotations

from typing import Final

from bot.diagnostics.checks import config, reachability
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
