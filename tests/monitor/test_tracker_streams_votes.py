"""A bot that lost every journal stream, and votes that do not add up, are incidents too."""

from __future__ import annotations

from bot.monitor.incident import IncidentState
from bot.monitor.ledger import TrackerSettings
from bot.monitor.observations import NodeView, Poll, Tick
from bot.monitor.tracker import Tracker
from tests.monitor.scenario import NAME, at, cluster, healthy, kinds, names, stream


def votes_poll(seconds: float, expected: int, total: int) -> Poll:
    """Every node a member and quorate, reporting the given votes."""
    when = at(seconds)
    views = tuple(
        NodeView(
            node=n,
            at=when,
            reachable=True,
            corosync_running=True,
            quorate=True,
            members=frozenset(names()),
            expected_votes=expected,
            total_votes=total,
        )
        for n in names()
    )
    return Poll(cluster=NAME, at=when, views=views)


def test_every_stream_down_past_the_grace_period_is_an_incident() -> None:
    """All three journal streams lost for a minute: one stream incident; one back: resolving."""
    tracker = Tracker(cluster())
    for node in names():
        assert tracker.observe(stream(at(0), node, connected=False)) == []
    assert tracker.observe(Tick(at=at(59))) == []
    effects = tracker.observe(Tick(at=at(60)))
    assert kinds(effects) == ["Opened"]
    incident = effects[0].incident
    assert incident.kind == "stream"
    assert "no corosync journal from any of the 3 nodes" in incident.summary
    assert "connection lost" in incident.summary
    effects = tracker.observe(stream(at(70), "qbcap1", connected=True))
    assert effects[0].incident.state is IncidentState.RESOLVING
    assert kinds(tracker.observe(healthy(at(190)))) == ["Resolved"]


def test_streams_that_reconnect_within_the_grace_period_are_not_an_incident() -> None:
    """A routine reconnect of every stream stays quiet."""
    tracker = Tracker(cluster())
    for node in names():
        tracker.observe(stream(at(0), node, connected=False))
    tracker.observe(stream(at(5), "qbcap2", connected=True))
    assert tracker.observe(Tick(at=at(600))) == []


def test_one_stream_down_is_not_an_incident() -> None:
    """The poll still sees a node whose stream dropped; only losing all of them alerts."""
    tracker = Tracker(cluster(), TrackerSettings(stream_grace_s=0))
    assert tracker.observe(stream(at(0), "qbcap3", connected=False)) == []
    assert tracker.observe(Tick(at=at(600))) == []


def test_expected_votes_differing_for_long_is_a_votes_incident() -> None:
    """Expected 2 but 3 votes present for 5 minutes: a votes incident that explains it."""
    tracker = Tracker(cluster())
    assert tracker.observe(votes_poll(0, expected=2, total=3)) == []
    assert tracker.observe(votes_poll(299, expected=2, total=3)) == []
    effects = tracker.observe(votes_poll(300, expected=2, total=3))
    assert kinds(effects) == ["Opened"]
    incident = effects[0].incident
    assert incident.kind == "votes"
    assert incident.summary.startswith("expected votes 2, but 3 votes present (quorum 2)")
    tracker.observe(votes_poll(310, expected=3, total=3))
    assert kinds(tracker.observe(votes_poll(430, expected=3, total=3))) == ["Resolved"]


def test_votes_missing_because_a_node_left_are_the_membership_incident_s_business() -> None:
    """2 of 3 votes with a node gone is explained by the membership: no votes incident."""
    tracker = Tracker(cluster(), TrackerSettings(votes_grace_s=0))
    effects = tracker.observe(
        Poll(
            cluster=NAME,
            at=at(0),
            views=tuple(
                NodeView(
                    node=n,
                    at=at(0),
                    reachable=True,
                    corosync_running=True,
                    quorate=True,
                    members=frozenset({"qbcap1", "qbcap2"}),
                    expected_votes=3,
                    total_votes=2,
                )
                for n in ("qbcap1", "qbcap2")
            ),
        )
    )
    assert [e.incident.kind for e in effects] == ["membership"]
