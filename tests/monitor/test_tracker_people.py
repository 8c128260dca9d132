"""What people decide changes who hears what: acknowledge, snooze, maintenance windows; and a
restarted bot carries on with the incidents it had."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import TypeAdapter, ValidationError

from bot.monitor.effects import Note, Opened, Resolved, Updated
from bot.monitor.incident import Incident, IncidentState
from bot.monitor.maintenance import Window
from bot.monitor.observations import Tick
from bot.monitor.tracker import Tracker
from tests.monitor.scenario import NAME, at, cluster, healthy, kinds, notes, without

INCIDENTS = TypeAdapter(tuple[Incident, ...])


def window(start: float, end: float, node: str | None = None) -> Window:
    return Window(
        cluster=NAME, node=node, start=at(start), end=at(end), reason="kernel update", by="alice"
    )


def test_acknowledging_shows_who_and_keeps_the_replies_coming() -> None:
    """Ack: the root shows who and when, the thread says so, later changes still reply."""
    tracker = Tracker(cluster(5))
    (opened,) = tracker.observe(without(at(15), "qbcap5", size=5))
    effects = tracker.acknowledge(opened.incident.id, "alice", at(20))
    assert kinds(effects) == ["Updated", "Note"]
    incident = effects[0].incident
    assert incident.state is IncidentState.ACKNOWLEDGED
    assert (incident.acknowledged_by, incident.acknowledged_at) == ("alice", at(20))
    effects = tracker.observe(without(at(30), "qbcap4", "qbcap5", size=5))
    assert kinds(effects) == ["Updated", "Note"]
    assert effects[0].incident.state is IncidentState.ACKNOWLEDGED


def test_a_relapse_of_an_acknowledged_incident_stays_acknowledged() -> None:
    """Resolving then failing again returns to acknowledged, not to a fresh open."""
    tracker = Tracker(cluster())
    (opened,) = tracker.observe(without(at(15), "qbcap3"))
    tracker.acknowledge(opened.incident.id, "alice", at(20))
    tracker.observe(healthy(at(30)))
    effects = tracker.observe(without(at(45), "qbcap3"))
    assert effects[0].incident.state is IncidentState.ACKNOWLEDGED


def test_snoozing_holds_replies_back_until_it_ends() -> None:
    """Snoozed: the root still updates, no replies; when the snooze ends one reply sums up."""
    tracker = Tracker(cluster(5))
    (opened,) = tracker.observe(without(at(15), "qbcap5", size=5))
    effects = tracker.snooze(opened.incident.id, at(15 + 3600), "bob", at(20))
    assert kinds(effects) == ["Updated"]
    assert effects[0].incident.state is IncidentState.SNOOZED
    effects = tracker.observe(without(at(30), "qbcap4", "qbcap5", size=5))
    assert kinds(effects) == ["Updated"]
    assert tracker.observe(Tick(at=at(3600))) == []
    effects = tracker.observe(Tick(at=at(15 + 3600)))
    assert kinds(effects) == ["Updated", "Note"]
    assert effects[0].incident.state is IncidentState.OPEN
    assert notes(effects)[0].text.startswith("snooze over (1 update held back)")


def test_a_snoozed_incident_still_resolves() -> None:
    """A snooze silences replies, not the good news: resolution still posts."""
    tracker = Tracker(cluster())
    (opened,) = tracker.observe(without(at(15), "qbcap3"))
    tracker.snooze(opened.incident.id, at(4 * 3600), "bob", at(20))
    tracker.observe(healthy(at(30)))
    assert kinds(tracker.observe(healthy(at(150)))) == ["Resolved"]


def test_unknown_or_resolved_incidents_cannot_be_acknowledged_or_snoozed() -> None:
    """People acting on an incident that is gone get no effects (the caller tells them)."""
    tracker = Tracker(cluster())
    assert tracker.acknowledge("membership-nope", "alice", at(0)) == []
    (opened,) = tracker.observe(without(at(15), "qbcap3"))
    tracker.observe(healthy(at(30)))
    tracker.observe(healthy(at(150)))
    assert tracker.acknowledge(opened.incident.id, "alice", at(200)) == []
    assert tracker.snooze(opened.incident.id, at(900), "alice", at(200)) == []


def test_maintenance_suppresses_paging_but_records_everything() -> None:
    """A node under maintenance leaving and coming back: no effects at all, a full record."""
    tracker = Tracker(cluster(), windows=[window(0, 3600, node="qbcap3")])
    assert tracker.observe(without(at(15), "qbcap3")) == []
    (incident,) = tracker.incidents
    assert incident.muted
    assert not incident.announced
    assert tracker.observe(healthy(at(60))) == []
    assert tracker.observe(healthy(at(180))) == []
    (incident,) = tracker.incidents
    assert incident.state is IncidentState.RESOLVED
    assert [e.text.split(":")[0] for e in incident.timeline] == [
        "poll",
        "healthy again; resolves if it stays so for 2 min and a fresh check agrees",
        "resolved after 2 min",
    ]


def test_a_node_outside_the_window_leaving_too_pages() -> None:
    """Maintenance on qbcap5 does not cover qbcap4: when qbcap4 also leaves, it is announced."""
    tracker = Tracker(cluster(5), windows=[window(0, 3600, node="qbcap5")])
    assert tracker.observe(without(at(15), "qbcap5", size=5)) == []
    effects = tracker.observe(without(at(30), "qbcap4", "qbcap5", size=5))
    assert kinds(effects) == ["Opened"]
    assert effects[0].incident.affected == ("qbcap4", "qbcap5")


def test_a_problem_that_outlives_its_window_is_announced_when_the_window_ends() -> None:
    """Still failing when maintenance ends: announced then, on the tick."""
    tracker = Tracker(cluster(), windows=[window(0, 600)])
    assert tracker.observe(without(at(15), "qbcap3")) == []
    assert tracker.observe(Tick(at=at(599))) == []
    effects = tracker.observe(Tick(at=at(600)))
    assert kinds(effects) == ["Opened"]
    assert not effects[0].incident.muted


def test_maintenance_begun_during_an_incident_edits_the_root_instead_of_replying() -> None:
    """An announced incident under a new window: its recovery edits the root, posts nothing."""
    tracker = Tracker(cluster())
    tracker.observe(without(at(15), "qbcap3"))
    effects = tracker.set_maintenance([window(20, 3600)], at(20))
    assert kinds(effects) == ["Updated"]
    assert effects[0].incident.muted
    tracker.observe(healthy(at(30)))
    effects = tracker.observe(healthy(at(150)))
    assert kinds(effects) == ["Updated"]  # not Resolved: no reply, no ping
    assert effects[0].incident.state is IncidentState.RESOLVED


def test_maintenance_ending_on_an_announced_incident_says_it_is_still_going_on() -> None:
    """When a window ends over an announced, unresolved incident, one reply says so."""
    tracker = Tracker(cluster())
    tracker.observe(without(at(15), "qbcap3"))
    tracker.set_maintenance([window(20, 600)], at(20))
    effects = tracker.observe(Tick(at=at(600)))
    assert kinds(effects) == ["Updated", "Note"]
    assert notes(effects)[0].text.startswith("maintenance is over and this is still going on")


def test_a_window_must_end_after_it_starts() -> None:
    """A window that ends before it starts is refused with a reason."""
    with pytest.raises(ValidationError, match="must end after it starts"):
        window(10, 5)


def test_a_restarted_tracker_continues_the_same_incident() -> None:
    """Built from the stored JSON, a tracker updates and resolves the incident it had."""
    before = Tracker(cluster(5))
    (opened,) = before.observe(without(at(15), "qbcap5", size=5))
    stored = INCIDENTS.dump_json(before.incidents)

    after = Tracker(cluster(5), incidents=INCIDENTS.validate_json(stored))
    assert after.observe(without(at(30), "qbcap5", size=5)) == []
    effects = after.observe(without(at(45), "qbcap4", "qbcap5", size=5))
    assert kinds(effects) == ["Updated", "Note"]
    assert effects[0].incident.id == opened.incident.id
    after.observe(healthy(at(60), size=5))
    (resolved,) = after.observe(healthy(at(180), size=5))
    assert isinstance(resolved, Resolved)
    assert resolved.incident.id == opened.incident.id


def test_a_restart_during_resolving_keeps_the_hold_down() -> None:
    """A tracker restarted while resolving resolves on schedule, not from scratch."""
    before = Tracker(cluster())
    before.observe(without(at(15), "qbcap3"))
    before.observe(healthy(at(30)))
    after = Tracker(
        cluster(), incidents=INCIDENTS.validate_json(INCIDENTS.dump_json(before.incidents))
    )
    assert kinds(after.observe(healthy(at(150)))) == ["Resolved"]


def test_the_thread_the_notifier_posted_is_kept() -> None:
    """The notifier's thread is kept by the tracker and carried by every later effect."""
    tracker = Tracker(cluster())
    (opened,) = tracker.observe(without(at(15), "qbcap3"))
    assert isinstance(opened, Opened)
    threaded = opened.incident.with_thread("C0ALERTS", "1795590077.160365")
    assert opened.incident.thread is None
    assert (threaded.thread and threaded.thread.ts) == "1795590077.160365"
    assert tracker.remember_thread(opened.incident.id, threaded.thread) == threaded
    assert tracker.remember_thread("membership-nope", threaded.thread) is None
    effects = tracker.observe(healthy(at(30)))
    assert isinstance(effects[0], Updated)
    assert effects[0].incident.thread == threaded.thread
    assert effects[0].incident.duration(at(30)) == timedelta(seconds=15)
    assert all(not isinstance(e, Note) for e in effects)
