"""``corosync-cfgtool -s`` (and ``-s -b``) in every 3.x layout, read into one shape.

The link status layout changed five times in ``tools/corosync-cfgtool.c``:

========================  =====================================================================
layout                    what the tool printed
========================  =====================================================================
``3.0.0-3.0.1``           ``Printing link status.``; ``\\t\\tnode %d:\\tlink enabled:%d\\tlink
                          connected:%d`` where %d is the *position* in nodeid order, not a nodeid
``3.0.2-3.0.3``           the same with ``nodeid %2d:`` (corosync PR #431)
``3.0.4-3.1.0``           ``nodeid %2d:\\t`` + localhost | connected | disconnected [`` (not
                          enabled)``] | knet error | config error (PR #530, #540)
``3.1.1-3.1.4``           ``Local node ID %u, transport %s``; ``LINK ID %d``; ``nodeid: %3d:``
``3.1.5+``                ``LINK ID %d %s`` with the link's knet transport (``udp``), and
                          ``""`` for udp/udpu clusters, so the line ends in a blank; nodeids
                          right-aligned in 10 columns by 3.1.7 (``CS_PRI_NODE_ID_PADDED``)
========================  =====================================================================

``-b`` prints ``\\tstatus\\t= n33``: one character per node in nodeid order, ``n`` for this node,
a digit ``enabled | connected << 1``, ``?`` knet error, ``d`` config error (man
corosync-cfgtool.8). Before 3.0.4 the local node had a digit like any other. 3.0.x printed the
transport's raw text instead of per-node lines when it was ``OK`` or held ``FAULTY`` (udp/udpu),
and corosync 2.x printed ``Printing ring status.`` / ``RING ID %d`` / ``id = ``.

Before 3.1.1 the exit status was 1 on some faults (a ``FAULTY`` ring status; in 3.0.4–3.1.0 any
node neither localhost nor connected, PR #546); since 3.1.1 it is 0 unless the API failed, so
faults are read from the text, never from the exit status. From 3.1.1 the tool lists only the links enabled
towards one other node, so a link that is down everywhere may be missing (corosync #643).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.corosync.tools.quorumtool import CorosyncNotRunning, api_unavailable, failure
from bot.corosync.unparsed import Unparsed

CfgtoolLayout = Literal[
    "2.x",
    "3.0.0-3.0.1",
    "3.0.2-3.0.3",
    "3.0.4-3.1.0",
    "3.0.x",
    "3.1.1-3.1.4",
    "3.1.5+",
    "3.1.x",
]
"""The corosync versions whose printf formats the output matches; ``3.0.x`` and ``3.1.x`` when
the text does not narrow it down (e.g. only ``-b`` lines)."""

LinkState = Literal["localhost", "connected", "disconnected", "knet_error", "config_error"]


class NodeLinkStatus(BaseModel):
    """How one link reaches one node."""

    model_config = ConfigDict(frozen=True)

    state: LinkState
    enabled: bool | None = None
    """False only when the tool said so (``(not enabled)``, ``link enabled:0``, brief digit)."""

    @property
    def ok(self) -> bool:
        return self.state in ("localhost", "connected") and self.enabled is not False


class CfgtoolLink(BaseModel):
    """One ``LINK ID`` (or 2.x ``RING ID``) block."""

    model_config = ConfigDict(frozen=True)

    link_id: int
    transport: str | None = None
    """The knet link transport (``udp``, ``sctp``), printed since 3.1.5; None otherwise."""
    addr: str | None = None
    nodes: dict[int, NodeLinkStatus] = {}
    """By nodeid. Empty for 3.0.0–3.0.1, which printed positions: see ``by_position``."""
    by_position: tuple[NodeLinkStatus, ...] = ()
    """By position in nodeid order: ``-b`` characters, or 3.0.0–3.0.1 ``node %d`` lines."""
    brief: str | None = None
    """The ``-b`` status text as printed, e.g. ``n33``."""
    ring_status: str | None = None
    """udp/udpu text in 3.0.x (``OK``) and 2.x (``ring 0 active with no faults``)."""

    def resolve(self, nodeids: Iterable[int]) -> dict[int, NodeLinkStatus]:
        """Statuses by nodeid, mapping ``by_position`` onto the cluster's nodeids if needed.

        ``nodeids`` is the nodelist (e.g. from cmap); positions follow nodeid order, so a
        mismatch in count means the lists differ and nothing is guessed.
        """
        if self.nodes:
            return dict(self.nodes)
        ordered = sorted(set(nodeids))
        if len(ordered) != len(self.by_position):
            return {}
        return dict(zip(ordered, self.by_position, strict=True))

    @property
    def faulty(self) -> bool:
        """Any node not reached, or a ring status with ``FAULTY``."""
        states = (*self.nodes.values(), *self.by_position)
        return any(not s.ok for s in states) or "FAULTY" in (self.ring_status or "")


class CfgtoolStatus(BaseModel):
    """``corosync-cfgtool -s`` of any 3.x version (and 2.x), normalised."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["cfgtool-status"] = "cfgtool-status"
    layout: CfgtoolLayout
    local_nodeid: int | None = None
    transport: str | None = None
    """``knet``, ``udp`` or ``udpu`` from the 3.1.1+ header; None before."""
    links: tuple[CfgtoolLink, ...] = ()
    exit_status: int = 0
    unparsed_lines: tuple[str, ...] = ()

    def faults(self) -> tuple[tuple[int, int, NodeLinkStatus], ...]:
        """(link id, nodeid, status) for every node a link does not reach."""
        return tuple(
            (link.link_id, nodeid, status)
            for link in self.links
            for nodeid, status in sorted(link.nodes.items())
            if not status.ok
        )


