"""chronyc tracking (text and -c CSV) and timedatectl show read into typed values."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.corosync.tools.timesync import (
    ChronyTracking,
    TimedatectlShow,
    parse_chronyc_tracking,
    parse_timedatectl_show,
)
from bot.corosync.unparsed import Unparsed

HOST = Path(__file__).parents[2] / "fixtures" / "host"


def read(path: str) -> str:
    return (HOST / path).read_bytes().decode()


def tracking(path: str) -> ChronyTracking:
    parsed = parse_chronyc_tracking(read(path))
    assert isinstance(parsed, ChronyTracking), parsed
    return parsed


def show(path: str) -> TimedatectlShow:
    parsed = parse_timedatectl_show(read(path))
    assert isinstance(parsed, TimedatectlShow), parsed
    return parsed


def test_lab_healthy_tracking() -> None:
    """The lab's chrony follows 198.18.0.1 at stratum 9, 3.671 µs fast, leap Normal."""
    parsed = tracking("chrony/lab-healthy-tracking.txt")
    assert parsed == ChronyTracking(
        layout="text",
        reference_id="C6120001",
        reference_name="198.18.0.1",
        stratum=9,
        ref_time=datetime(2026, 11, 25, 8, 30, 7, tzinfo=UTC),
        offset_seconds=0.000003671,
        last_offset_seconds=0.000000124,
        rms_offset_seconds=0.000000543,
        frequency_ppm=-0.045,
        residual_freq_ppm=0.002,
        skew_ppm=0.169,
        root_delay_seconds=0.000009534,
        root_dispersion_seconds=0.000001675,
        update_interval_seconds=1.0,
        leap_status="Normal",
    )
    assert parsed.synchronized is True
    assert parsed.source == "198.18.0.1"


def test_lab_ntp_unreachable_tracking() -> None:
    """With its server blocked, chrony has no reference: refid 0, stratum 0, not synchronised."""
    parsed = tracking("chrony/lab-ntp-unreachable-tracking.txt")
    assert (parsed.reference_id, parsed.reference_name, parsed.stratum) == ("00000000", None, 0)
    assert parsed.ref_time == datetime(1970, 1, 1, tzinfo=UTC)
    assert parsed.offset_seconds == -0.0000006
    assert parsed.leap_status == "Not synchronised"
    assert parsed.synchronized is False
    assert parsed.source == "00000000"


def test_unsynchronised_text_and_csv_agree() -> None:
    """The text and -c forms of an unsynchronised chronyd give the same values."""
    text, csv = tracking("chrony/unsync-tracking.txt"), tracking("chrony/unsync-tracking.csv")
    assert (text.layout, csv.layout) == ("text", "csv")
    assert text.model_dump(exclude={"layout"}) == csv.model_dump(exclude={"layout"})
    assert csv.synchronized is False
    assert csv.root_delay_seconds == 1.0


def test_local_reference_text() -> None:
    """chronyd with `local stratum 8` shows refid 7F7F0101 and an empty name."""
    parsed = tracking("chrony/local-tracking.txt")
    assert (parsed.reference_id, parsed.reference_name, parsed.stratum) == ("7F7F0101", None, 8)
    assert parsed.ref_time == datetime(2026, 11, 25, 8, 38, 41, tzinfo=UTC)
    assert (parsed.offset_seconds, parsed.frequency_ppm) == (0.0, 0.0)
    assert parsed.synchronized is True


def test_local_reference_csv() -> None:
    """-c prints the reference time as seconds since the epoch and an empty name field."""
    parsed = tracking("chrony/local-tracking.csv")
    assert (parsed.reference_id, parsed.reference_name, parsed.stratum) == ("7F7F0101", None, 8)
    assert parsed.ref_time == datetime.fromtimestamp(1795595921.201631245, tz=UTC)
    assert parsed.leap_status == "Normal"


def test_manpage_sample() -> None:
    """The chronyc(1) sample: a named server, 6.523 µs slow and 3.225 ppm slow."""
    parsed = tracking("chrony/manpage-tracking.txt")
    assert (parsed.reference_id, parsed.reference_name) == ("CB00710F", "foo.example.net")
    assert parsed.offset_seconds == -0.000006523
    assert parsed.frequency_ppm == -3.225
    assert parsed.last_offset_seconds == -0.000006747
    assert parsed.update_interval_seconds == 64.2
    assert parsed.unparsed_lines == ()


