"""The incident model: stable ids, JSON round trips, a capped timeline, maintenance coverage,
note batching and how a poll is read as a whole."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.monitor.assessment import assess
from bot.monitor.effects import Note, batches
from bot.monitor.incident import Incident, IncidentKey, TimelineEntry, incident_id
from bot.monitor.ledger import milestone
from bot.monitor.tracker import Tracker
from tests.monitor.scenario import T0, at, cluster, healthy, split, without


def an_incident(**updates: object) -> Incident:
    key = IncidentKey(cluster="qbcap", kind="membership")
    incident = Incident(
        key=key, id=incident_id(key, T0), opened_at=T0, updated_at=T0, summary="qbcap3 left"
    )
    return incident.model_copy(update=updates)


@given(st.text(max_size=5000), st.sampled_from(["membership", "quorum", "link", "stream", "votes"]))
def test_ids_are_stable_short_and_free_of_the_cluster_name(name: str, kind: str) -> None:
    """An id depends only on key and opening time, and stays short whatever the cluster name."""
    key = IncidentKey.model_validate({"cluster": name, "kind": kind})
    assert incident_id(key, T0) == incident_id(key, T0)
    assert incident_id(key, T0) != incident_id(key, T0 + timedelta(microseconds=1))
    assert len(incident_id(key, T0)) <= 40
    assert incident_id(key, T0).startswith(f"{kind}-20261125T082500Z-")


def test_an_incident_survives_a_json_round_trip() -> None:
    """Everything the tracker keeps comes back equal from its JSON."""
    tracker = Tracker(cluster())
    tracker.observe(split(at(15), ["qbcap1", "qbcap2"], ["qbcap3"]))
    (incident,) = tracker.incidents
    assert Incident.model_validate_json(incident.model_dump_json()) == incident


def test_the_timeline_keeps_the_first_entry_and_the_latest_and_counts_the_rest() -> None:
    """Past the cap, the middle goes: what opened it and what happened last stay."""
    incident = an_incident()
    for i in range(100):
        incident = incident.with_entry(TimelineEntry(at=at(i), text=f"event {i}"), 10)
    assert len(incident.timeline) == 10
    assert incident.timeline[0].text == "event 0"
    assert incident.timeline[-1].text == "event 99"
    assert incident.timeline_dropped == 90


def test_milestones_thin_out_as_counts_grow() -> None:
    """Replies come at 1, 2, 5, 10, 20, 50, 100… and nowhere else."""
    assert [n for n in range(1, 1001) if milestone(n)] == [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]


def test_notes_close_together_are_batched_per_incident() -> None:
    """Notes within the window for one incident form one reply; other incidents stay apart."""
    a, b = an_incident(), an_incident(id="quorum-x")
    notes = [
        Note(a, "one", at(0)),
        Note(b, "other", at(1)),
        Note(a, "two", at(5)),
        Note(a, "three", at(30)),
    ]
    grouped = batches(notes, timedelta(seconds=10))
    assert [[n.text for n in g] for g in grouped] == [["one", "two"], ["other"], ["three"]]


def test_a_poll_is_read_as_sides_with_the_quorate_one_first() -> None:
    """Sides are ordered quorate first; missing nodes are those outside the quorate side."""
    a = assess(cluster(), split(at(0), ["qbcap3"], ["qbcap1", "qbcap2"]))
    assert [s.seen_by for s in a.sides] == [("qbcap1", "qbcap2"), ("qbcap3",)]
    assert a.missing == ("qbcap3",)
    assert a.partitioned
    assert not a.whole


def test_a_healthy_poll_is_whole_and_not_at_risk() -> None:
    """Three of three, quorum 2: whole, one loss away from nothing."""
    a = assess(cluster(), healthy(at(0)))
    assert a.whole
    assert not a.at_risk
    assert (a.expected_votes, a.total_votes, a.quorum) == (3, 3, 2)


def test_nobody_answering_is_unknown_not_quorum_lost() -> None:
    """When SSH reaches no node, the poll cannot say quorum is lost."""
    a = assess(cluster(), without(at(0), "qbcap1", "qbcap2", "qbcap3"))
    assert not a.quorum_lost
    assert a.quorate_side is None
