"""Clock synchronisation as ``chronyc tracking`` (text or ``-c`` CSV) and ``timedatectl show``
report it.

Sign conventions come from chronyc's ``print_report`` (client.c): the ``System time`` line
prints ``|correction|`` with ``slow`` when chronyd's correction is positive, i.e. the system
clock is behind; ``-c`` prints the correction itself. We turn both into ``offset_seconds`` =
system clock minus NTP time, so ``fast`` is positive. ``Frequency`` is printed as ``fast`` for a
positive ``freq_ppm``, which ``-c`` prints as is.

``timedatectl show``'s ``NTPSynchronized`` is the kernel's view (``adjtimex`` not reporting
``STA_UNSYNC``). In containers that may not steer the clock (chronyd ``-x``) it stays ``no``
while chrony is synchronised, as in every quorumbot lab capture: prefer chrony's leap status.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.corosync.unparsed import Unparsed

__all__ = [
    "ChronyTracking",
    "TimedatectlShow",
    "parse_chronyc_tracking",
    "parse_timedatectl_show",
]

CHRONYC_TOOL = "chronyc tracking"
TIMEDATECTL_TOOL = "timedatectl show"

# chronyc's leap status words (client.c, ``case 'L'``); "Invalid" is what it prints otherwise.
_SYNCHRONISED_LEAP = {"Normal": True, "Insert second": True, "Delete second": True}
_UNSYNCHRONISED_LEAP = {"Not synchronised"}


class ChronyTracking(BaseModel):
    """``chronyc tracking``: where the clock gets its time from and how far off it is."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["chronyc-tracking"] = "chronyc-tracking"
    layout: Literal["text", "csv"]
    reference_id: str | None = None
    """The refid in hex, e.g. ``C6120001``; ``7F7F0101`` is chrony's ``local`` clock."""
    reference_name: str | None = None
    """The server's name or address, None when chronyc printed ``()`` or an empty CSV field."""
    stratum: int | None = None
    ref_time: datetime | None = None
    """UTC; 1970-01-01 when chrony never had a reference."""
    offset_seconds: float | None = None
    """System clock minus NTP time: positive when the clock is fast."""
    last_offset_seconds: float | None = None
    rms_offset_seconds: float | None = None
    frequency_ppm: float | None = None
    """Positive when the clock runs fast."""
    residual_freq_ppm: float | None = None
    skew_ppm: float | None = None
    root_delay_seconds: float | None = None
    root_dispersion_seconds: float | None = None
    update_interval_seconds: float | None = None
    leap_status: str | None = None
    """As printed: ``Normal``, ``Insert second``, ``Delete second``, ``Not synchronised``."""
    unparsed_lines: tuple[str, ...] = ()

    @property
    def synchronized(self) -> bool | None:
        """From the leap status, the field chronyd sets to unsynchronised when it has no source."""
        if self.leap_status in _UNSYNCHRONISED_LEAP:
            return False
        return _SYNCHRONISED_LEAP.get(self.leap_status or "")

    @property
    def source(self) -> str | None:
        """The reference to show a human: its name when chronyc knew one, else its refid."""
        return self.reference_name or self.reference_id


class TimedatectlShow(BaseModel):
    """``timedatectl show``: systemd's ``KEY=value`` properties."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["timedatectl-show"] = "timedatectl-show"
    timezone: str | None = None
    local_rtc: bool | None = None
    can_ntp: bool | None = None
    ntp_enabled: bool | None = None
    """``NTP=``: whether systemd-timesyncd (or the configured NTP unit) is enabled."""
    synchronized: bool | None = None
    """``NTPSynchronized=``: the kernel's flag; see the module notes about containers."""
    time_usec: str | None = None
    """``TimeUSec=`` as printed, e.g. ``Wed 2026-11-25 08:29:00 UTC``."""
    properties: dict[str, str] = {}
    """Every property, including those with no field above."""
    unparsed_lines: tuple[str, ...] = ()


_NUMBER = r"[+-]?[0-9]{1,15}(?:\.[0-9]{1,15})?"
_TEXT_LINE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z ()]*?)\s*: (?P<value>.*?)\s*$")
_REFERENCE = re.compile(r"^(?P<id>[0-9A-Fa-f]{8}) \((?P<name>[^()]*)\)$")
_STRATUM = re.compile(r"^[0-9]{1,5}$")
_SYSTEM_TIME = re.compile(rf"^(?P<n>{_NUMBER}) seconds (?P<dir>fast|slow) of NTP time$")
_SECONDS = re.compile(rf"^(?P<n>{_NUMBER}) seconds$")
_FREQUENCY = re.compile(rf"^(?P<n>{_NUMBER}) ppm (?P<dir>fast|slow)$")
_PPM = re.compile(rf"^(?P<n>{_NUMBER}) ppm$")
_CSV_NUMBER = re.compile(rf"^{_NUMBER}$")
_CSV_FIELDS = 14

# Text keys -> (field, pattern); the value group is ``n``.
_SECONDS_KEYS = {
    "Last offset": "last_offset_seconds",
    "RMS offset": "rms_offset_seconds",
    "Root delay": "root_delay_seconds",
    "Root dispersion": "root_dispersion_seconds",
    "Update interval": "update_interval_seconds",
}
_PPM_KEYS = {"Residual freq": "residual_freq_ppm", "Skew": "skew_ppm"}


