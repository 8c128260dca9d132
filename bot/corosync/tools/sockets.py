"""UDP sockets as ``ss -uanp`` (or ``-uan``, without the process column) lists them.

Columns are ``State Recv-Q Send-Q Local-Address:Port Peer-Address:Port [Process]``, with a
leading ``Netid`` when more than one protocol is listed. iproute2 6.x glues the header's last two
titles (``Peer Address:PortProcess``) and brackets IPv6 addresses (``[::1]:323``); iproute2 3.x
printed them bare (``:::5405``, ``::1:323``) and the wildcard as ``*``. A socket bound to a
device (``SO_BINDTODEVICE``, or an IPv6 scope) shows ``%iface`` after the address, and a
dual-stack ``[::]`` socket shows as ``*:5405``. Processes are ``users:(("name",pid=N,fd=N),…)``
(``("name",N,N)`` in old iproute2 such as EL6's), empty when ``ss`` runs without root or ``-p``.

knet binds UDP 5405 + link number on the ring address, so "who holds port P" is the question
the diagnosis asks (``SsUdp.owners_of``).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.corosync.unparsed import Unparsed

__all__ = ["SocketProcess", "SsUdp", "UdpSocket", "parse_ss_udp"]

TOOL = "ss -uanp"


class SocketProcess(BaseModel):
    """One ``("name",pid=N,fd=N)`` entry: a process holding the socket."""

    model_config = ConfigDict(frozen=True)

    name: str
    pid: int
    fd: int


class UdpSocket(BaseModel):
    """One row of ``ss -uan[p]``."""

    model_config = ConfigDict(frozen=True)

    state: str
    """``UNCONN`` for a bound socket, ``ESTAB`` for a connected one."""
    recv_q: int
    """Bytes waiting to be read: a growing value means the owner is not keeping up."""
    send_q: int
    local_address: str
    """As printed, without brackets: ``*``, ``0.0.0.0`` and ``::`` are wildcards."""
    local_port: int | None
    """None only for a ``*`` port."""
    local_interface: str | None = None
    peer_address: str
    peer_port: int | None = None
    """None for ``*``: the socket is not connected."""
    processes: tuple[SocketProcess, ...] = ()
    line: str

    @property
    def local_wildcard(self) -> bool:
        """Bound to every address (of its family, or both for a dual-stack ``*``)."""
        return self.local_address in _WILDCARDS


class SsUdp(BaseModel):
    """``ss -uan`` or ``ss -uanp``."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["ss-udp"] = "ss-udp"
    has_process_column: bool
    """The header has a ``Process`` title or a row names processes (``-p``); rows may still
    have none when ``ss`` ran without root."""
    sockets: tuple[UdpSocket, ...] = ()
    unparsed_lines: tuple[str, ...] = ()

    def bound_to(self, port: int) -> tuple[UdpSocket, ...]:
        """Sockets whose local port is ``port``."""
        return tuple(s for s in self.sockets if s.local_port == port)

    def owners_of(self, port: int) -> tuple[str, ...]:
        """Names of the processes holding a socket bound to ``port``, each once."""
        names = (p.name for s in self.bound_to(port) for p in s.processes)
        return tuple(dict.fromkeys(names))

    def ports_of(self, process: str) -> tuple[int, ...]:
        """Local ports of the sockets ``process`` (e.g. ``corosync``) holds, sorted."""
        return tuple(
            sorted(
                {
                    s.local_port
                    for s in self.sockets
                    if s.local_port is not None and any(p.name == process for p in s.processes)
                }
            )
        )


_HEADER = re.compile(r"^(?P<netid>Netid\s+)?State\s+Recv-Q\s+Send-Q\s+Local Address:Port\s+Peer")
# Old iproute2 (EL6's 2.6.32) printed ("name",pid,fd) without the pid= and fd= keywords.
_PROCESS_ENTRY = re.compile(
    r'\("(?P<name>[^"]*)",(?:pid=)?(?P<pid>[0-9]{1,10}),(?:fd=)?(?P<fd>[0-9]{1,10})\)'
)
_USERS = re.compile(r"users:\(\(.*\)\)\s*$")
_QUEUE = re.compile(r"^[0-9]{1,15}$")
_PORT = re.compile(r"^(?:[0-9]{1,5}|\*)$")
# Recognises a socket bound to every address in ss output; nothing here binds anything.
_WILDCARDS = {"*", "0.0.0.0", "::"}  # noqa: S104


def parse_ss_udp(text: str) -> SsUdp | Unparsed:
    """Read ``ss -uan`` / ``ss -uanp``; Unparsed without the column header."""
    lines = text.splitlines()
    header_at = next((i for i, line in enumerate(lines) if _HEADER.match(line)), None)
    if header_at is None:
        return Unparsed(tool=TOOL, reason="no 'State Recv-Q Send-Q …' header", raw=text)
    header = lines[header_at]
    with_netid = header.startswith("Netid")
    sockets: list[UdpSocket] = []
    unparsed = [line for line in lines[:header_at] if line.strip()]
    for line in lines[header_at + 1 :]:
        if not line.strip():
            continue
        row = _row(line, with_netid)
        if row is None:
            unparsed.append(line)
        else:
            sockets.append(row)
    return SsUdp(
        has_process_column="Process" in header or any(s.processes for s in sockets),
        sockets=tuple(sockets),
        unparsed_lines=tuple(unparsed),
    )


def _row(line: str, with_netid: bool) -> UdpSocket | None:
    processes: tuple[SocketProcess, ...] = ()
    body = line
    if users := _USERS.search(line):
        body = line[: users.start()]
        processes = tuple(
            SocketProcess(name=m["name"], pid=int(m["pid"]), fd=int(m["fd"]))
            for m in _PROCESS_ENTRY.finditer(users.group())
        )
    fields = body.split()
    if with_netid and fields:
        fields = fields[1:]
    if len(fields) != 5 or not (_QUEUE.match(fields[1]) and _QUEUE.match(fields[2])):
        return None
    local = _endpoint(fields[3])
    peer = _endpoint(fields[4])
    if local is None or peer is None:
        return None
    return UdpSocket(
        state=fields[0],
        recv_q=int(fields[1]),
        send_q=int(fields[2]),
        local_address=local[0],
        local_port=local[1],
        local_interface=local[2],
        peer_address=peer[0],
        peer_port=peer[1],
        processes=processes,
        line=line,
    )


def _endpoint(text: str) -> tuple[str, int | None, str | None] | None:
    """``addr[%iface]:port`` -> (address without brackets, port or None for ``*``, interface);
    None when it is not an endpoint."""
    address, sep, port = text.rpartition(":")
    if not sep or not _PORT.match(port):
        return None
    interface: str | None = None
    if address.startswith("["):
        closing = address.find("]")
        if closing < 0:
            return None
        rest = address[closing + 1 :]
        address = address[1:closing]
        if rest.startswith("%"):
            interface = rest[1:] or None
        elif rest:
            return None
    elif "%" in address:
        address, _, interface_name = address.partition("%")
        interface = interface_name or None
    if not address:
        return None
    return address, None if port == "*" else int(port), interface
