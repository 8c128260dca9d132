"""The tracker turns membership changes, partitions and quorum loss into one incident per failure.

Polls are built by hand; journal lines go through the real parser (bot.corosync.logs) in the
format of the lab captures. Time is always passed in.
"""

from __future__ import annotations

from datetime import timedelta

from bot.monitor.effects import Note, Opened, Resolved, Updated
from bot.monitor.incident import IncidentState
from bot.monitor.ledger import TrackerSettings
from bot.monitor.observations import Tick
from bot.monitor.tracker import Tracker
from tests.monitor.scenario import (
    at,
    captured,
    cluster,
    healthy,
    joined,
    kinds,
    left,
    notes,
    quorum_lost,
    split,
    without,
)


def test_a_node_leaving_opens_one_incident() -> None:
    """A poll that misses a node opens one membership incident naming it, with the standing."""
    tracker = Tracker(cluster())
    assert tracker.observe(healthy(at(0))) == []
    effects = tracker.observe(without(at(15), "qbcap3"))
    assert kinds(effects) == ["Opened"]
    incident = effects[0].incident
    assert incident.kind == "membership"
    assert incident.affected == ("qbcap3",)
    assert incident.summary.startswith("qbcap3 left the membership; 2 of 3 nodes, quorate")
    assert incident.at_risk  # 2 votes left, quorum 2: one more loss and the cluster stops
    assert tracker.observe(without(at(30), "qbcap3")) == []


def test_a_second_node_leaving_updates_the_same_incident_and_replies() -> None:
    """Another node dropping out is an Updated root and a Note in the same thread."""
    tracker = Tracker(cluster(5))
    (opened,) = tracker.observe(without(at(15), "qbcap5", size=5))
    effects = tracker.observe(without(at(30), "qbcap4", "qbcap5", size=5))
    assert kinds(effects) == ["Updated", "Note"]
    assert {e.incident.id for e in effects} == {opened.incident.id}
    assert effects[0].incident.affected == ("qbcap4", "qbcap5")
    note = notes(effects)[0]
    assert note.text.startswith("qbcap4 also drops out")
    assert len(tracker.incidents) == 1


def test_several_nodes_dropping_at_once_are_one_incident() -> None:
    """Two nodes missing from the first poll that sees them gone open one incident for both."""
    tracker = Tracker(cluster(5))
    effects = tracker.observe(without(at(15), "qbcap4", "qbcap5", size=5))
    assert kinds(effects) == ["Opened"]
    assert effects[0].incident.summary.startswith("qbcap4 and qbcap5 left the membership")


def test_resolution_waits_for_the_hold_down_and_a_fresh_healthy_poll() -> None:
    """Healed: resolving at once, resolved only by a healthy poll at least 2 minutes later."""
    tracker = Tracker(cluster())
    (opened,) = tracker.observe(without(at(15), "qbcap3"))
    effects = tracker.observe(healthy(at(45)))
    assert kinds(effects) == ["Updated"]
    resolving = effects[0].incident
    assert resolving.state is IncidentState.RESOLVING
    assert resolving.stable_since == at(45)
    assert resolving.summary == opened.incident.summary  # still says what happened
    assert tracker.observe(healthy(at(120))) == []
    assert tracker.observe(healthy(at(164))) == []  # 119 s: not yet
    effects = tracker.observe(healthy(at(165)))
    assert kinds(effects) == ["Resolved"]
    resolved = effects[0].incident
    assert resolved.id == opened.incident.id
    assert resolved.state is IncidentState.RESOLVED
    assert resolved.resolved_at == at(165)


def test_the_hold_down_is_configurable() -> None:
    """With a 30 s hold-down, the first healthy poll 30 s after healing resolves it."""
    tracker = Tracker(cluster(), TrackerSettings(hold_down_s=30))
    tracker.observe(without(at(15), "qbcap3"))
    tracker.observe(healthy(at(45)))
    assert kinds(tracker.observe(healthy(at(75)))) == ["Resolved"]


def test_a_relapse_while_resolving_reopens_the_same_incident() -> None:
    """Failing again while resolving is the same incident: open again, one flap, one Note."""
    tracker = Tracker(cluster())
    (opened,) = tracker.observe(without(at(15), "qbcap3"))
    tracker.observe(healthy(at(45)))
    effects = tracker.observe(without(at(60), "qbcap3"))
    assert kinds(effects) == ["Updated", "Note"]
    incident = effects[0].incident
    assert incident.id == opened.incident.id
    assert incident.state is IncidentState.OPEN
    assert incident.flap_count == 1
    assert incident.stable_since is None
    assert "failed again" in notes(effects)[0].text
    # The hold-down starts over from the next heal.
    tracker.observe(healthy(at(75)))
    assert tracker.observe(healthy(at(190))) == []
    assert kinds(tracker.observe(healthy(at(195)))) == ["Resolved"]


