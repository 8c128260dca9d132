"""corosync log lines become typed events, from journald JSON, journal text and the log file."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.corosync.logs import (
    LogRecord,
    classify,
    events,
    parse_journal_json,
    parse_journal_text,
    parse_log_file_line,
)
from bot.corosync.unparsed import Unparsed

LAB = Path(__file__).resolve().parent.parent / "fixtures" / "lab"


def event(message: str):  # type: ignore[no-untyped-def]
    return classify(LogRecord(at=None, message=message, raw=message))


# Message formats from corosync's and libknet's sources, with real lines quoted in
# corosync/kronosnet issues (see shared notes B1); one per event kind.
@pytest.mark.parametrize(
    ("message", "kind", "fields"),
    [
        (
            "A new membership (2.d43) was formed. Members left: 24",
            "membership",
            {"ring_id": "2.d43", "nodes": (24,), "joined": ()},
        ),
        (
            "A new membership (1.c) was formed. Members joined: 2 3",
            "membership",
            {"joined": (2, 3), "nodes": ()},
        ),
        (
            "A new membership (1.2c) was formed. Members joined: 1 2 left: 1 2",
            "membership",
            {"joined": (1, 2), "nodes": (1, 2)},
        ),
        ("Token has not been received in 9489 ms", "token-not-received", {"value": 9489}),
        (
            (
                "A processor failed, forming new configuration: token timed out (21200ms), waiting "
                "40000ms for consensus."
            ),
            "processor-failed",
            {"value": 21200, "other_value": 40000},
        ),
        (
            "Failed to receive the leave message. failed: 3",
            "leave-message-missing",
            {"nodes": (3,)},
        ),
        ("Retransmit List: 7c9a61 7c9a62", "retransmit", {}),
        ("FAILED TO RECEIVE", "failed-to-receive", {}),
        ("link: host: 24 link: 0 is down", "link-down", {"nodes": (24,), "link": 0}),
        ("rx: host: 1 link: 1 is up", "link-up", {"nodes": (1,), "link": 1}),
        ("heartbeat: host: 1 link: 1 is up", "link-up", {"nodes": (1,), "link": 1}),
        ("host: host: 3 has no active links", "no-active-links", {"nodes": (3,)}),
        (
            "pmtud: PMTUD link change for host: 2 link: 0 from 469 to 1397",
            "pmtud-change",
            {"nodes": (2,), "link": 0, "value": 469, "other_value": 1397},
        ),
        (
            (
                "pmtud: possible MTU misconfiguration detected. kernel is reporting MTU: 1500 bytes for "
                "host 2 link 0 but the other node is not acknowledging packets of this size."
            ),
            "mtu-misconfiguration",
            {"value": 1500, "nodes": (2,), "link": 0},
        ),
        (
            "This node is within the non-primary component and will NOT provide any services.",
            "quorum-lost",
            {},
        ),
        (
            "This node is within the primary component and will provide service.",
            "quorum-regained",
            {},
        ),
        ("Sync members[3]: 1 2 3", "sync-members", {"nodes": (1, 2, 3)}),
        ("Sync joined[2]: 1 3", "sync-joined", {"nodes": (1, 3)}),
        ("Sync left[1]: 24", "sync-left", {"nodes": (24,)}),
        ("Members[2]: 1 2", "quorum-members", {"nodes": (1, 2)}),
        ("Node 24 was shut down by sysadmin", "node-shutdown", {"nodes": (24,)}),
        (
            "Received config version (5) is different than my config version (1)! Exiting",
            "config-version-mismatch",
            {"value": 5, "other_value": 1},
        ),
        ("Config reload requested by node 1", "config-reload", {"nodes": (1,)}),
        ("Unable to reload config file: parse error", "config-reload-failed", {}),
        (
            (
                "Totem is unable to form a cluster because of an operating system or network fault "
                "(reason: totem is continuously in gather state). The most common cause of this message "
                "is that the local firewall is configured improperly."
            ),
            "continuous-gather",
            {},
        ),
        (
            (
                "Corosync main process was not scheduled (@1795590077160) for 4152.3320 ms (threshold "
                "is 800.0000 ms). Consider token timeout increase."
            ),
            "main-not-scheduled",
            {"value": 4152},
        ),
        (
            "Process pause detected for 4123 ms, flushing membership messages.",
            "process-pause",
            {"value": 4123},
        ),
        (
            "rx: Unable to decrypt packet from 10.0.0.2:5405 (size 134)!",
            "decrypt-failed",
            {"address": "10.0.0.2:5405"},
        ),
        ("rx: Packet rejected from 10.0.0.9:5405", "packet-rejected", {"address": "10.0.0.9:5405"}),
        ("Corosync Cluster Engine exiting with status 8 at main.c:1445.", "exiting", {"value": 8}),
        (
            (
                "parse error in config: crypto_cipher & crypto_hash are only valid for the Knet "
                "transport."
            ),
            "config-parse-error",
            {},
        ),
        ("Completed service synchronization, ready to provide service.", "other", {}),
    ],
)
def test_each_corosync_message_is_its_event(message: str, kind: str, fields: dict) -> None:  # type: ignore[type-arg]
    """Each documented message becomes its event kind, with its numbers and node ids."""
    found = event(message)
    assert found.kind == kind
    for name, value in fields.items():
        assert getattr(found, name) == value


def test_journal_json_framing() -> None:
    """A journald JSON record gives time, host, pid, cursor, subsystem and message."""
    record = parse_journal_json(
        json.dumps(
            {
                "MESSAGE": "  [TOTEM ] A new membership (1.d) was formed. Members left: 3",
                "__REALTIME_TIMESTAMP": "1795590077160365",
                "__CURSOR": "s=abc;i=1f",
                "_HOSTNAME": "lab1",
                "_PID": "30",
            }
        )
    )
    assert isinstance(record, LogRecord)
    assert (record.host, record.pid, record.subsystem, record.cursor) == (
        "lab1",
        30,
        "TOTEM",
        "s=abc;i=1f",
    )
    assert record.message == "A new membership (1.d) was formed. Members left: 3"
    assert record.at == datetime.fromtimestamp(1795590077.160365, UTC)


def test_journal_text_framing_short_and_iso() -> None:
    """short-precise and short-iso-precise lines frame to the same record fields."""
    short = parse_journal_text(
        "Nov 25 07:01:17.160365 lab1 corosync[30]:   [KNET  ] link: host: 3 link: 0 is down", 2026
    )
    iso = parse_journal_text(
        "2026-11-25T07:01:17.160365+00:00 lab1 corosync[30]:   [KNET  ] link: host: 3 link: 0 is down",
        2026,
    )
    for record in (short, iso):
        assert isinstance(record, LogRecord)
        assert (record.host, record.pid, record.subsystem) == ("lab1", 30, "KNET")
        assert record.at == datetime(2026, 11, 25, 7, 1, 17, 160365, tzinfo=UTC)
        assert classify(record).kind == "link-down"


def test_log_file_framing() -> None:
    """A line of corosync's own log file (libqb format) is framed and classified."""
    record = parse_log_file_line(
        "Nov 25 07:15:24.166 [123] lab1 corosync notice  [MAIN  ] Corosync Cluster Engine exiting "
        "with status 8 at main.c:1445.",
        2026,
    )
    assert isinstance(record, LogRecord)
    assert (record.pid, record.host, record.subsystem) == (123, "lab1", "MAIN")
    assert classify(record).value == 8


