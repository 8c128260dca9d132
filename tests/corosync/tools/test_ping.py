"""ping summaries (iputils, busybox, BSD) read into counts, loss, round trip and ICMP errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corosync.tools.ping import PingSummary, parse_ping
from bot.corosync.unparsed import Unparsed

HOST = Path(__file__).parents[2] / "fixtures" / "host"


def ping(path: str) -> PingSummary:
    parsed = parse_ping((HOST / path).read_bytes().decode())
    assert isinstance(parsed, PingSummary), parsed
    return parsed


def test_lab_healthy() -> None:
    """Ten replies from the next node, with iputils' rtt line and elapsed time."""
    assert ping("ping/lab-healthy.txt") == PingSummary(
        variant="iputils",
        destination="198.18.0.11",
        sent=10,
        received=10,
        loss_pct=0.0,
        time_ms=1835,
        rtt_min_ms=0.050,
        rtt_avg_ms=0.076,
        rtt_max_ms=0.217,
        rtt_mdev_ms=0.047,
    )


def test_lab_link_down_all_lost_without_errors() -> None:
    """A peer whose link is down: 100% loss, no rtt line, no ICMP error, nothing unread."""
    parsed = ping("ping/lab-link-down-lost.txt")
    assert (parsed.destination, parsed.sent, parsed.received, parsed.loss_pct) == (
        "198.18.0.13",
        10,
        0,
        100.0,
    )
    assert parsed.all_lost
    assert (parsed.rtt_avg_ms, parsed.errors, parsed.icmp_errors) == (None, 0, ())
    assert parsed.unparsed_lines == ()


def test_lab_link_down_unreachable() -> None:
    """From the node whose link is down: ARP fails, so `Destination Host Unreachable` errors,
    `+4 errors` and a lone `pipe 5` line."""
    parsed = ping("ping/lab-link-down-unreachable.txt")
    assert (parsed.sent, parsed.received, parsed.errors, parsed.loss_pct) == (10, 0, 4, 100.0)
    assert parsed.icmp_errors == ("Destination Host Unreachable",)
    assert parsed.pipe == 5
    assert parsed.time_ms == 1834


def test_localhost() -> None:
    """Three iputils replies on loopback."""
    parsed = ping("ping/localhost.txt")
    assert (parsed.sent, parsed.received, parsed.loss_pct, parsed.time_ms) == (3, 3, 0.0, 406)
    assert (parsed.rtt_min_ms, parsed.rtt_avg_ms, parsed.rtt_max_ms, parsed.rtt_mdev_ms) == (
        0.042,
        0.099,
        0.211,
        0.078,
    )


def test_localhost_quiet() -> None:
    """`ping -q` prints only the header and the summary."""
    parsed = ping("ping/localhost-quiet.txt")
    assert (parsed.received, parsed.rtt_avg_ms, parsed.unparsed_lines) == (3, 0.035, ())


def test_localhost_half_dropped() -> None:
    """Every second echo request dropped: 6 sent, 3 received, 50% loss."""
    parsed = ping("ping/localhost-half-dropped.txt")
    assert (parsed.sent, parsed.received, parsed.loss_pct, parsed.time_ms) == (6, 3, 50.0, 1018)
    assert not parsed.all_lost


def test_localhost_all_dropped() -> None:
    """All echo requests dropped: 100% loss and no rtt line."""
    parsed = ping("ping/localhost-all-dropped.txt")
    assert (parsed.sent, parsed.received, parsed.loss_pct, parsed.time_ms) == (3, 0, 100.0, 405)
    assert parsed.all_lost
    assert parsed.rtt_min_ms is None


def test_localhost_rejected() -> None:
    """Echo requests rejected with host-unreachable: +3 errors and the ICMP text, once."""
    parsed = ping("ping/localhost-rejected.txt")
    assert (parsed.received, parsed.errors, parsed.loss_pct) == (0, 3, 100.0)
    assert parsed.icmp_errors == ("Destination Host Unreachable",)
    assert parsed.pipe is None


def test_busybox() -> None:
    """busybox: `packets received`, no time, `round-trip min/avg/max` without a deviation."""
    parsed = ping("ping/busybox-localhost.txt")
    assert parsed == PingSummary(
        variant="busybox",
        destination="127.0.0.1",
        sent=3,
        received=3,
        loss_pct=0.0,
        rtt_min_ms=0.035,
        rtt_avg_ms=0.060,
        rtt_max_ms=0.081,
    )


def test_busybox_all_dropped() -> None:
    """busybox with every request dropped: 100% loss and no round-trip line."""
    parsed = ping("ping/busybox-localhost-all-dropped.txt")
    assert (parsed.variant, parsed.received, parsed.loss_pct, parsed.rtt_avg_ms) == (
        "busybox",
        0,
        100.0,
        None,
    )


def test_bsd() -> None:
    """BSD/macOS: `Request timeout` lines, a fractional loss and a stddev."""
    parsed = ping("ping/bsd-style.txt")
    assert (parsed.variant, parsed.sent, parsed.received, parsed.loss_pct) == ("bsd", 3, 2, 33.3)
    assert (parsed.rtt_avg_ms, parsed.rtt_mdev_ms) == (0.400, 0.012)
    assert parsed.unparsed_lines == ()


def test_duplicates_and_pipe_on_the_rtt_line() -> None:
    """iputils' `+N duplicates` and `, pipe N` at the end of the rtt line are read."""
    text = (
        "--- 192.0.2.12 ping statistics ---\n"
        "5 packets transmitted, 5 received, +2 duplicates, 0% packet loss, time 4005ms\n"
        "rtt min/avg/max/mdev = 0.1/0.2/0.3/0.05 ms, pipe 2\n"
    )
    parsed = parse_ping(text)
    assert isinstance(parsed, PingSummary)
    assert (parsed.duplicates, parsed.pipe, parsed.rtt_max_ms) == (2, 2, 0.3)


@pytest.mark.parametrize(
    "text",
    [
        "ping: unknown host qbcap9\n",
        "PING 192.0.2.12 (192.0.2.12) 56(84) bytes of data.\n--- 192.0.2.12 ping statistics ---\n",
        "--- x ping statistics ---\n3 packets transmitted, 3 received, 0% packet lost\n",
    ],
)
def test_without_a_summary_is_unparsed(text: str) -> None:
    """No statistics block, a cut-off block, or a summary ping never prints: Unparsed."""
    assert isinstance(parse_ping(text), Unparsed)


def test_loss_is_computed_when_not_printed() -> None:
    """A summary without a loss piece gets the loss from the counts."""
    parsed = parse_ping("--- x ping statistics ---\n4 packets transmitted, 1 received\n")
    assert isinstance(parsed, PingSummary)
    assert parsed.loss_pct == 75.0


def test_fractional_loss_alone_marks_bsd() -> None:
    """Without timeout lines or a stddev, a loss like 33.3% still tells BSD from busybox."""
    text = (
        "--- 192.0.2.12 ping statistics ---\n"
        "3 packets transmitted, 2 packets received, 33.3% packet loss\n"
    )
    parsed = parse_ping(text)
    assert isinstance(parsed, PingSummary)
    assert parsed.variant == "bsd"