def test_a_failure_after_resolution_is_a_new_incident() -> None:
    """Once resolved, the same failure again opens a new incident with a new id."""
    tracker = Tracker(cluster())
    (first,) = tracker.observe(without(at(15), "qbcap3"))
    tracker.observe(healthy(at(30)))
    tracker.observe(healthy(at(150)))
    (second,) = tracker.observe(without(at(300), "qbcap3"))
    assert isinstance(second, Opened)
    assert second.incident.id != first.incident.id
    assert second.incident.flap_count == 0


def test_a_partition_names_the_side_that_holds_quorum() -> None:
    """All nodes answer but disagree: the incident names both sides and which one is quorate."""
    tracker = Tracker(cluster())
    effects = tracker.observe(split(at(15), ["qbcap1", "qbcap2"], ["qbcap3"]))
    assert kinds(effects) == ["Opened"]
    incident = effects[0].incident
    assert incident.summary.startswith(
        "partition: qbcap1 and qbcap2 hold quorum; qbcap3 sees only itself; 2 of 3 nodes"
    )
    quorate, minority = incident.sides
    assert (quorate.seen_by, quorate.quorate) == (("qbcap1", "qbcap2"), True)
    assert (minority.seen_by, minority.quorate) == (("qbcap3",), False)
    assert incident.affected == ("qbcap3",)


def test_quorum_lost_everywhere_is_its_own_incident() -> None:
    """Every node alone and none quorate: one quorum incident saying so, critical."""
    tracker = Tracker(cluster())
    effects = tracker.observe(split(at(15), ["qbcap1"], ["qbcap2"], ["qbcap3"]))
    assert kinds(effects) == ["Opened"]
    incident = effects[0].incident
    assert incident.kind == "quorum"
    assert incident.summary == "quorum lost: qbcap1, qbcap2 and qbcap3 see only themselves"
    assert incident.severity == "critical"
    assert incident.quorate is False


def test_quorum_comes_back_then_resolves_after_the_hold_down() -> None:
    """The quorum incident resolves on a quorate poll 2 minutes after quorum came back."""
    tracker = Tracker(cluster())
    tracker.observe(split(at(15), ["qbcap1"], ["qbcap2"], ["qbcap3"]))
    effects = tracker.observe(healthy(at(30)))
    assert [e.incident.state for e in effects] == [IncidentState.RESOLVING]
    assert tracker.observe(healthy(at(60))) == []
    (resolved,) = tracker.observe(healthy(at(150)))
    assert isinstance(resolved, Resolved)
    texts = [e.text for e in resolved.incident.timeline]
    assert sum(t.startswith("poll: quorum regained") for t in texts) == 1


def test_a_journal_leave_opens_the_incident_before_the_poll_sees_it() -> None:
    """corosync's "Members left: 3" opens the incident at once; the next poll only refines it."""
    tracker = Tracker(cluster())
    effects = tracker.observe(left(at(2), "qbcap1", "1.11", 3))
    assert kinds(effects) == ["Opened"]
    incident = effects[0].incident
    assert incident.opened_at == at(2)
    assert incident.affected == ("qbcap3",)
    assert incident.summary == "qbcap3 left the membership (seen by qbcap1)"
    # The same membership as logged by the other member is not news.
    assert tracker.observe(left(at(2.001), "qbcap2", "1.11", 3)) == []
    effects = tracker.observe(without(at(15), "qbcap3"))
    assert kinds(effects) == ["Updated", "Note"]
    assert effects[0].incident.id == incident.id
    assert notes(effects)[0].text.startswith("quorum at risk")  # what only the poll can tell


def test_the_real_link_down_capture_opens_one_membership_incident() -> None:
    """Replaying the lab's link-down fault (all three journals) gives exactly one incident: the
    node's links went down and then it left, one story in one thread."""
    tracker = Tracker(cluster())
    effects = [e for seen in captured("link-down") for e in tracker.observe(seen)]
    last = max(e.at for e in captured("link-down"))
    effects += tracker.observe(Tick(at=last + timedelta(seconds=30)))
    opened = [e.incident for e in effects if isinstance(e, Opened)]
    assert [i.kind for i in opened] == ["membership"]
    membership = tracker.incidents[[i.kind for i in tracker.incidents].index("membership")]
    # qbcap3's own view ("1 and 2 left") leaves it alone in a minority: it is not believed.
    assert membership.affected == ("qbcap3",)
    assert any("minority" in e.text for e in membership.timeline)
    # The token warning before the leave is kept as the incident's prehistory.
    assert any("token not received" in e.text for e in membership.timeline)


