"""corosync.conf on every node: parseable, valid, identical, same transport; Proxmox's two copies.

Pure: judges the file contents collected from each node.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from bot.corosync.conf import ConfDocument, ConfParseError, parse_conf
from bot.corosync.conf_edit import unified_diff
from bot.corosync.conf_model import CorosyncConf
from bot.corosync.validate import validate
from bot.diagnostics.checks.base import finding
from bot.diagnostics.commands import LOCAL_CONF, PVE_CONF, Probe
from bot.diagnostics.facts import ClusterFacts, NodeFacts, Reach
from bot.model import Finding, Flavor, Severity

VALID = "conf.valid"
CONSISTENT = "conf.consistent"
TRANSPORT = "conf.transport"
PVE_COPY = "conf.pve-copy"
RUNBOOK = "repair-corosync-conf"
DIFF_LINES = 30


@dataclass(frozen=True)
class NodeConf:
    """One node's authoritative corosync.conf, read and (if possible) parsed."""

    node: str
    text: str
    parsed: ConfDocument | ConfParseError
    path: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:12]

    @property
    def typed(self) -> CorosyncConf | None:
        if isinstance(self.parsed, ConfParseError):
            return None
        return CorosyncConf.from_document(self.parsed)

    @property
    def version(self) -> int | None:
        typed = self.typed
        return None if typed is None else typed.totem.config_version


def authoritative_probe(facts: ClusterFacts) -> tuple[Probe, str]:
    """Which copy corosync on this flavor treats as the truth (pvecm.adoc: /etc/pve wins)."""
    if facts.cluster.flavor is Flavor.PROXMOX:
        return Probe.PVE_CONF, PVE_CONF
    return Probe.LOCAL_CONF, LOCAL_CONF


def _local(node: NodeFacts) -> NodeConf | None:
    """The copy corosync itself reads at start: /etc/corosync/corosync.conf."""
    result = node.results.get(Probe.LOCAL_CONF)
    if result is None or not result.ok:
        return None
    return NodeConf(node.node.name, result.stdout, parse_conf(result.stdout), LOCAL_CONF)


def _unreadable(check_id: str, facts: ClusterFacts, probe: Probe) -> Iterator[Finding]:
    """One "unknown" finding naming every node whose file we could not read, and why."""
    missing = [
        n
        for n in facts.nodes.values()
        if n.reach is not Reach.OK or probe not in n.results or not n.results[probe].ok
    ]
    if missing:
        why = []
        for n in missing:
            result = n.results.get(probe)
            if result is not None and not result.ok:
                why.append(
                    f"{n.node.name}: {result.stderr.strip() or f'exit {result.exit_status}'}"
                )
            else:
                why.append(n.why_missing(probe))
        yield finding(
            check_id,
            facts,
            Severity.UNKNOWN,
            f"could not read corosync.conf on {', '.join(n.node.name for n in missing)}",
            nodes=[n.node.name for n in missing],
            evidence=why,
        )


def check_valid(facts: ClusterFacts) -> Iterator[Finding]:
    """Each node's local corosync.conf parses the way corosync parses it, and makes sense."""
    yield from _unreadable(VALID, facts, Probe.LOCAL_CONF)
    clean = []
    for node in facts.reachable():
        conf = _local(node)
        if conf is None:
            continue
        if isinstance(conf.parsed, ConfParseError):
            yield finding(
                VALID,
                facts,
                Severity.CRITICAL,
                f"corosync.conf on {conf.node} cannot be parsed: corosync will not start with it",
                nodes=[conf.node],
                evidence=[conf.parsed.corosync_style(LOCAL_CONF)],
                runbook=RUNBOOK,
            )
            continue
        problems = [p for p in validate(conf.parsed) if p.severity is not Severity.OK]
        for problem in problems:
            where = f" (line {problem.line})" if problem.line else ""
            yield finding(
                VALID,
                facts,
                problem.severity,
                f"corosync.conf on {conf.node}: {problem.message}{where}",
                nodes=[conf.node],
                evidence=[problem.corosync_error] if problem.corosync_error else [],
                runbook=RUNBOOK if problem.severity is Severity.CRITICAL else None,
            )
        if not problems:
            clean.append(conf.node)
    if clean:
        yield finding(VALID, facts, Severity.OK, f"corosync.conf is valid on {', '.join(clean)}")


