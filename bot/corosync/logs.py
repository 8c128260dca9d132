"""corosync's log lines as typed events: from journald (JSON or text) and from its log file. Pure.

Framing (where a line came from) is separate from meaning (what corosync said). Every format
string matched here is corosync's or libknet's own; the source is named next to each pattern.
Lines that match nothing become an ``other`` event, kept whole; nothing here ever raises.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.corosync.unparsed import Unparsed

EventKind = Literal[
    "membership",  # TOTEM: A new membership (rep.seq) was formed. Members joined/left
    "token-not-received",  # TOTEM: Token has not been received in N ms
    "processor-failed",  # TOTEM: A processor failed ... token timed out (N ms) ... consensus
    "leave-message-missing",  # TOTEM: Failed to receive the leave message. failed: N
    "retransmit",  # TOTEM: Retransmit List: hex ...
    "failed-to-receive",  # TOTEM: FAILED TO RECEIVE
    "link-down",  # KNET: link: host: N link: L is down
    "link-up",  # KNET: rx|heartbeat: host: N link: L is up
    "no-active-links",  # KNET: host: host: N has no active links
    "pmtud-change",  # KNET: pmtud: PMTUD link change for host: N link: L from A to B
    "mtu-misconfiguration",  # KNET: pmtud: possible MTU misconfiguration detected ...
    "quorum-lost",  # QUORUM: ... non-primary component ...
    "quorum-regained",  # QUORUM: ... primary component ...
    "sync-members",  # QUORUM: Sync members[N]: ...
    "sync-joined",
    "sync-left",
    "quorum-members",  # QUORUM: Members[N]: ...
    "node-shutdown",  # CFG: Node N was shut down by sysadmin
    "config-version-mismatch",  # CMAP: Received config version (A) is different than mine (B)
    "config-reload",  # CFG: Config reload requested by node N
    "config-reload-failed",  # CFG: Unable to reload config file
    "continuous-gather",  # MAIN: ... totem is continuously in gather state ...
    "main-not-scheduled",  # MAIN: Corosync main process was not scheduled ... for N ms
    "process-pause",  # TOTEM: Process pause detected for N ms
    "decrypt-failed",  # KNET: rx: Unable to decrypt packet from ADDR
    "packet-rejected",  # KNET: rx: Packet rejected from ADDR
    "exiting",  # MAIN: Corosync Cluster Engine exiting with status N at FILE:LINE.
    "config-parse-error",  # MAIN: parse error in config: ...
    "other",
]

# exec/util.h: the exit codes corosync documents.
EXIT_STATUS = {
    0: "ok",
    8: "configuration could not be read (MAINCONFIGREAD)",
    18: "already running",
    21: "cannot store the ring id",
}


class LogRecord(BaseModel):
    """One log line, with what its framing tells (time, host, pid, subsystem)."""

    model_config = ConfigDict(frozen=True)

    at: datetime | None
    host: str | None = None
    pid: int | None = None
    subsystem: str | None = None
    """corosync's tag without padding: TOTEM, QUORUM, MAIN, KNET, CFG, CMAP, VOTEQ, SERV, …"""
    message: str
    """The text after the subsystem tag."""
    cursor: str | None = None
    """journald's cursor, to resume a stream exactly after this record."""
    raw: str


class LogEvent(BaseModel):
    """What corosync said, typed; the fields that apply depend on ``kind``."""

    model_config = ConfigDict(frozen=True)

    kind: EventKind
    record: LogRecord
    nodes: tuple[int, ...] = ()
    """Node ids the line is about: who left (membership), whose link, who failed, who shut down."""
    joined: tuple[int, ...] = ()
    link: int | None = None
    value: int | None = None
    """The number the line carries: ms (token, pause), exit status, MTU, received version."""
    other_value: int | None = None
    """A second number: consensus ms, the local config version, the new MTU."""
    ring_id: str | None = None
    address: str | None = None
    continued: bool = False
    """A Sync list that corosync continued on the next line (it ends with a backslash)."""

    @property
    def left(self) -> tuple[int, ...]:
        return self.nodes if self.kind == "membership" else ()


def _ids(text: str | None) -> tuple[int, ...]:
    return tuple(int(n) for n in (text or "").split() if n.isdigit())