# 3.0 printed this to stdout, 3.1 to stderr; "%d" is a cs_error_t (2 = CS_ERR_LIBRARY).
_NOT_RUNNING = re.compile(
    r"^(?P<message>Could not initialize corosync (?:configuration|cmap) API error "
    r"(?P<error>\w+))\s*$",
    re.MULTILINE | re.ASCII,
)
_HEADER_OLD = re.compile(r"^Printing (?P<what>link|ring) status\.\s*$")
_LOCAL = re.compile(
    r"^Local node ID (?P<nodeid>[0-9]{1,10})(?:, transport (?P<transport>\S+))?\s*$", re.ASCII
)
# "LINK ID %d %s" (3.1.5+) leaves a blank before an empty transport: keep the raw tail.
_LINK = re.compile(r"^(?P<what>LINK|RING) ID (?P<id>[0-9]{1,3})(?P<tail> \S*)?\s*$", re.ASCII)
_ADDR = re.compile(r"^\s+(?:addr|id)\s+= (?P<addr>.*?)\s*$")
_STATUS_OPEN = re.compile(r"^\s+status:\s*$")
_STATUS_TEXT = re.compile(r"^\s+status\s+= (?P<text>.*?)\s*$")
_BRIEF = re.compile(r"^[0-9n?d]+$")
_BITS = re.compile(
    r"^\s+(?P<word>node|nodeid)\s+(?P<n>[0-9]{1,10}):\s*"
    r"link enabled:(?P<enabled>[01])\s*link connected:(?P<connected>[01])\s*$",
    re.ASCII,
)
_WORDS = re.compile(
    r"^\s+nodeid(?P<colon>:)?\s+(?P<nodeid>[0-9]{1,10}):\s*"
    r"(?P<state>localhost|connected|disconnected|knet error|config error)"
    r"(?P<not_enabled> \(not enabled\))?\s*$",
    re.ASCII,
)
_WORD_STATE: dict[str, LinkState] = {
    "localhost": "localhost",
    "connected": "connected",
    "disconnected": "disconnected",
    "knet error": "knet_error",
    "config error": "config_error",
}


def expected_cfgtool_layout(version: tuple[int, ...]) -> CfgtoolLayout:
    """The ``-s`` layout a corosync version prints, for checking what a node sent."""
    if version < (3,):
        return "2.x"
    for upper, layout in _LAYOUT_BY_VERSION:
        if version[:3] <= upper:
            return layout
    return "3.1.5+"


_LAYOUT_BY_VERSION: tuple[tuple[tuple[int, ...], CfgtoolLayout], ...] = (
    ((3, 0, 1), "3.0.0-3.0.1"),
    ((3, 0, 3), "3.0.2-3.0.3"),
    ((3, 1, 0), "3.0.4-3.1.0"),
    ((3, 1, 4), "3.1.1-3.1.4"),
)


def _brief_state(char: str) -> NodeLinkStatus:
    if char == "n":
        return NodeLinkStatus(state="localhost")
    if char in "?d":
        return NodeLinkStatus(state="knet_error" if char == "?" else "config_error")
    bits = int(char)
    return NodeLinkStatus(state="connected" if bits & 2 else "disconnected", enabled=bool(bits & 1))


class _Link:
    """A link block while it is being read."""

    def __init__(self, link_id: int, transport: str | None) -> None:
        self.link_id = link_id
        self.transport = transport
        self.addr: str | None = None
        self.nodes: dict[int, NodeLinkStatus] = {}
        self.by_position: list[NodeLinkStatus] = []
        self.brief: str | None = None
        self.ring_status: str | None = None
        self.in_status = False

    def freeze(self) -> CfgtoolLink:
        return CfgtoolLink(
            link_id=self.link_id,
            transport=self.transport,
            addr=self.addr,
            nodes=self.nodes,
            by_position=tuple(self.by_position),
            brief=self.brief,
            ring_status=self.ring_status,
        )