def check_consistent(facts: ClusterFacts) -> Iterator[Finding]:
    """Every node has the same corosync.conf; the odd one out is named, with its diff."""
    confs = [c for c in (_local(n) for n in facts.reachable()) if c is not None]
    if len(confs) < 2:
        return
    groups = Counter(c.digest for c in confs)
    if len(groups) == 1:
        only = confs[0]
        yield finding(
            CONSISTENT,
            facts,
            Severity.OK,
            f"corosync.conf is identical on {len(confs)} nodes "
            f"(config_version {only.version}, sha256 {only.digest})",
        )
        return
    majority_digest, majority_count = groups.most_common(1)[0]
    if list(groups.values()).count(majority_count) > 1:
        # No majority: saying which copy is "odd" would be a guess. Show every side.
        yield finding(
            CONSISTENT,
            facts,
            Severity.CRITICAL,
            "corosync.conf differs between nodes and no copy is held by a majority",
            nodes=sorted(c.node for c in confs),
            evidence=[f"{c.node}: config_version {c.version}, sha256 {c.digest}" for c in confs],
            runbook=RUNBOOK,
        )
        return
    reference = next(c for c in confs if c.digest == majority_digest)
    for conf in confs:
        if conf.digest == reference.digest:
            continue
        versions = f"config_version {conf.version} here, {reference.version} on {reference.node}"
        diff = changed_lines(unified_diff(reference.text, conf.text, LOCAL_CONF))
        yield finding(
            CONSISTENT,
            facts,
            Severity.CRITICAL,
            f"corosync.conf on {conf.node} differs from {reference.node}'s ({versions})",
            nodes=[conf.node],
            evidence=diff[:DIFF_LINES] + (["…"] if len(diff) > DIFF_LINES else []),
            runbook=RUNBOOK,
        )


def changed_lines(diff: str) -> list[str]:
    """The removed and added lines of a unified diff: what a human needs first at 3 a.m."""
    return [
        line
        for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def check_transport(facts: ClusterFacts) -> Iterator[Finding]:
    """All nodes agree on transport and crypto; a mix never forms one membership."""
    seen: dict[str, list[str]] = {}
    for node in facts.reachable():
        conf = _local(node)
        typed = conf.typed if conf else None
        if typed is None:
            continue
        totem = typed.totem
        crypto = f"{totem.raw.get('crypto_cipher', '-')}/{totem.raw.get('crypto_hash', '-')}"
        if totem.raw.get("secauth") == "on":
            crypto += " secauth"
        key = f"transport {totem.effective_transport}, crypto {crypto}"
        seen.setdefault(key, []).append(node.node.name)
    if len(seen) > 1:
        evidence = [f"{', '.join(sorted(nodes))}: {key}" for key, nodes in sorted(seen.items())]
        sizes = sorted((len(nodes) for nodes in seen.values()), reverse=True)
        if sizes[0] == sizes[1]:
            odd = sorted(n for nodes in seen.values() for n in nodes)
            what = "nodes disagree on transport or crypto (no majority)"
        else:
            majority = max(seen.values(), key=len)
            odd = sorted(n for nodes in seen.values() if nodes is not majority for n in nodes)
            what = f"{', '.join(odd)} use another transport or crypto than the rest"
        yield finding(
            TRANSPORT,
            facts,
            Severity.CRITICAL,
            f"{what}: they cannot form one membership",
            nodes=odd,
            evidence=evidence,
            runbook=RUNBOOK,
        )
    elif seen:
        (key,) = seen
        yield finding(TRANSPORT, facts, Severity.OK, f"all nodes use {key}")


def check_pve_copy(facts: ClusterFacts) -> Iterator[Finding]:
    """On Proxmox, /etc/corosync/corosync.conf matches /etc/pve/corosync.conf on each node."""
    if facts.cluster.flavor is not Flavor.PROXMOX:
        return
    yield from _unreadable(PVE_COPY, facts, Probe.PVE_CONF)
    for node in facts.reachable():
        pve, local = node.results.get(Probe.PVE_CONF), _local(node)
        if pve is None or not pve.ok or local is None:
            continue
        if pve.stdout == local.text:
            continue
        parsed = parse_conf(pve.stdout)
        pve_version = (
            CorosyncConf.from_document(parsed).totem.config_version
            if isinstance(parsed, ConfDocument)
            else None
        )
        # pmxcfs copies /etc/pve -> /etc/corosync only when the pve version is not lower
        # (pve-cluster dcdb.c "local corosync.conf is newer").
        if pve_version is not None and local.version is not None and local.version > pve_version:
            why = "the local copy is NEWER, so pmxcfs will not overwrite it"
        else:
            why = "pmxcfs has not synced it yet (is pve-cluster running?)"
        yield finding(
            PVE_COPY,
            facts,
            Severity.WARNING,
            f"on {node.node.name}, /etc/corosync/corosync.conf (config_version {local.version}) "
            f"differs from /etc/pve/corosync.conf ({pve_version}): {why}",
            nodes=[node.node.name],
            evidence=unified_diff(pve.stdout, local.text, "corosync.conf").splitlines()[
                :DIFF_LINES
            ],
            runbook=RUNBOOK,
        )
