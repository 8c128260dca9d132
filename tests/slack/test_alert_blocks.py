"""Incidents render as Slack alerts: a root kept true in place, short replies, valid Block Kit.

Incidents come from the real tracker fed with polls and parsed journal lines (tests/monitor);
extreme and hostile input comes from hypothesis. Every message passes bot.slack.limits and
slack_sdk's own validators (``assert_message_ok`` from test_blocks).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.monitor.effects import Note, Opened, Resolved
from bot.monitor.incident import (
    Incident,
    IncidentKey,
    IncidentState,
    LinkDown,
    PartitionSide,
    TimelineEntry,
    incident_id,
)
from bot.monitor.tracker import Tracker
from bot.slack.blocks import RunbookRequest
from bot.slack.blocks.alert import (
    DIAGNOSE_RUN,
    INCIDENT_ACK,
    INCIDENT_SNOOZE,
    DiagnoseRequest,
    SnoozeChoice,
    alert_note,
    alert_notes,
    alert_root,
)
from tests.monitor.scenario import at, cluster, healthy, link, split, without
from tests.slack.test_blocks import EXTREME, all_text, assert_message_ok, buttons, elements, texts

name_lists = st.lists(texts, max_size=40)


def opened(poll_effects: list[object]) -> Incident:
    (effect,) = [e for e in poll_effects if isinstance(e, Opened)]
    return effect.incident


def test_the_root_says_what_happened_who_is_out_and_offers_the_buttons() -> None:
    """An open membership incident: summary, affected node, votes, since when, four controls."""
    incident = opened(Tracker(cluster()).observe(without(at(15), "qbcap3")))
    message = alert_root(incident)
    assert_message_ok(message)
    text = all_text(message)
    assert "qbcap: membership changed" in text
    assert "qbcap3 left the membership; 2 of 3 nodes, quorate" in text
    assert "2 of 3 expected, quorum 2" in text
    assert "one more lost vote loses quorum" in text
    assert "<!date^" in text
    controls = {e["action_id"]: e for e in elements(message.blocks) if "action_id" in e}
    assert controls[INCIDENT_ACK]["value"] == incident.id
    snooze = [SnoozeChoice.decode(o["value"]) for o in controls[INCIDENT_SNOOZE]["options"]]
    assert [s.minutes for s in snooze] == [15, 60, 240, 1440]
    assert {s.incident for s in snooze} == {incident.id}
    diagnose = json.loads(controls[DIAGNOSE_RUN]["value"])
    assert diagnose == {"cluster": "qbcap", "node": "qbcap3"}
    assert message.text.startswith(":red_circle: qbcap: membership changed")


def test_a_suggested_runbook_gets_its_button() -> None:
    """With a runbook suggested, the root carries a runbook.start button for it."""
    incident = opened(Tracker(cluster()).observe(without(at(15), "qbcap3")))
    message = alert_root(incident, suggested_runbook="rejoin-node")
    (start,) = [b for b in buttons(message) if b["action_id"].startswith("runbook.start")]
    request = RunbookRequest.decode(start["value"])
    assert (request.runbook, request.cluster, request.node) == ("rejoin-node", "qbcap", "qbcap3")


def test_an_acknowledged_root_shows_who_and_drops_the_ack_button() -> None:
    """Once acknowledged, the root names who did it and offers no second Acknowledge."""
    tracker = Tracker(cluster())
    incident = opened(tracker.observe(without(at(15), "qbcap3")))
    (updated, _note) = tracker.acknowledge(incident.id, "alice", at(20))
    message = alert_root(updated.incident)
    assert_message_ok(message)
    assert "acknowledged by alice" in all_text(message)
    assert INCIDENT_ACK not in [e.get("action_id") for e in elements(message.blocks)]


def test_a_resolved_root_turns_green_says_how_long_and_drops_the_buttons() -> None:
    """Resolved: green headline, the duration, the timeline, and no actions block."""
    tracker = Tracker(cluster())
    tracker.observe(without(at(15), "qbcap3"))
    tracker.observe(healthy(at(45)))
    (resolved,) = tracker.observe(healthy(at(165)))
    assert isinstance(resolved, Resolved)
    message = alert_root(resolved.incident, suggested_runbook="rejoin-node")
    assert_message_ok(message)
    text = all_text(message)
    assert ":large_green_circle: qbcap: membership changed, resolved" in text
    assert "Resolved after 2 min." in text
    assert "Timeline" in text
    assert all(b["type"] != "actions" for b in message.blocks)


def test_a_partition_shows_each_view_and_the_quorate_side() -> None:
    """The root lists every side with what it sees, the quorate one marked."""
    incident = opened(Tracker(cluster()).observe(split(at(15), ["qbcap1", "qbcap2"], ["qbcap3"])))
    text = all_text(alert_root(incident))
    assert "qbcap1, qbcap2 see qbcap1, qbcap2: :white_check_mark: quorate" in text
    assert "qbcap3 sees qbcap3: :no_entry: *NOT quorate*" in text


def test_a_flapping_link_root_shows_links_and_flaps() -> None:
    """A link incident's root shows the links down and how often they flapped."""
    tracker = Tracker(cluster())
    tracker.observe(link(at(0), "qbcap1", 3, "down"))
    tracker.observe(link(at(5), "qbcap1", 3, "up"))
    (updated,) = tracker.observe(link(at(10), "qbcap1", 3, "down"))
    text = all_text(alert_root(updated.incident))
    assert "qbcap1–qbcap3 link 0" in text
    assert "*Flaps*\\n1" in text