class _Evidence:
    """What the lines said about the version, turned into a layout at the end."""

    def __init__(self) -> None:
        self.ring = False
        self.transport_header = False
        self.link_lines = 0
        self.link_transport = False
        self.positions = False
        self.bit_nodeids = False
        self.words = False
        self.brief_n = False

    def layout(self) -> CfgtoolLayout:
        if self.ring:
            return "2.x"
        if self.transport_header:
            if self.link_transport:
                return "3.1.5+"
            return "3.1.1-3.1.4" if self.link_lines else "3.1.x"
        if self.positions:
            return "3.0.0-3.0.1"
        if self.bit_nodeids:
            return "3.0.2-3.0.3"
        # 'n' for this node arrived with the word layout (PR #530, 3.0.4).
        return "3.0.4-3.1.0" if self.words or self.brief_n else "3.0.x"


def parse_cfgtool_status(
    text: str, stderr: str = "", exit_status: int = 0
) -> CfgtoolStatus | CorosyncNotRunning | Unparsed:
    """Read ``corosync-cfgtool -s`` or ``-s -b`` output of any corosync 2.x/3.x."""
    tool = "corosync-cfgtool -s"
    seen = _Evidence()
    local_nodeid: int | None = None
    transport: str | None = None
    links: list[_Link] = []
    unread: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        current = links[-1] if links else None
        if (header := _HEADER_OLD.match(line)) is not None:
            seen.ring = seen.ring or header["what"] == "ring"
        elif (local := _LOCAL.match(line)) is not None:
            local_nodeid = int(local["nodeid"])
            if local["transport"] is not None:
                seen.transport_header, transport = True, local["transport"]
        elif (link := _LINK.match(line)) is not None:
            tail = link["tail"]
            seen.link_lines += 1
            seen.link_transport = seen.link_transport or tail is not None
            seen.ring = seen.ring or link["what"] == "RING"
            links.append(_Link(int(link["id"]), (tail.strip() or None) if tail else None))
        elif current is None or not _read_link_line(line, current, seen, local_nodeid):
            unread.append(line)
    if not links and local_nodeid is None:
        return api_unavailable(tool, _NOT_RUNNING, text, stderr, exit_status) or failure(
            tool, text, stderr, exit_status, "no 'Local node ID' or 'LINK ID' line"
        )
    return CfgtoolStatus(
        layout=seen.layout(),
        local_nodeid=local_nodeid,
        transport=transport,
        links=tuple(link.freeze() for link in links),
        exit_status=exit_status,
        unparsed_lines=tuple(unread),
    )


def _read_link_line(line: str, link: _Link, seen: _Evidence, local_nodeid: int | None) -> bool:
    """Fold one line into the link being read; False when it is not a link line."""
    if (addr := _ADDR.match(line)) is not None and link.addr is None:
        link.addr = addr["addr"]
        return True
    if _STATUS_OPEN.match(line):
        link.in_status = True
        return True
    if (status := _STATUS_TEXT.match(line)) is not None:
        if _BRIEF.match(status["text"]):
            link.brief = status["text"]
            link.by_position = [_brief_state(c) for c in status["text"]]
            seen.brief_n = seen.brief_n or "n" in status["text"]
        else:
            link.ring_status = status["text"]
        return True
    if not link.in_status:
        return False
    if (bits := _BITS.match(line)) is not None:
        connected = bits["connected"] == "1"
        node = NodeLinkStatus(
            state="connected" if connected else "disconnected", enabled=bits["enabled"] == "1"
        )
        if bits["word"] == "node":
            seen.positions = True
            link.by_position.append(node)
            return True
        seen.bit_nodeids = True
        nodeid = int(bits["n"])
        # Before PR #530 the local node's bits were meaningless (link 1 showed enabled:0).
        link.nodes[nodeid] = NodeLinkStatus(state="localhost") if nodeid == local_nodeid else node
        return True
    if (words := _WORDS.match(line)) is not None:
        seen.words = seen.words or words["colon"] is None
        enabled = False if words["not_enabled"] else None
        link.nodes[int(words["nodeid"])] = NodeLinkStatus(
            state=_WORD_STATE[words["state"]], enabled=enabled
        )
        return True
    return False


class CfgtoolNodeLink(BaseModel):
    """One ``LINK:`` line under a node in ``corosync-cfgtool -n``."""

    model_config = ConfigDict(frozen=True)

    link_id: int
    transport: str | None = None
    """The knet link transport, printed since 3.1.5."""
    src: str | None = None
    dst: str | None = None
    addresses: str
    """The text in parentheses: ``src->dst`` for knet; udp/udpu print both without ``->``."""
    enabled: bool
    connected: bool
    dynconnected: bool = False
    mtu: int | None = None