def parse_chronyc_tracking(text: str) -> ChronyTracking | Unparsed:
    """Read ``chronyc tracking`` or ``chronyc -c tracking``.

    chronyc prints ``506 Cannot talk to daemon`` on stdout when chronyd is not running; that
    and any other text without tracking fields give Unparsed.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return Unparsed(tool=CHRONYC_TOOL, reason="no output: is chronyd running?", raw=text)
    if lines[0].count(",") == _CSV_FIELDS - 1:
        return _parse_csv(lines, text)
    return _parse_text(lines, text)


def _parse_text(lines: list[str], raw: str) -> ChronyTracking | Unparsed:
    values: dict[str, object] = {}
    unparsed: list[str] = []
    for line in lines:
        match = _TEXT_LINE.match(line)
        if match is None or not _read_text_field(match["key"], match["value"], values):
            unparsed.append(line)
    if not values:
        reason = "not chronyc tracking output"
        if lines[0].startswith("50"):
            reason = f"chronyc failed: {lines[0].strip()[:200]}"
        return Unparsed(tool=CHRONYC_TOOL, reason=reason, raw=raw)
    return ChronyTracking.model_validate(
        {"layout": "text", **values, "unparsed_lines": tuple(unparsed)}
    )


def _read_text_field(key: str, value: str, into: dict[str, object]) -> bool:
    """Store one ``Key : value`` line's field; False when the key or value is not chrony's."""
    if key == "Reference ID":
        if ref := _REFERENCE.match(value):
            into["reference_id"] = ref["id"].upper()
            into["reference_name"] = ref["name"] or None
            return True
    elif key == "Stratum":
        if _STRATUM.match(value):
            into["stratum"] = int(value)
            return True
    elif key == "Ref time (UTC)":
        if (when := _ctime_utc(value)) is not None:
            into["ref_time"] = when
            return True
    elif key == "System time":
        if system := _SYSTEM_TIME.match(value):
            magnitude = abs(float(system["n"]))
            into["offset_seconds"] = magnitude if system["dir"] == "fast" else -magnitude or 0.0
            return True
    elif key == "Frequency":
        if freq := _FREQUENCY.match(value):
            magnitude = abs(float(freq["n"]))
            into["frequency_ppm"] = magnitude if freq["dir"] == "fast" else -magnitude or 0.0
            return True
    elif key == "Leap status":
        into["leap_status"] = value
        return True
    elif key in _SECONDS_KEYS:
        if seconds := _SECONDS.match(value):
            into[_SECONDS_KEYS[key]] = float(seconds["n"])
            return True
    elif key in _PPM_KEYS and (ppm := _PPM.match(value)):
        into[_PPM_KEYS[key]] = float(ppm["n"])
        return True
    return False


def _parse_csv(lines: list[str], raw: str) -> ChronyTracking | Unparsed:
    fields = lines[0].strip().split(",")
    numbers = fields[2:13]
    if (
        not re.fullmatch(r"[0-9A-Fa-f]{8}", fields[0])
        or not _STRATUM.match(fields[2])
        or not all(_CSV_NUMBER.match(n) for n in numbers)
    ):
        return Unparsed(tool="chronyc -c tracking", reason="not chronyc's CSV layout", raw=raw)
    (
        stratum,
        ref_time,
        correction,
        last_offset,
        rms_offset,
        freq,
        resid,
        skew,
        delay,
        dispersion,
        interval,
    ) = numbers
    return ChronyTracking(
        layout="csv",
        reference_id=fields[0].upper(),
        reference_name=fields[1] or None,
        stratum=int(stratum),
        ref_time=_epoch_utc(float(ref_time)),
        # -c prints chronyd's correction: positive means the clock is slow.
        offset_seconds=-float(correction) or 0.0,
        last_offset_seconds=float(last_offset),
        rms_offset_seconds=float(rms_offset),
        frequency_ppm=float(freq),
        residual_freq_ppm=float(resid),
        skew_ppm=float(skew),
        root_delay_seconds=float(delay),
        root_dispersion_seconds=float(dispersion),
        update_interval_seconds=float(interval),
        leap_status=fields[13] or None,
        unparsed_lines=tuple(lines[1:]),
    )


def _ctime_utc(value: str) -> datetime | None:
    try:
        # chronyc formats with "%a %b %d %T %Y" in the C locale.
        return datetime.strptime(value, "%a %b %d %H:%M:%S %Y").replace(tzinfo=UTC)
    except ValueError:
        return None


def _epoch_utc(seconds: float) -> datetime | None:
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


_PROPERTY = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9]*)=(?P<value>.*)$")
_BOOLEAN_PROPERTIES = {
    "LocalRTC": "local_rtc",
    "CanNTP": "can_ntp",
    "NTP": "ntp_enabled",
    "NTPSynchronized": "synchronized",
}


def parse_timedatectl_show(text: str) -> TimedatectlShow | Unparsed:
    """Read ``timedatectl show``; Unparsed when no ``KEY=value`` line is there (no systemd)."""
    properties: dict[str, str] = {}
    unparsed: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if match := _PROPERTY.match(line):
            properties.setdefault(match["key"], match["value"])
        else:
            unparsed.append(line)
    if not properties:
        return Unparsed(
            tool=TIMEDATECTL_TOOL, reason="no KEY=value properties: is systemd running?", raw=text
        )
    flags = {
        field: _yes_no(properties[key])
        for key, field in _BOOLEAN_PROPERTIES.items()
        if key in properties
    }
    return TimedatectlShow.model_validate(
        {
            **flags,
            "timezone": properties.get("Timezone") or None,
            "time_usec": properties.get("TimeUSec") or None,
            "properties": properties,
            "unparsed_lines": tuple(unparsed),
        }
    )


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value.strip().lower())
