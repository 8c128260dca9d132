"""knet link events make one link incident that counts its flaps instead of re-announcing them."""

from __future__ import annotations

from bot.monitor.effects import Effect
from bot.monitor.incident import IncidentState, LinkDown
from bot.monitor.observations import Tick
from bot.monitor.tracker import Tracker
from tests.monitor.scenario import at, cluster, healthy, kinds, link, notes, without


def flap_ten_times(tracker: Tracker) -> list[Effect]:
    """qbcap3's NIC drops for 6 s every 12 s, ten times in two minutes, seen from both ends
    and from qbcap2: every line as each journal logs it."""
    effects: list[Effect] = []
    for cycle in range(10):
        down, up = at(cycle * 12), at(cycle * 12 + 6)
        for seen in (
            link(down, "qbcap1", 3, "down"),
            link(down, "qbcap2", 3, "down"),
            link(down, "qbcap3", 1, "down"),
            link(down, "qbcap3", 2, "down"),
            link(up, "qbcap1", 3, "up"),
            link(up, "qbcap3", 1, "up"),
            link(up, "qbcap2", 3, "up"),
            link(up, "qbcap3", 2, "up"),
        ):
            effects += tracker.observe(seen)
    return effects


def test_a_link_still_down_after_the_grace_period_opens_a_link_incident() -> None:
    """A link down whose nodes stay members opens a link incident naming both ends, once."""
    tracker = Tracker(cluster())
    assert tracker.observe(link(at(0), "qbcap1", 3, "down")) == []
    # The other end's report of the same link changes nothing anyone sees.
    assert tracker.observe(link(at(0.1), "qbcap3", 1, "down")) == []
    effects = tracker.observe(Tick(at=at(10)))
    assert kinds(effects) == ["Opened"]
    incident = effects[0].incident
    assert incident.kind == "link"
    assert incident.links_down == (LinkDown(nodes=("qbcap1", "qbcap3"), link=0),)
    assert incident.summary == "knet link down: qbcap1–qbcap3 link 0"
    assert tracker.observe(Tick(at=at(20))) == []


def test_links_of_a_node_that_leaves_join_the_membership_incident() -> None:
    """Link down first, then the node leaves: one membership incident tells it all, no link one."""
    tracker = Tracker(cluster())
    tracker.observe(link(at(0), "qbcap1", 3, "down"))
    effects = tracker.observe(without(at(3), "qbcap3"))
    assert [(type(e).__name__, e.incident.kind) for e in effects] == [("Opened", "membership")]
    assert any("link" in e.text for e in effects[0].incident.timeline)
    assert tracker.observe(Tick(at=at(15))) == []
    assert [i.kind for i in tracker.incidents] == ["membership"]


def test_a_link_flapping_ten_times_in_two_minutes_is_one_incident_with_ten_flaps() -> None:
    """Ten down/up cycles: one Opened, a flap count of 10, and only a few replies."""
    tracker = Tracker(cluster())
    effects = flap_ten_times(tracker)
    assert kinds(effects).count("Opened") == 1
    (incident,) = tracker.incidents
    assert incident.flap_count == 10
    assert len(incident.recent_flaps) == 10
    assert "flapping: 10 down/up cycles in the last 2 min" in incident.summary
    replies = notes(effects)
    assert len(replies) <= 3  # at 2, 5 and 10 cycles
    assert "10 down/up cycles so far" in replies[-1].text
    assert incident.state is IncidentState.RESOLVING


def test_a_flapping_link_resolves_only_after_a_quiet_hold_down() -> None:
    """After the last cycle, a healthy poll 2 minutes later resolves the one incident."""
    tracker = Tracker(cluster())
    flap_ten_times(tracker)
    last_up = at(9 * 12 + 6)
    assert kinds(tracker.observe(healthy(at(180)))) == []  # 66 s after the last "up"
    effects = tracker.observe(healthy(at(240)))
    assert kinds(effects) == ["Resolved"]
    assert effects[0].incident.stable_since == last_up


def test_a_link_that_comes_back_waits_for_the_membership_to_be_whole() -> None:
    """All links up but a node still out of the membership: the link incident does not resolve."""
    tracker = Tracker(cluster())
    tracker.observe(link(at(0), "qbcap1", 3, "down"))
    tracker.observe(Tick(at=at(10)))
    tracker.observe(link(at(15), "qbcap1", 3, "up"))
    assert [
        (type(e).__name__, e.incident.kind) for e in tracker.observe(without(at(200), "qbcap3"))
    ] == [("Opened", "membership")]
    (link_incident,) = [i for i in tracker.incidents if i.kind == "link"]
    assert link_incident.state is IncidentState.RESOLVING


def test_a_second_link_down_is_added_to_the_same_incident() -> None:
    """Another link going down while one is down joins the incident; the root is re-rendered."""
    tracker = Tracker(cluster())
    tracker.observe(link(at(0), "qbcap1", 3, "down"))
    tracker.observe(Tick(at=at(10)))
    effects = tracker.observe(link(at(11), "qbcap2", 3, "down"))
    assert kinds(effects) == ["Updated"]
    assert [x.label for x in effects[0].incident.links_down] == [
        "qbcap1–qbcap3 link 0",
        "qbcap2–qbcap3 link 0",
    ]
