"""The fixed table of predicates preconditions and verifications may name. Pure.

A predicate is a yes/no question about the cluster (``scope="cluster"``) or about one node
(``scope="node"``, asked of every node its target resolves to). Those the cluster state snapshot
answers are decided by the planner already (``known_at_plan_time``); the engine asks all of them
again, from live facts, before the run and before every step. A runbook naming an id not in this
table does not load.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from bot.model import Flavor

Scope = Literal["cluster", "node"]
ArgKind = Literal["milliseconds", "path", "unit"]
UNITS: Final = ("corosync", "pve-cluster")
_DIGITS = re.compile(r"0|[1-9][0-9]{0,11}")
_PATH = re.compile(r"/[A-Za-z0-9._/+=@-]*")


@dataclass(frozen=True)
class Predicate:
    id: str
    scope: Scope
    description: str
    """What holds when the answer is yes, in words an operator reads in a plan."""
    how: str
    """How the engine finds out (for docs and reviews)."""
    args: Mapping[str, ArgKind] = field(default_factory=dict)
    flavors: frozenset[Flavor] = frozenset(Flavor)
    known_at_plan_time: bool = False


PREDICATES: Final[Mapping[str, Predicate]] = {
    p.id: p
    for p in (
        Predicate(
            "node_reachable",
            "node",
            "the node answers over SSH with its trusted host key",
            "an SSH connection from the bot's pool",
            known_at_plan_time=True,
        ),
        Predicate(
            "node_quorate",
            "node",
            "the node is in the quorate partition",
            "`corosync-quorumtool -s` on the node: Quorate: Yes",
            known_at_plan_time=True,
        ),
        Predicate(
            "node_not_last_quorate",
            "node",
            "taking the node down still leaves enough quorate votes for quorum",
            "quorate nodes other than this one, counted against the Quorum: line of "
            "`corosync-quorumtool -s`",
            known_at_plan_time=True,
        ),
        Predicate(
            "cluster_quorate",
            "cluster",
            "some partition of the cluster has quorum",
            "`corosync-quorumtool -s` on every reachable node",
            known_at_plan_time=True,
        ),
        Predicate(
            "node_is_member",
            "node",
            "the node is in the membership a quorate node sees",
            "`corosync-quorumtool -s` membership list on a quorate node",
        ),
        Predicate(
            "config_identical",
            "cluster",
            "corosync.conf has the same bytes on every reachable node",
            "sha256 of /etc/corosync/corosync.conf on every reachable node",
        ),
        Predicate(
            "corosync_conf_valid",
            "node",
            "corosync accepts the file at `path` on this node",
            "`corosync -c <path> -t` on the node exits 0",
            args={"path": "path"},
        ),
        Predicate(
            "runtime_token_at_least",
            "node",
            "the running totem token is at least `token_ms` (the effective token, which adds "
            "token_coefficient per node beyond two)",
            "`corosync-cmapctl -g runtime.config.totem.token` on the node",
            args={"token_ms": "milliseconds"},
        ),
        Predicate(
            "service_active",
            "node",
            "the systemd unit `unit` is active on the node",
            "`systemctl is-active <unit>.service` exits 0",
            args={"unit": "unit"},
        ),
        Predicate(
            "service_stopped",
            "node",
            "the systemd unit `unit` is not running on the node",
            "`systemctl is-active <unit>.service` prints inactive or failed",
            args={"unit": "unit"},
        ),
        Predicate(
            "corosync_ports_open",
            "node",
            "no firewall on the node drops or rejects corosync's UDP 5405-5412 from its peers",
            "the diagnostics firewall check (iptables, nftables, Proxmox VE firewall)",
        ),
        Predicate(
            "etc_pve_writable",
            "node",
            "/etc/pve (pmxcfs) is mounted and writable on the node",
            "pmxcfs is mounted on /etc/pve and /etc/pve/.members lists the node as online",
            flavors=frozenset({Flavor.PROXMOX}),
        ),
    )
}


def arg_problem(kind: ArgKind, text: str) -> str | None:
    """Why ``text`` is not a valid value of an argument of this kind, or None."""
    if kind == "milliseconds" and _DIGITS.fullmatch(text) is None:
        return f"{text!r} is not a whole number of milliseconds"
    if kind == "unit" and text not in UNITS:
        return f"{text!r} is not a unit a runbook may name ({', '.join(UNITS)})"
    if kind == "path":
        return path_problem(text)
    return None


def path_problem(text: str) -> str | None:
    """Why ``text`` is not a plain absolute path (no '..', no odd characters), or None."""
    if _PATH.fullmatch(text) is None:
        return f"{text!r} is not an absolute path of letters, digits and ._/+=@-"
    if any(part in {"", ".", ".."} for part in text.split("/")[1:]):
        return f"{text!r} is not a plain path: no '..', '.', '//' or trailing '/'"
    return None