def test_continued_sync_lists_are_joined() -> None:
    """A Sync list corosync continues on the next line (trailing backslash) becomes one event."""
    lines = [
        "Nov 25 07:01:17.1 lab1 corosync[30]:   [QUORUM] Sync members[14]: 1 2 3 4 5 6 7 8 \\",
        "Nov 25 07:01:17.1 lab1 corosync[30]:   [QUORUM] 9 10 11 12 13 14",
    ]
    (joined,) = events(parse_journal_text(line, 2026) for line in lines)
    assert joined.kind == "sync-members"
    assert joined.nodes == tuple(range(1, 15))
    assert not joined.continued


@pytest.mark.parametrize("scenario", sorted(p.name for p in LAB.iterdir() if p.is_dir()))
def test_lab_journals_read_the_same_from_json_and_text(scenario: str) -> None:
    """Every real lab journal gives the same events from its JSON and its text capture."""
    for node in sorted((LAB / scenario).iterdir()):
        as_json = events(
            parse_journal_json(line)
            for line in (node / "journal-json.out").read_text().splitlines()
        )
        as_text = events(
            parse_journal_text(line, 2026)
            for line in (node / "journal-short-precise.out").read_text().splitlines()
        )
        assert Counter(e.kind for e in as_json) == Counter(e.kind for e in as_text)
        assert [e.nodes for e in as_json] == [e.nodes for e in as_text]


def test_the_lab_link_down_capture_tells_the_story() -> None:
    """The witness's journal of the link-down fault: link down, token lost, node 3 left."""
    lines = (LAB / "link-down" / "qbcap1" / "journal-json.out").read_text().splitlines()
    kinds = [
        e.kind for e in events(parse_journal_json(line) for line in lines) if e.kind != "other"
    ]
    assert kinds.index("link-down") < kinds.index("processor-failed") < kinds.index("membership")
    left = [e for e in events(parse_journal_json(line) for line in lines) if e.kind == "membership"]
    assert left[-1].left == (3,)


@given(st.text(max_size=300))
def test_no_line_makes_a_parser_raise(line: str) -> None:
    """Arbitrary text gives a record or Unparsed from every framing, and an event from classify."""
    for parsed in (
        parse_journal_json(line),
        parse_journal_text(line, 2026),
        parse_log_file_line(line, 2026),
    ):
        assert isinstance(parsed, LogRecord | Unparsed)
        if isinstance(parsed, LogRecord):
            classify(parsed)
    classify(LogRecord(at=None, message=line, raw=line))


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    ["MESSAGE", "_PID", "__REALTIME_TIMESTAMP", "_HOSTNAME", "__CURSOR", "x"]
                ),
                inner,
                max_size=5,
            )
        ),
        max_leaves=10,
    )
)
def test_any_json_value_is_handled(value: object) -> None:
    """Any JSON document, well-formed or not as a journal record, is framed without raising."""
    assert isinstance(parse_journal_json(json.dumps(value)), LogRecord | Unparsed)