def test_a_node_that_rejoins_and_leaves_again_counts_a_flap() -> None:
    """Leave, rejoin, leave (as the journal tells it) is one incident with one flap."""
    tracker = Tracker(cluster())
    tracker.observe(left(at(0), "qbcap1", "1.11", 3))
    assert kinds(tracker.observe(joined(at(10), "qbcap1", "1.15", 3))) == []
    effects = tracker.observe(left(at(20), "qbcap1", "1.19", 3))
    assert kinds(effects) == ["Updated", "Note"]
    assert effects[0].incident.flap_count == 1
    assert len(tracker.incidents) == 1


def test_quorum_lost_on_every_node_opens_the_quorum_incident_from_the_journal() -> None:
    """When every node's journal says non-primary component, the quorum incident opens at once."""
    tracker = Tracker(cluster())
    tracker.observe(healthy(at(0)))
    assert tracker.observe(quorum_lost(at(1), "qbcap1")) == []
    assert tracker.observe(quorum_lost(at(1), "qbcap2")) == []
    effects = tracker.observe(quorum_lost(at(1), "qbcap3"))
    assert kinds(effects) == ["Opened"]
    assert effects[0].incident.kind == "quorum"


def test_a_node_out_of_ssh_reach_but_in_the_membership_is_reported_as_such() -> None:
    """Unreachable from the bot yet a member: an incident that says exactly that."""
    tracker = Tracker(cluster())
    everyone = healthy(at(15))
    views = (*everyone.views[:2], without(at(15), "qbcap3").views[-1])
    effects = tracker.observe(everyone.__class__(cluster="qbcap", at=at(15), views=views))
    incident = effects[0].incident
    assert incident.summary.startswith("the bot cannot reach qbcap3 over SSH (still a member)")
    assert incident.at_risk is False


def test_quorum_newly_at_risk_turns_the_incident_critical() -> None:
    """In 5 nodes, a second loss leaves quorum one vote from lost: the root turns critical."""
    tracker = Tracker(cluster(5))
    (opened,) = tracker.observe(without(at(15), "qbcap5", size=5))
    assert not opened.incident.at_risk
    assert opened.incident.severity == "warning"
    effects = tracker.observe(without(at(30), "qbcap4", "qbcap5", size=5))
    assert effects[0].incident.at_risk
    assert effects[0].incident.severity == "critical"
    assert "one more lost vote would lose quorum" in notes(effects)[0].text


def test_while_quorum_is_lost_polls_leave_the_membership_incident_alone() -> None:
    """An open membership incident is not rewritten by polls that have no quorate side."""
    tracker = Tracker(cluster())
    (opened,) = tracker.observe(without(at(15), "qbcap3"))
    effects = tracker.observe(split(at(30), ["qbcap1"], ["qbcap2"], ["qbcap3"]))
    assert [(type(e), e.incident.kind) for e in effects] == [(Opened, "quorum")]
    assert tracker.incident(opened.incident.id) == opened.incident


def test_other_clusters_are_ignored() -> None:
    """Observations about another cluster change nothing."""
    tracker = Tracker(cluster())
    other = without(at(15), "qbcap3").__class__(cluster="elsewhere", at=at(15), views=())
    assert tracker.observe(other) == []
    assert tracker.incidents == ()


def test_resolved_incidents_are_kept_for_the_store_then_forgotten() -> None:
    """A resolved incident stays in the snapshot for keep_resolved_s, then is dropped."""
    tracker = Tracker(cluster(), TrackerSettings(keep_resolved_s=600))
    tracker.observe(without(at(15), "qbcap3"))
    tracker.observe(healthy(at(30)))
    (resolved,) = tracker.observe(healthy(at(150)))
    assert isinstance(resolved, Resolved)
    assert tracker.incidents == (resolved.incident,)
    tracker.observe(healthy(at(751)))
    assert tracker.incidents == ()


def test_updated_carries_the_latest_state() -> None:
    """Each Updated holds the incident as stored, so the newest one per id is enough."""
    tracker = Tracker(cluster(5))
    tracker.observe(without(at(15), "qbcap5", size=5))
    effects = tracker.observe(without(at(30), "qbcap4", "qbcap5", size=5))
    (updated,) = [e for e in effects if isinstance(e, Updated)]
    assert tracker.incident(updated.incident.id) == updated.incident
    assert all(isinstance(e, Updated | Note) for e in effects)


def test_no_node_answering_the_bot_is_an_incident_of_its_own_words() -> None:
    """When SSH reaches no node, an incident says the state is unknown rather than staying quiet."""
    tracker = Tracker(cluster())
    effects = tracker.observe(without(at(15), "qbcap1", "qbcap2", "qbcap3"))
    assert kinds(effects) == ["Opened"]
    incident = effects[0].incident
    assert incident.summary.startswith("the bot cannot reach any of the 3 nodes over SSH")
    assert incident.affected == ("qbcap1", "qbcap2", "qbcap3")
    assert kinds(tracker.observe(healthy(at(30)))) == ["Updated"]