_SOURCES: tuple[tuple[EventKind, str], ...] = (
    # exec/totemsrp.c L2095-2138; ring ids are hex rep.seq.
    (
        "membership",
        (
            r"A new membership \((?P<ring>[0-9a-f]+\.[0-9a-f]+)\) was formed\. Members"
            r"(?: joined:(?P<joined>(?: \d+)+))?(?: left:(?P<nodes>(?: \d+)+))?"
        ),
    ),
    ("token-not-received", r"Token has not been received in (?P<value>\d+) ms"),
    (
        "processor-failed",
        (
            r"A processor failed, forming new configuration(?:: token timed out "
            r"\((?P<value>\d+)ms\), waiting (?P<other>\d+)ms for consensus)?"
        ),
    ),
    (
        "leave-message-missing",
        r"Failed to receive the leave message\. failed:(?P<nodes>(?: \d+)+)",
    ),
    ("retransmit", r"Retransmit List:(?P<seqs>(?: [0-9a-f]+)+)"),
    ("failed-to-receive", r"FAILED TO RECEIVE"),
    # libknet threads_heartbeat.c / threads_rx.c; the prefix moved between releases.
    ("link-down", r"(?:\w+: )?host: (?P<nodes>\d+) link: (?P<link>\d+) is down"),
    ("link-up", r"(?:\w+: )?host: (?P<nodes>\d+) link: (?P<link>\d+) is up"),
    ("no-active-links", r"host: host: (?P<nodes>\d+) has no active links"),
    (
        "pmtud-change",
        (
            r"PMTUD link change for host: (?P<nodes>\d+) link: (?P<link>\d+) "
            r"from (?P<value>\d+) to (?P<other>\d+)"
        ),
    ),
    (
        "mtu-misconfiguration",
        (
            r"possible MTU misconfiguration detected\. kernel is reporting MTU: "
            r"(?P<value>\d+) bytes for host (?P<nodes>\d+) link (?P<link>\d+)"
        ),
    ),
    ("quorum-lost", r"This node is within the non-primary component"),
    ("quorum-regained", r"This node is within the primary component"),
    ("sync-members", r"Sync members\[\d+\]:(?P<nodes>[ \d]*)(?P<cont>\\)?$"),
    ("sync-joined", r"Sync joined\[\d+\]:(?P<nodes>[ \d]*)(?P<cont>\\)?$"),
    ("sync-left", r"Sync left\[\d+\]:(?P<nodes>[ \d]*)(?P<cont>\\)?$"),
    ("quorum-members", r"^Members\[\d+\]:(?P<nodes>[ \d]*)(?P<cont>\\)?$"),
    ("node-shutdown", r"Node (?P<nodes>\d+) was shut down by sysadmin"),
    (
        "config-version-mismatch",
        (
            r"Received config version \((?P<value>\d+)\) is different than "
            r"my config version \((?P<other>\d+)\)"
        ),
    ),
    ("config-reload", r"Config reload requested by node (?P<nodes>\d+)"),
    ("config-reload-failed", r"Unable to reload config file"),
    ("continuous-gather", r"totem is continuously in gather state"),
    (
        "main-not-scheduled",
        (
            r"Corosync main process was not scheduled \(@[^)]*\) for "
            r"(?P<value>\d+)"
        ),
    ),
    ("process-pause", r"Process pause detected for (?P<value>\d+) ms"),
    ("decrypt-failed", r"Unable to decrypt packet from (?P<addr>\S+?)(?: \(size \d+\))?!?$"),
    ("packet-rejected", r"Packet rejected from (?P<addr>\S+)"),
    ("exiting", r"Corosync Cluster Engine exiting with status (?P<value>\d+)"),
    ("config-parse-error", r"parse error in config: "),
)
_PATTERNS = tuple((kind, re.compile(pattern)) for kind, pattern in _SOURCES)


def classify(record: LogRecord) -> LogEvent:
    """The event a record's message is; ``other`` when corosync's words are not recognised."""
    for kind, pattern in _PATTERNS:
        match = pattern.search(record.message)
        if match is None:
            continue
        g = match.groupdict()
        return LogEvent(
            kind=kind,
            record=record,
            nodes=_ids(g.get("nodes")),
            joined=_ids(g.get("joined")),
            link=int(g["link"]) if g.get("link") else None,
            value=int(g["value"]) if g.get("value") else None,
            other_value=int(g["other"]) if g.get("other") else None,
            ring_id=g.get("ring"),
            address=g.get("addr"),
            continued=bool(g.get("cont")),
        )
    return LogEvent(kind="other", record=record)


_TAG = re.compile(r"^\s*\[(?P<sub>[A-Z0-9_ ]{1,8})\]\s?(?P<msg>.*)$")


def _split_tag(text: str) -> tuple[str | None, str]:
    """``"  [TOTEM ] message"`` -> ("TOTEM", "message")."""
    match = _TAG.match(text)
    if match is None:
        return None, text.strip()
    return match.group("sub").strip() or None, match.group("msg").strip()


