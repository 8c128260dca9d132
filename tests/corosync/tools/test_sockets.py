"""ss -uan / -uanp read into sockets, in the iproute2 6.x and 3.x layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corosync.tools.sockets import SocketProcess, SsUdp, UdpSocket, parse_ss_udp
from bot.corosync.unparsed import Unparsed

HOST = Path(__file__).parents[2] / "fixtures" / "host"
HEADER = "State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess"
ANY4 = "0.0.0.0"  # noqa: S104  # the wildcard address as ss prints it; nothing is bound


def read(path: str) -> str:
    return (HOST / path).read_bytes().decode()


def ss(text: str) -> SsUdp:
    parsed = parse_ss_udp(text)
    assert isinstance(parsed, SsUdp), parsed
    return parsed


def endpoints(parsed: SsUdp) -> list[tuple[str, str, int | None, str | None, str, int | None]]:
    return [
        (
            s.state,
            s.local_address,
            s.local_port,
            s.local_interface,
            s.peer_address,
            s.peer_port,
        )
        for s in parsed.sockets
    ]


def test_lab_healthy() -> None:
    """corosync holds UDP 5405 on the ring address; chronyd its command port on loopback."""
    parsed = ss(read("ss/lab-healthy-uanp.txt"))
    assert endpoints(parsed) == [
        ("UNCONN", "127.0.0.1", 323, None, ANY4, None),
        ("UNCONN", "198.18.0.13", 5405, None, ANY4, None),
        ("UNCONN", "::1", 323, None, "::", None),
    ]
    assert parsed.sockets[1].processes == (SocketProcess(name="corosync", pid=32, fd=28),)
    assert parsed.owners_of(5405) == ("corosync",)
    assert parsed.ports_of("corosync") == (5405,)
    assert parsed.ports_of("chronyd") == (323,)
    assert parsed.unparsed_lines == ()


def test_lab_ntp_unreachable_shows_the_ntp_flow() -> None:
    """chronyd's connected socket to the NTP server is ESTAB with a peer port."""
    parsed = ss(read("ss/lab-ntp-unreachable-uanp.txt"))
    assert endpoints(parsed)[2] == ("ESTAB", "198.18.0.103", 42834, None, "198.18.0.1", 123)
    assert parsed.owners_of(123) == ()
    assert parsed.ports_of("chronyd") == (323, 42834)


def test_netns_every_address_form() -> None:
    """Bare, %iface, bracketed IPv6, link-local with scope, dual-stack `*` and `[::]`."""
    parsed = ss(read("ss/netns-uan.txt"))
    assert endpoints(parsed) == [
        ("UNCONN", "192.0.2.11", 5405, None, ANY4, None),
        ("UNCONN", "192.0.2.21", 5406, None, ANY4, None),
        ("UNCONN", ANY4, 5409, None, ANY4, None),
        ("UNCONN", ANY4, 5410, "qbeth0", ANY4, None),
        ("ESTAB", "192.0.2.11", 40000, None, "192.0.2.21", 5405),
        ("UNCONN", "2001:db8::11", 5405, None, "::", None),
        ("UNCONN", "*", 5407, None, "*", None),
        ("UNCONN", "::", 5408, None, "::", None),
        ("UNCONN", "fe80::3830:59ff:fe8a:b194", 5411, "qbeth0", "::", None),
    ]
    assert [s.local_wildcard for s in parsed.sockets] == [
        False,
        False,
        True,
        True,
        False,
        False,
        True,
        True,
        False,
    ]
    assert all(s.processes == () for s in parsed.sockets)


def test_netns_without_p_still_has_the_process_title() -> None:
    """iproute2 6.x prints the Process title even without -p: the rows name no process."""
    parsed = ss(read("ss/netns-uan.txt"))
    assert parsed.has_process_column
    assert parsed.owners_of(5405) == ()


def test_netns_with_p_names_both_holders_of_a_socket() -> None:
    """A socket shared by a parent and its child lists both processes, in ss's order."""
    parsed = ss(read("ss/netns-uanp.txt"))
    assert [len(s.processes) for s in parsed.sockets] == [2] * 9
    assert parsed.sockets[0].processes == (
        SocketProcess(name="qbtest-child", pid=14348, fd=3),
        SocketProcess(name="qbtest-bind", pid=14306, fd=3),
    )
    assert parsed.owners_of(5405) == ("qbtest-child", "qbtest-bind")
    assert parsed.ports_of("qbtest-bind") == (
        5405,
        5406,
        5407,
        5408,
        5409,
        5410,
        5411,
        40000,
    )
    assert [s.local_port for s in parsed.bound_to(5405)] == [5405, 5405]


def test_iproute2_3_10_layout() -> None:
    """iproute2 3.x: `:::5405` and `::1:323` without brackets, `*` for IPv4 wildcards, a
    queue that has grown on link 1."""
    parsed = ss(read("ss/iproute2-3.10-style-uanp.txt"))
    assert endpoints(parsed) == [
        ("UNCONN", "192.0.2.11", 5405, None, "*", None),
        ("UNCONN", "*", 111, None, "*", None),
        ("UNCONN", "::", 5405, None, "::", None),
        ("UNCONN", "::1", 323, None, "::", None),
        ("UNCONN", "192.0.2.11", 5406, None, "*", None),
    ]
    assert parsed.sockets[4].recv_q == 213760
    assert parsed.has_process_column
    assert parsed.ports_of("corosync") == (5405, 5406)


def test_old_process_entries_without_keywords() -> None:
    """Old iproute2 (EL6) wrote ("name",pid,fd) without pid= and fd=."""
    text = f'{HEADER}\nUNCONN 0 0 192.0.2.11:5405 *:* users:(("corosync",1187,13))\n'
    assert ss(text).sockets[0].processes == (SocketProcess(name="corosync", pid=1187, fd=13),)


def test_netid_column() -> None:
    """With a leading Netid column (ss -an listing several protocols) the first field is
    skipped."""
    text = (
        "Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port\n"
        "udp   UNCONN 0      0      192.0.2.11:5405    0.0.0.0:*\n"
    )
    socket = ss(text).sockets[0]
    assert (socket.state, socket.local_address, socket.local_port) == (
        "UNCONN",
        "192.0.2.11",
        5405,
    )


@pytest.mark.parametrize(
    "row",
    [
        "UNCONN 0 0 192.0.2.11 *:*",
        "UNCONN x 0 192.0.2.11:5405 *:*",
        "UNCONN 0 0 [2001:db8::1:5405 *:*",
        "UNCONN 0 0 [2001:db8::1]x:5405 *:*",
        "UNCONN 0 0 192.0.2.11:99999999 *:*",
    ],
)
def test_rows_that_are_not_sockets_are_unparsed(row: str) -> None:
    """A row without a port, a queue that is not a number, a broken bracket or an absurd
    port is kept as an unparsed line."""
    parsed = ss(f"{HEADER}\n{row}\n")
    assert parsed.sockets == ()
    assert parsed.unparsed_lines == (row,)


def test_without_header_is_unparsed() -> None:
    """Output without the column header (ss missing, an error) is Unparsed."""
    assert isinstance(parse_ss_udp("bash: ss: command not found\n"), Unparsed)


def test_socket_line_is_kept() -> None:
    """Each socket keeps its line as printed, for a human."""
    text = read("ss/lab-healthy-uanp.txt")
    socket: UdpSocket = ss(text).sockets[1]
    assert socket.line == text.splitlines()[2]