class CfgtoolNode(BaseModel):
    """One reachable peer in ``corosync-cfgtool -n`` (unreachable peers are not printed)."""

    model_config = ConfigDict(frozen=True)

    nodeid: int
    remote: bool = False
    external: bool = False
    onwire: tuple[int, int, int] | None = None
    """knet on-wire protocol (min, max, current), printed by builds with HAVE_KNET_ONWIRE_VER."""
    links: tuple[CfgtoolNodeLink, ...] = ()


class CfgtoolNodes(BaseModel):
    """``corosync-cfgtool -n`` (corosync 3.1.1+)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["cfgtool-nodes"] = "cfgtool-nodes"
    layout: Literal["3.1.1-3.1.4", "3.1.5+", "3.1.x"]
    local_nodeid: int | None = None
    transport: str | None = None
    nodes: tuple[CfgtoolNode, ...] = ()
    exit_status: int = 0
    unparsed_lines: tuple[str, ...] = ()

    def reachable(self) -> tuple[int, ...]:
        return tuple(sorted(n.nodeid for n in self.nodes))


# nodestatusget_do() in tools/corosync-cfgtool.c (3.1.1+).
_PEER = re.compile(
    r"^nodeid: (?P<nodeid>[0-9]{1,10}) reachable(?P<flags>(?: remote| external)*)"
    r"(?:\s+onwire \(min/max/cur\): (?P<min>-?[0-9]{1,5}), (?P<max>-?[0-9]{1,5}), "
    r"(?P<cur>-?[0-9]{1,5}))?\s*$",
    re.ASCII,
)
# "   LINK: %d %s" + " (%s%s%s)": the %s transport is "" for udp/udpu, leaving two blanks.
_PEER_LINK = re.compile(
    r"^\s+LINK: (?P<id>[0-9]{1,3}) (?P<transport>[^\s(]* )?\((?P<addrs>[^)]*)\)"
    r"(?P<flags>(?: enabled| connected| dynconnected)*)(?: mtu: (?P<mtu>[0-9]{1,10}))?\s*$",
    re.ASCII,
)


def parse_cfgtool_nodes(
    text: str, stderr: str = "", exit_status: int = 0
) -> CfgtoolNodes | CorosyncNotRunning | Unparsed:
    """Read ``corosync-cfgtool -n``: the peers this node reaches and over which links."""
    tool = "corosync-cfgtool -n"
    local_nodeid: int | None = None
    transport: str | None = None
    peers: list[tuple[CfgtoolNode, list[CfgtoolNodeLink]]] = []
    unread: list[str] = []
    link_transport_seen = False
    for line in text.splitlines():
        if not line.strip():
            continue
        if (local := _LOCAL.match(line)) is not None:
            local_nodeid, transport = int(local["nodeid"]), local["transport"]
        elif (peer := _PEER.match(line)) is not None:
            onwire = (int(peer["min"]), int(peer["max"]), int(peer["cur"])) if peer["min"] else None
            node = CfgtoolNode(
                nodeid=int(peer["nodeid"]),
                remote=" remote" in peer["flags"],
                external=" external" in peer["flags"],
                onwire=onwire,
            )
            peers.append((node, []))
        elif (link := _PEER_LINK.match(line)) is not None and peers:
            link_transport_seen = link_transport_seen or link["transport"] is not None
            peers[-1][1].append(_peer_link(link))
        else:
            unread.append(line)
    if local_nodeid is None and not peers:
        return api_unavailable(tool, _NOT_RUNNING, text, stderr, exit_status) or failure(
            tool, text, stderr, exit_status, "no 'Local node ID' or 'nodeid: N reachable' line"
        )
    has_links = any(links for _, links in peers)
    return CfgtoolNodes(
        layout="3.1.5+" if link_transport_seen else "3.1.1-3.1.4" if has_links else "3.1.x",
        local_nodeid=local_nodeid,
        transport=transport,
        nodes=tuple(node.model_copy(update={"links": tuple(links)}) for node, links in peers),
        exit_status=exit_status,
        unparsed_lines=tuple(unread),
    )


def _peer_link(found: re.Match[str]) -> CfgtoolNodeLink:
    src, arrow, dst = found["addrs"].partition("->")
    flags = found["flags"].split()
    return CfgtoolNodeLink(
        link_id=int(found["id"]),
        transport=(found["transport"] or "").strip() or None,
        src=src if arrow else None,
        dst=dst if arrow else None,
        addresses=found["addrs"],
        enabled="enabled" in flags,
        connected="connected" in flags,
        dynconnected="dynconnected" in flags,
        mtu=int(found["mtu"]) if found["mtu"] else None,
    )
