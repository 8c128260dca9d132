"""No firewall drops or rejects corosync's UDP between any two nodes, on any link, either way.

Each node's firewall listings (bot.diagnostics.firewall_listings) are judged for every corosync
link, every peer and both directions by bot.corosync.tools.firewall. Peers that meet the same
verdict are named together in one finding; a verdict that depends on something not known is
"unknown" and says what, never ok.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.corosync.tools.firewall import corosync_link_verdicts, corosync_port
from bot.corosync.tools.firewall_verdict import PortVerdict
from bot.diagnostics.checks.base import could_not_tell, finding
from bot.diagnostics.facts import ClusterFacts, NodeFacts
from bot.diagnostics.firewall_listings import FirewallListing, FirewallView, firewall_view
from bot.diagnostics.views import CannotTell, address_view, interface_of
from bot.model import Finding, Severity

FIREWALL = "ports.firewall"
RUNBOOK = "open-firewall-ports"
# Losing one corosync packet in twenty already means retransmits and token timeouts.
RANDOM_CRITICAL = 0.05


def check(facts: ClusterFacts) -> Iterator[Finding]:
    """Every node's firewall lets corosync from and to every peer through, on every link."""
    clear: list[str] = []
    read: list[str] = []
    for node in facts.reachable():
        name = node.node.name
        view = firewall_view(node, facts.cluster.flavor)
        for cannot in view.unreadable:
            yield could_not_tell(FIREWALL, facts, node, cannot)
        if not view.listings:
            if not view.unreadable:
                absent = f" ({'; '.join(view.not_there)})" if view.not_there else ""
                yield finding(
                    FIREWALL,
                    facts,
                    Severity.UNKNOWN,
                    f"could not tell on {name}: no firewall listing could be read{absent}",
                    nodes=[name],
                )
            continue
        if not node.node.ring_addrs:
            yield finding(
                FIREWALL,
                facts,
                Severity.UNKNOWN,
                f"could not tell on {name}: the inventory has no corosync address for it "
                "(run `quorumbot inventory refresh`)",
                nodes=[name],
            )
            continue
        problems = list(_judge(facts, node, view))
        yield from problems
        if not problems and not view.unreadable:
            clear.append(name)
            read.append(_what_was_read(name, view))
    if clear:
        yield finding(
            FIREWALL,
            facts,
            Severity.OK,
            f"no firewall rule blocks corosync's UDP to or from any peer on {', '.join(clear)}",
            evidence=read,
        )


def _judge(facts: ClusterFacts, node: NodeFacts, view: FirewallView) -> Iterator[Finding]:
    """Findings for every (listing, link, direction, verdict) that is not a plain accept."""
    name = node.node.name
    addresses = address_view(node)
    for link, local in enumerate(node.node.ring_addrs):
        interface = None if isinstance(addresses, CannotTell) else interface_of(addresses, local)
        peers = [
            (p.name, p.ring_addrs[link])
            for p in facts.cluster.nodes
            if p.name != name and len(p.ring_addrs) > link
        ]
        port = corosync_port(link)
        for listing in view.listings:
            grouped: dict[tuple[str, PortVerdict], list[str]] = {}
            for peer, peer_address in peers:
                verdicts = corosync_link_verdicts(
                    listing.ruleset,
                    kind=listing.kind,
                    local_address=local,
                    peer_address=peer_address,
                    link=link,
                    interface=interface.name if interface else None,
                    host_fw=listing.host_fw,
                )
                for toward, verdict in (("from", verdicts.inbound), ("to", verdicts.outbound)):
                    if verdict.action != "accept":
                        grouped.setdefault((toward, verdict), []).append(peer)
            for (toward, verdict), names in grouped.items():
                where = f"UDP {port} (link {link}) {toward} {', '.join(names)}"
                yield _finding(facts, name, listing, where, verdict)


def _finding(
    facts: ClusterFacts, name: str, listing: FirewallListing, where: str, verdict: PortVerdict
) -> Finding:
    evidence = [verdict.rule] if verdict.rule else []
    if verdict.action == "unknown":
        return finding(
            FIREWALL,
            facts,
            Severity.UNKNOWN,
            f"could not tell whether {name}'s firewall lets corosync's {where} through "
            f"({listing.source}): {verdict.reason}",
            nodes=[name],
            evidence=evidence,
        )
    if verdict.rule is None or not verdict.reason.endswith(verdict.rule):
        # The reason says more than "dropped by RULE": e.g. that established flows still pass.
        evidence.append(f"{listing.source}: {verdict.reason}")
    done = "dropped" if verdict.action == "drop" else "rejected"
    if verdict.probability is not None:
        severity = Severity.CRITICAL if verdict.probability >= RANDOM_CRITICAL else Severity.WARNING
        drops = "drops" if verdict.action == "drop" else "rejects"
        summary = (
            f"{name}'s firewall {drops} {verdict.probability:.0%} of corosync's {where} at random "
            f"({listing.source}): retransmits, token timeouts, flapping"
        )
    else:
        severity = Severity.CRITICAL
        summary = f"{name}'s firewall blocks corosync: {where} is {done} ({listing.source})"
    return finding(
        FIREWALL, facts, severity, summary, nodes=[name], evidence=evidence, runbook=RUNBOOK
    )


def _what_was_read(name: str, view: FirewallView) -> str:
    return f"{name}: " + "; ".join(
        [*(f"{listing.source} read" for listing in view.listings), *view.not_there]
    )
