"""Value types shared across quorumbot: nodes, clusters, command results, findings."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class Flavor(StrEnum):
    """Which tools and paths a cluster uses."""

    PROXMOX = "proxmox"  # /etc/pve/corosync.conf is authoritative; pvecm, pve-cluster
    COROSYNC = "corosync"  # /etc/corosync/corosync.conf; plain corosync (and Pacemaker)


class Severity(StrEnum):
    OK = "ok"
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"
    UNKNOWN = "unknown"  # could not tell; never to be read as ok

    @property
    def rank(self) -> int:
        """Order for "worst first": unknown sits between warning and critical."""
        return _RANK[self]


_RANK = {
    Severity.OK: 0,
    Severity.INFO: 1,
    Severity.WARNING: 2,
    Severity.UNKNOWN: 3,
    Severity.CRITICAL: 4,
}


class Node(BaseModel):
    """A cluster node as the inventory knows it, with how to reach it over SSH."""

    model_config = ConfigDict(frozen=True)

    cluster: str
    name: str
    nodeid: int | None = None
    address: str
    """Where SSH connects (an IP or a resolvable name)."""
    ring_addrs: tuple[str, ...] = ()
    """ring0_addr, ring1_addr, ... from corosync.conf, in link order."""
    port: int = Field(default=22, ge=1, le=65535)
    user: str = "root"
    key_path: Path | None = None
    host_key: str | None = None
    """The trusted host key as ``"ssh-ed25519 AAAA..."``; None until someone trusts it."""
    jump: str | None = None
    """An SSH jump host, ``[user@]host[:port]``."""
    jump_host_key: str | None = None
    """The jump host's trusted host key; a node with a jump but none is never contacted."""


class Cluster(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    flavor: Flavor = Flavor.COROSYNC
    nodes: tuple[Node, ...] = ()

    def node(self, name: str) -> Node | None:
        return next((n for n in self.nodes if n.name == name), None)


class CommandResult(BaseModel):
    """A finished remote command: what ran where, how it ended, what it printed."""

    model_config = ConfigDict(frozen=True)

    node: str
    argv: tuple[str, ...]
    exit_status: int
    stdout: str
    stderr: str
    started_at: datetime
    duration_s: float

    @property
    def ok(self) -> bool:
        return self.exit_status == 0


class Finding(BaseModel):
    """One conclusion of a check, in plain language, with the evidence it rests on."""

    model_config = ConfigDict(frozen=True)

    check_id: str
    severity: Severity
    cluster: str
    nodes: tuple[str, ...] = ()
    summary: str
    """One line a tired human can act on."""
    evidence: tuple[str, ...] = ()
    """The exact lines (tool output, log lines) the summary rests on."""
    runbook: str | None = None
    """The runbook that fixes it, if there is one."""


class AuditRecord(BaseModel):
    """What the audit log keeps about one remote command."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    actor: str
    reason: str
    cluster: str
    node: str
    argv: tuple[str, ...]
    exit_status: int | None
    """None when the command never ran or never finished (see ``error``)."""
    error: str | None
    duration_s: float
    stdout_bytes: int
    stderr_bytes: int