def test_a_muted_root_says_paging_is_suppressed() -> None:
    """An incident under maintenance says so in its footer."""
    incident = opened(Tracker(cluster()).observe(without(at(15), "qbcap3")))
    text = all_text(alert_root(incident.model_copy(update={"muted": True})))
    assert "maintenance: paging suppressed" in text


def test_a_note_is_one_short_reply() -> None:
    """A note renders as its text and its time, escaped."""
    incident = opened(Tracker(cluster()).observe(without(at(15), "qbcap3")))
    message = alert_note(Note(incident, "qbcap2 <!channel> also drops out", at(30)))
    assert_message_ok(message)
    assert "&lt;!channel&gt;" in message.text
    assert len(message.blocks) == 2


def test_notes_batched_together_are_one_message_in_order() -> None:
    """Several notes become one reply listing each with its time."""
    incident = opened(Tracker(cluster()).observe(without(at(15), "qbcap3")))
    message = alert_notes([Note(incident, f"update {i}", at(i)) for i in range(5)])
    assert_message_ok(message)
    text = all_text(message)
    assert [text.index(f"update {i}") for i in range(5)] == sorted(
        text.index(f"update {i}") for i in range(5)
    )


def test_a_diagnose_value_without_a_single_node_names_only_the_cluster() -> None:
    """Several affected nodes: Diagnose asks for the whole cluster."""
    value = DiagnoseRequest(cluster="qbcap").encode()
    assert json.loads(value) == {"cluster": "qbcap"}
    assert DiagnoseRequest.decode(value).node is None


# -- extreme and hostile input (hypothesis) -----------------------------------------------------

times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
entries = st.builds(TimelineEntry, at=times, node=st.none() | texts, text=texts)
sides = st.builds(
    PartitionSide,
    seen_by=name_lists.map(tuple),
    members=name_lists.map(tuple),
    quorate=st.booleans(),
)
links = st.builds(LinkDown, nodes=st.tuples(texts, texts), link=st.integers(0, 7))


@st.composite
def incidents(draw: st.DrawFn) -> Incident:
    key = IncidentKey(
        cluster=draw(texts),
        kind=draw(st.sampled_from(["membership", "quorum", "link", "stream", "votes"])),
    )
    opened_at = draw(times)
    state = draw(st.sampled_from(IncidentState))
    later = opened_at + timedelta(seconds=draw(st.integers(0, 10**7)))
    return Incident(
        key=key,
        id=draw(st.just(incident_id(key, opened_at)) | texts),
        state=state,
        opened_at=opened_at,
        updated_at=later,
        resolved_at=later if state is IncidentState.RESOLVED else None,
        summary=draw(texts),
        affected=tuple(draw(name_lists)),
        node_count=draw(st.integers(0, 10**4)),
        member_count=draw(st.none() | st.integers(0, 10**4)),
        quorate=draw(st.none() | st.booleans()),
        expected_votes=draw(st.none() | st.integers(0, 10**6)),
        total_votes=draw(st.none() | st.integers(0, 10**6)),
        at_risk=draw(st.booleans()),
        sides=tuple(draw(st.lists(sides, max_size=12))),
        links_down=tuple(draw(st.lists(links, max_size=30))),
        timeline=tuple(draw(st.lists(entries, max_size=60))),
        timeline_dropped=draw(st.integers(0, 10**6)),
        flap_count=draw(st.integers(0, 10**6)),
        stable_since=later if state is IncidentState.RESOLVING else None,
        acknowledged_by=draw(st.none() | texts),
        acknowledged_at=draw(st.none() | times),
        snoozed_until=later if state is IncidentState.SNOOZED else None,
        snoozed_by=draw(st.none() | texts),
        muted=draw(st.booleans()),
    )


@EXTREME
@given(incidents(), st.none() | texts)
def test_any_incident_renders_a_valid_root(incident: Incident, runbook: str | None) -> None:
    """Any incident (huge, hostile, any state) gives a root Slack accepts, buttons within limits."""
    message = alert_root(incident, suggested_runbook=runbook)
    assert_message_ok(message)
    if incident.state is IncidentState.RESOLVED:
        assert all(b["type"] != "actions" for b in message.blocks)


@EXTREME
@given(incidents(), st.lists(st.tuples(texts, times), min_size=1, max_size=120))
def test_any_notes_render_a_valid_reply(
    incident: Incident, raw: list[tuple[str, datetime]]
) -> None:
    """Any number of notes with any text give one valid reply."""
    batch = [Note(incident, text, when) for text, when in raw]
    assert_message_ok(alert_notes(batch))
    assert_message_ok(alert_note(batch[0]))