def parse_journal_json(line: str) -> LogRecord | Unparsed:
    """One line of `journalctl -o json`."""
    try:
        data = json.loads(line)
    except ValueError:
        return Unparsed(tool="journalctl -o json", reason="not a JSON object", raw=line)
    if not isinstance(data, dict):
        return Unparsed(tool="journalctl -o json", reason="not a JSON object", raw=line)
    message = data.get("MESSAGE")
    if isinstance(message, list):  # journald sends non-UTF-8 messages as arrays of bytes
        message = bytes(b for b in message if isinstance(b, int) and 0 <= b < 256).decode(
            "utf-8", "replace"
        )
    if not isinstance(message, str):
        return Unparsed(tool="journalctl -o json", reason="no MESSAGE text", raw=line)
    realtime = data.get("__REALTIME_TIMESTAMP")
    at = None
    if isinstance(realtime, str) and realtime.isdigit():
        at = datetime.fromtimestamp(int(realtime) / 1e6, UTC)
    pid = data.get("_PID")
    subsystem, text = _split_tag(message)
    return LogRecord(
        at=at,
        host=data.get("_HOSTNAME") if isinstance(data.get("_HOSTNAME"), str) else None,
        pid=int(pid) if isinstance(pid, str) and pid.isdigit() else None,
        subsystem=subsystem,
        message=text,
        cursor=data.get("__CURSOR") if isinstance(data.get("__CURSOR"), str) else None,
        raw=line,
    )


# journalctl -o short-precise / short-iso-precise: "<time> <host> <ident>[<pid>]: <message>"
_JOURNAL_TEXT = re.compile(
    r"^(?:(?P<iso>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:?\d\d|Z)?)"
    r"|(?P<short>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?)) "
    r"(?P<host>\S+) (?P<ident>[^\s\[:]+)(?:\[(?P<pid>\d+)\])?: (?P<msg>.*)$"
)
# corosync's own log file (libqb): "<time> [<pid>] <host> corosync <prio> [<SUBSYS>] <message>"
_LOG_FILE = re.compile(
    r"^(?P<short>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?)\s+(?:\[(?P<pid>\d+)\]\s+)?"
    r"(?:(?P<host>\S+)\s+corosync\s+)?(?P<prio>[a-z]+)\s+(?P<msg>\[.*)$"
)


def _short_time(text: str, year: int) -> datetime | None:
    for fmt in ("%Y %b %d %H:%M:%S.%f", "%Y %b %d %H:%M:%S"):
        try:
            return datetime.strptime(f"{year} {' '.join(text.split())}", fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def parse_journal_text(line: str, year: int) -> LogRecord | Unparsed:
    """One line of `journalctl -o short-precise` (or short-iso-precise); year-less times need
    ``year``. Times without a zone are read as UTC, as the bot asks journalctl for (--utc)."""
    match = _JOURNAL_TEXT.match(line)
    if match is None:
        return Unparsed(tool="journalctl", reason="not a journal text line", raw=line)
    if match.group("iso"):
        try:
            at: datetime | None = datetime.fromisoformat(match.group("iso"))
        except ValueError:
            at = None
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
    else:
        at = _short_time(match.group("short"), year)
    subsystem, text = _split_tag(match.group("msg"))
    return LogRecord(
        at=at,
        host=match.group("host"),
        pid=int(match.group("pid")) if match.group("pid") else None,
        subsystem=subsystem,
        message=text,
        raw=line,
    )


def parse_log_file_line(line: str, year: int) -> LogRecord | Unparsed:
    """One line of /var/log/corosync/corosync.log (libqb's file format)."""
    match = _LOG_FILE.match(line)
    if match is None:
        return Unparsed(tool="corosync.log", reason="not a corosync log-file line", raw=line)
    subsystem, text = _split_tag(match.group("msg"))
    return LogRecord(
        at=_short_time(match.group("short"), year),
        host=match.group("host"),
        pid=int(match.group("pid")) if match.group("pid") else None,
        subsystem=subsystem,
        message=text,
        raw=line,
    )


def events(records: Iterable[LogRecord | Unparsed]) -> list[LogEvent]:
    """Events in order; a Sync/Members list continued on the next line is joined into one."""
    out: list[LogEvent] = []
    for record in records:
        if isinstance(record, Unparsed):
            continue
        event = classify(record)
        previous = out[-1] if out else None
        if previous is not None and previous.continued and event.kind == "other":
            # corosync prints long lists across lines, the earlier ones ending in "\".
            more = _ids(record.message.rstrip("\\"))
            if more and set(record.message.rstrip("\\ ")) <= set("0123456789 "):
                out[-1] = previous.model_copy(
                    update={
                        "nodes": previous.nodes + more,
                        "continued": record.message.rstrip().endswith("\\"),
                    }
                )
                continue
        out.append(event)
    return out


def exit_status_meaning(status: int) -> str:
    return EXIT_STATUS.get(status, f"status {status}")
