"""``pvecm status`` and ``pvecm nodes`` (Proxmox VE) read into typed values, never raising.

From pve-cluster ``src/PVE/CLI/pvecm.pm``: ``status`` prints a "Cluster information" block with
``printf "%-17s %s\\n"`` (Name, Config Version, Transport, Secure auth, read from
``/etc/pve/corosync.conf`` with defaults ``UNKOWN?`` [sic], ``-1``, ``knet``, ``off``), only when
that file has a totem section, then a blank line, then *execs* ``corosync-quorumtool -siH``; so
the rest of stdout, stderr and the exit status are quorumtool's. ``nodes`` execs
``corosync-quorumtool -l``. On a node outside a cluster ``PVE::Corosync::check_conf_exists``
warns ``Corosync config '/etc/pve/corosync.conf' does not exist - is this node part of a
cluster?`` (some releases prefix ``Error: ``). pve-docs renders the underlines as ``~~~``; the
terminal shows dashes; both are read.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.corosync.tools.quorumtool import (
    CorosyncNotRunning,
    QuorumList,
    QuorumStatus,
    failure,
    parse_quorumtool_list,
    parse_quorumtool_status,
)
from bot.corosync.unparsed import Unparsed

_HEADER = "Cluster information"
_UNDERLINE = re.compile(r"^\s*[-~]{4,}\s*$")
_INFO = re.compile(r"^(?P<label>Name|Config Version|Transport|Secure auth):\s*(?P<value>.*?)\s*$")
_VERSION = re.compile(r"^-?[0-9]{1,20}$", re.ASCII)
_NOT_CLUSTERED = re.compile(
    r"^(?:Error: )?(?P<message>Corosync config '(?P<path>[^']*)' does not exist"
    r" - is this node part of a cluster\?)\s*$",
    re.MULTILINE,
)


class PvecmNotClustered(BaseModel):
    """pvecm found no ``/etc/pve/corosync.conf``: this node is not part of a cluster."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["pvecm-not-clustered"] = "pvecm-not-clustered"
    message: str
    config_path: str


class PvecmClusterInfo(BaseModel):
    """The "Cluster information" block: what ``/etc/pve/corosync.conf`` says, not corosync."""

    model_config = ConfigDict(frozen=True)

    name: str | None = None
    config_version: int | None = None
    """-1 when the file has no ``config_version`` (pvecm's default)."""
    transport: str | None = None
    secure_auth: str | None = None


class PvecmStatus(BaseModel):
    """``pvecm status``: the cluster block, then quorumtool's own result."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["pvecm-status"] = "pvecm-status"
    cluster: PvecmClusterInfo | None
    """None when pvecm printed no block (its corosync.conf has no totem section)."""
    quorum: Annotated[QuorumStatus | CorosyncNotRunning | Unparsed, Field(discriminator="kind")]
    unparsed_lines: tuple[str, ...] = ()
    """Lines of the cluster block that were not read."""


def _not_clustered(stdout: str, stderr: str) -> PvecmNotClustered | None:
    found = _NOT_CLUSTERED.search(stderr) or _NOT_CLUSTERED.search(stdout)
    if found is None:
        return None
    return PvecmNotClustered(message=found["message"], config_path=found["path"])


def _cluster_block(lines: list[str]) -> tuple[PvecmClusterInfo, list[str], int]:
    """The block after its heading: its values, unread lines, and where quorumtool starts."""
    values: dict[str, str] = {}
    unread: list[str] = []
    end = len(lines)
    for number, line in enumerate(lines):
        if line.strip() == "Quorum information":
            end = number
            break
        found = _INFO.match(line)
        if found is not None:
            values.setdefault(found["label"], found["value"])
        elif line.strip() and not _UNDERLINE.match(line):
            unread.append(line)
    version = values.get("Config Version", "")
    info = PvecmClusterInfo(
        name=values.get("Name"),
        config_version=int(version) if _VERSION.match(version) else None,
        transport=values.get("Transport"),
        secure_auth=values.get("Secure auth"),
    )
    return info, unread, end


def parse_pvecm_status(
    stdout: str, stderr: str = "", exit_status: int = 0
) -> PvecmStatus | PvecmNotClustered | Unparsed:
    """Read ``pvecm status`` with its stderr and exit status (quorumtool's: 0, 2 or 1)."""
    tool = "pvecm status"
    not_clustered = _not_clustered(stdout, stderr)
    if not_clustered is not None:
        return not_clustered
    lines = stdout.splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.strip() == _HEADER), None)
    cluster: PvecmClusterInfo | None = None
    unread: list[str] = []
    rest = lines
    if start is not None:
        cluster, unread, end = _cluster_block(lines[start + 1 :])
        unread = [ln for ln in lines[:start] if ln.strip()] + unread
        rest = lines[start + 1 + end :]
    quorum = parse_quorumtool_status("\n".join(rest), stderr, exit_status, tool=tool)
    if cluster is None and isinstance(quorum, Unparsed):
        return failure(tool, stdout, stderr, exit_status, "no 'Cluster information' block")
    return PvecmStatus(cluster=cluster, quorum=quorum, unparsed_lines=tuple(unread))


def parse_pvecm_nodes(
    stdout: str, stderr: str = "", exit_status: int = 0
) -> QuorumList | PvecmNotClustered | CorosyncNotRunning | Unparsed:
    """Read ``pvecm nodes``: quorumtool's membership table, or why there is none."""
    not_clustered = _not_clustered(stdout, stderr)
    if not_clustered is not None:
        return not_clustered
    return parse_quorumtool_list(stdout, stderr, exit_status, tool="pvecm nodes")