def test_no_daemon_is_unparsed_with_chronyc_message() -> None:
    """`506 Cannot talk to daemon` is Unparsed and the reason quotes it."""
    parsed = parse_chronyc_tracking(read("chrony/no-daemon-tracking.txt"))
    assert isinstance(parsed, Unparsed)
    assert parsed.reason == "chronyc failed: 506 Cannot talk to daemon"


@pytest.mark.parametrize(
    ("line", "offset"),
    [
        ("System time     : 0.000100000 seconds fast of NTP time", 0.0001),
        ("System time     : 0.000100000 seconds slow of NTP time", -0.0001),
    ],
)
def test_text_offset_sign(line: str, offset: float) -> None:
    """`fast of NTP time` is a positive offset (clock ahead), `slow` a negative one."""
    parsed = parse_chronyc_tracking(line)
    assert isinstance(parsed, ChronyTracking)
    assert parsed.offset_seconds == offset


def test_csv_correction_sign() -> None:
    """-c prints chronyd's correction, positive when the clock is slow: the offset is its
    negation."""
    fields = ["C6120001", "srv", "2", "0.0", "0.000200000"] + ["0.0"] * 8 + ["Normal"]
    parsed = parse_chronyc_tracking(",".join(fields))
    assert isinstance(parsed, ChronyTracking)
    assert parsed.offset_seconds == -0.0002


@pytest.mark.parametrize(
    ("line", "frequency"),
    [("Frequency       : 1.500 ppm fast", 1.5), ("Frequency       : 1.500 ppm slow", -1.5)],
)
def test_text_frequency_sign(line: str, frequency: float) -> None:
    """chronyc prints `fast` for a positive freq_ppm (client.c print_report, 'F')."""
    parsed = parse_chronyc_tracking(line)
    assert isinstance(parsed, ChronyTracking)
    assert parsed.frequency_ppm == frequency


def test_zero_slow_is_not_negative_zero() -> None:
    """`0.000000000 seconds slow` is an offset of plain 0.0, not -0.0."""
    parsed = parse_chronyc_tracking("System time     : 0.000000000 seconds slow of NTP time")
    assert isinstance(parsed, ChronyTracking)
    assert str(parsed.offset_seconds) == "0.0"


def test_unknown_leap_status_is_not_a_sync_claim() -> None:
    """A leap status chronyc prints for an invalid value (`Invalid`) leaves synchronized None."""
    parsed = parse_chronyc_tracking("Leap status     : Invalid")
    assert isinstance(parsed, ChronyTracking)
    assert parsed.synchronized is None


def test_lab_timedatectl_show() -> None:
    """In the lab container the kernel flag says not synchronised while NTP is enabled."""
    parsed = show("timedatectl/lab-healthy-show.txt")
    assert parsed.model_dump(exclude={"properties"}) == {
        "kind": "timedatectl-show",
        "timezone": "Etc/UTC",
        "local_rtc": False,
        "can_ntp": True,
        "ntp_enabled": True,
        "synchronized": False,
        "time_usec": "Wed 2026-11-25 08:30:08 UTC",
        "unparsed_lines": (),
    }


def test_synchronized_timedatectl_show_keeps_every_property() -> None:
    """Properties without a field (RTCTimeUSec) stay in `properties`."""
    parsed = show("timedatectl/synchronized-show.txt")
    assert (parsed.timezone, parsed.synchronized) == ("Europe/Vienna", True)
    assert parsed.properties["RTCTimeUSec"] == "Tue 2025-03-04 10:00:00 CET"
    assert len(parsed.properties) == 7


def test_timedatectl_without_systemd_is_unparsed() -> None:
    """The message timedatectl prints without systemd as PID 1 is Unparsed."""
    text = "System has not been booted with systemd as init system (PID 1). Can't operate.\n"
    assert isinstance(parse_timedatectl_show(text), Unparsed)
