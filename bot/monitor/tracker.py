"""The incident tracker of one cluster: observations in, effects out. Pure; time is always given.

    poll            the authority: who is in the quorate membership, partitions, votes;
                    the only fresh check that can resolve an incident
    journal         the fast path: a membership change, a knet link down or up, quorum lost on
                    every node open or feed incidents before the next poll; token warnings and
                    the like go into the timeline
    stream state    every journal stream down past a grace period: a stream incident
    tick            snoozes and maintenance windows end

Rules:
- One active incident per failure class (membership, quorum, link, stream, votes).
- Healthy again: ``resolving`` from then; ``resolved`` only when a poll at least ``hold_down_s``
  later still finds it healthy. A relapse while resolving reopens the same incident, counts a
  flap and replies at 1, 2, 5, 10, 20… flaps; a failure after resolution is a new incident.
- A knet link incident counts a flap each time all its links are back up (a down/up cycle);
  its replies come at 2, 5, 10, 20… cycles, so a link flapping all night stays one quiet thread.
- Journal leaves are provisional: the next poll replaces the affected nodes with what it finds.
- While no side is quorate, the quorum incident speaks for the cluster: polls leave the
  membership incident as it is (other than reopening it when it was resolving).
- Quorum at risk (one more lost vote would lose quorum) marks the membership incident critical
  and replies once; a cluster that is whole but always at risk (two nodes) is the diagnosis's
  business, not an alert.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Final

from bot.model import Cluster
from bot.monitor import wording
from bot.monitor.assessment import Assessment, assess
from bot.monitor.effects import Effect
from bot.monitor.incident import Incident, IncidentKind, LinkDown, SlackThread, TimelineEntry
from bot.monitor.ledger import Ledger, TrackerSettings, milestone
from bot.monitor.maintenance import Window, is_muted
from bot.monitor.observations import JournalSeen, Observation, Poll, StreamState, Tick

RINGS_REMEMBERED: Final = 64
"""Every node logs the same new membership; its ring id tells the copies apart."""
PREHISTORY_MAX: Final = 20
"""Journal lines kept for an incident that may open soon (token warnings before a leave)."""


class Tracker:
    """Incidents of one cluster, from what the monitor observes and what people decide."""

    def __init__(
        self,
        cluster: Cluster,
        settings: TrackerSettings | None = None,
        *,
        incidents: Iterable[Incident] = (),
        windows: Iterable[Window] = (),
    ) -> None:
        self._cluster = cluster
        self._settings = settings or TrackerSettings()
        self._ledger = Ledger(cluster, self._settings, incidents, windows)
        self._inventory = tuple(n.name for n in cluster.nodes)
        self._names = {n.nodeid: n.name for n in cluster.nodes if n.nodeid is not None}
        self._streams: dict[str, StreamState] = {}
        self._votes_since: datetime | None = None
        self._rings: deque[tuple[object, ...]] = deque(maxlen=RINGS_REMEMBERED)
        self._quorum_lost: dict[str, bool] = {}
        self._rejoined: set[str] = set()
        self._prehistory: deque[TimelineEntry] = deque(maxlen=PREHISTORY_MAX)
        # Links down not yet announced (see TrackerSettings.link_grace_s), and the times of
        # down/up cycles completed meanwhile.
        self._pending_links: dict[LinkDown, datetime] = {}
        self._pending_cycles: list[datetime] = []
        self._pending_since: datetime | None = None

    @property
    def incidents(self) -> tuple[Incident, ...]:
        """Every active incident and those resolved within ``keep_resolved_s``: what to store."""
        return self._ledger.all()

    def incident(self, incident_id: str) -> Incident | None:
        return self._ledger.get(incident_id)

    def observe(self, observation: Observation) -> list[Effect]:
        """What ``observation`` changes, as effects for the notifier."""
        if not isinstance(observation, Tick) and observation.cluster != self._cluster.name:
            return []
        at = observation.at
        effects = self._refresh(at)
        if isinstance(observation, Poll):
            effects += self._poll(observation)
        elif isinstance(observation, JournalSeen):
            effects += self._journal(observation)
        elif isinstance(observation, StreamState):
            effects += self._stream(observation)
        effects += self._streams_due(at)
        effects += self._links_due(at)
        self._ledger.prune(at)
        return effects

    def acknowledge(self, incident_id: str, by: str, at: datetime) -> list[Effect]:
        """Someone owns it: the root says who; replies go on. Nothing for unknown or resolved."""
        incident = self._ledger.get(incident_id)
        if incident is None or not incident.active:
            return []
        return self._ledger.change(
            incident,
            at,
            entry=f"acknowledged by {by}",
            note=wording.acknowledged(by),
            acknowledged_by=by,
            acknowledged_at=at,
        )

    def snooze(self, incident_id: str, until: datetime, by: str, at: datetime) -> list[Effect]:
        """No replies until ``until`` (the root stays current); then one reply with what changed."""
        incident = self._ledger.get(incident_id)
        if incident is None or not incident.active or until <= at:
            return []
        entry = f"snoozed by {by} until {wording.utc(until)}"
        return self._ledger.change(incident, at, entry=entry, snoozed_until=until, snoozed_by=by)

    def remember_thread(self, incident_id: str, thread: SlackThread | None) -> Incident | None:
        """Keep where the notifier posted the root message, so later effects and the stored
        incident carry it; None when the incident is unknown (or ``thread`` is None)."""
        incident = self._ledger.get(incident_id)
        if incident is None or thread is None:
            return None
        return self._ledger.put(incident.model_copy(update={"thread": thread}))

    def set_maintenance(self, windows: Iterable[Window], at: datetime) -> list[Effect]:
        """The maintenance windows from now on (others' clusters are ignored)."""
        self._ledger.set_windows(windows)
        return self._refresh(at)

    # -- time ---------------------------------------------------------------------------------

    def _refresh(self, at: datetime) -> list[Effect]:
        """Snoozes that ran out and maintenance that began or ended, as of ``at``."""
        effects: list[Effect] = []
        for incident in self._ledger.all():
            if not incident.active:
                continue
            if incident.snoozed_until is not None and at >= incident.snoozed_until:
                effects += self._ledger.change(
                    incident,
                    at,
                    entry="snooze over",
                    note=wording.snooze_over(incident.held_notes, incident.summary),
                    snoozed_until=None,
                    snoozed_by=None,
                    held_notes=0,
                )
            elif is_muted(incident, self._ledger.windows, at) != incident.muted:
                began = "began" if not incident.muted else "ended"
                effects += self._ledger.change(incident, at, entry=f"maintenance {began}")
        return effects

    # -- polls --------------------------------------------------------------------------------

    def _poll(self, poll: Poll) -> list[Effect]:
        a = assess(self._cluster, poll)
        at = poll.at
        if a.quorate_side is not None:
            # A missed "primary component" line must not leave a node counted as without quorum.
            self._quorum_lost.update(dict.fromkeys(a.quorate_side.seen_by, False))
        return [
            *self._poll_quorum(a, at),
            *self._poll_membership(a, at),
            *self._poll_votes(a, at),
            *self._poll_links(a, at),
            *self._poll_streams(at),
        ]

    def _poll_membership(self, a: Assessment, at: datetime) -> list[Effect]:
        incident = self._ledger.active("membership")
        if a.inventory and len(a.unreachable) == len(a.inventory):
            return self._poll_blind(incident, a, at)
        if a.quorate_side is None:
            if incident is not None and incident.stable_since is not None:
                return self._ledger.flap(incident, at, entry="poll: no quorate membership")
            return []
        summary = wording.membership_summary(a)
        fields: dict[str, Any] = {
            "summary": summary,
            "affected": a.affected,
            "member_count": a.member_count,
            "quorate": True,
            "expected_votes": a.expected_votes,
            "total_votes": a.total_votes,
            "at_risk": a.at_risk,
            "sides": a.sides if a.partitioned else (),
        }
        if incident is None and not a.affected:
            return []
        if incident is not None:
            self._rejoined &= set(a.affected)
            if a.whole:
                # The summary and affected nodes keep saying what happened; numbers are current.
                del fields["summary"], fields["affected"]
                return self._ledger.healthy(incident, at, **fields)
        note = _membership_note(incident, a) if incident else None
        return self._failing("membership", incident, at, note=note, **fields)

    def _poll_blind(self, incident: Incident | None, a: Assessment, at: datetime) -> list[Effect]:
        """No node answers the bot: the cluster may be down, or the bot cut off. Unknown, loudly."""
        summary = wording.unreachable_all(a.inventory)
        note = summary if incident is not None and summary != incident.summary else None
        return self._failing(
            "membership",
            incident,
            at,
            note=note,
            summary=summary,
            affected=a.inventory,
            quorate=None,
        )

    def _failing(
        self,
        kind: IncidentKind,
        incident: Incident | None,
        at: datetime,
        *,
        note: str | None = None,
        summary: str,
        **fields: Any,
    ) -> list[Effect]:
        """A poll found ``kind`` failing: open it, reopen it (a flap) or bring it up to date."""
        if incident is None:
            # Journal lines before the failure belong to corosync's incidents, not to the votes.
            before = self._take_prehistory(at) if kind != "votes" else []
            entries = [*before, TimelineEntry(at=at, text=f"poll: {summary}")]
            return self._ledger.open(kind, at, summary=summary, entries=entries, **fields)
        entry = f"poll: {summary}" if summary != incident.summary else None
        if incident.stable_since is not None:
            return self._ledger.flap(incident, at, entry=entry, summary=summary, **fields)
        return self._ledger.change(incident, at, entry=entry, note=note, summary=summary, **fields)

    def _poll_quorum(self, a: Assessment, at: datetime) -> list[Effect]:
        incident = self._ledger.active("quorum")
        if a.quorum_lost:
            return self._failing(
                "quorum",
                incident,
                at,
                summary=wording.quorum_summary(a),
                affected=self._inventory,
                sides=a.sides,
                quorate=False,
                member_count=None,
            )
        if incident is None or a.quorate_side is None:
            return []
        entry = None
        if incident.stable_since is None:
            entry = f"poll: quorum regained; {wording.standing(a)}"
        sides = a.sides if a.partitioned else ()
        return self._ledger.healthy(incident, at, entry=entry, quorate=True, sides=sides)

    def _poll_votes(self, a: Assessment, at: datetime) -> list[Effect]:
        incident = self._ledger.active("votes")
        if a.votes_mismatch and a.expected_votes is not None and a.total_votes is not None:
            self._votes_since = self._votes_since or at
            grace = timedelta(seconds=self._settings.votes_grace_s)
            if incident is None and at - self._votes_since < grace:
                return []
            return self._failing(
                "votes",
                incident,
                at,
                summary=wording.votes_summary(a.expected_votes, a.total_votes),
                expected_votes=a.expected_votes,
                total_votes=a.total_votes,
                quorate=True,
                member_count=a.member_count,
            )
        if a.quorate_side is None or a.expected_votes is None or a.total_votes is None:
            return []
        self._votes_since = None
        if incident is None:
            return []
        votes: dict[str, Any] = {"expected_votes": a.expected_votes, "total_votes": a.total_votes}
        return self._ledger.healthy(incident, at, **votes)

    def _poll_links(self, a: Assessment, at: datetime) -> list[Effect]:
        """The poll cannot see knet links; a whole membership with none reported down is the
        freshest check there is."""
        incident = self._ledger.active("link")
        if incident is None or incident.links_down or not a.whole:
            return []
        return self._ledger.healthy(incident, at)

    def _poll_streams(self, at: datetime) -> list[Effect]:
        incident = self._ledger.active("stream")
        if incident is None or not any(s.connected for s in self._streams.values()):
            return []
        return self._ledger.healthy(incident, at, affected=self._streams_down())

    # -- journal ------------------------------------------------------------------------------

    def _journal(self, seen: JournalSeen) -> list[Effect]:
        event = seen.event
        text = wording.event_text(event, self._names)
        entry = TimelineEntry(at=seen.at, node=seen.node, text=text) if text else None
        if event.kind == "membership":
            return self._journal_membership(seen, entry)
        if event.kind in ("link-down", "link-up") and event.nodes:
            return self._journal_link(seen, entry)
        if event.kind in ("quorum-lost", "quorum-regained"):
            self._quorum_lost[seen.node] = event.kind == "quorum-lost"
            if event.kind == "quorum-lost" and all(
                self._quorum_lost.get(n) for n in self._inventory
            ):
                return self._journal_quorum_lost(seen, entry)
        if entry is None:
            return []
        return self._remember(entry, "quorum", "membership", "link")

    def _remember(self, entry: TimelineEntry, *kinds: IncidentKind) -> list[Effect]:
        """``entry`` in the timeline of the first active incident of ``kinds``, and kept for the
        next incident to open (token warnings come between a link going down and the leave)."""
        self._prehistory.append(entry)
        for kind in kinds:
            incident = self._ledger.active(kind)
            if incident is not None:
                return self._ledger.change(incident, entry.at, entry=entry)
        return []

    def _journal_membership(self, seen: JournalSeen, entry: TimelineEntry | None) -> list[Effect]:
        event = seen.event
        copy = (event.ring_id, event.left, event.joined)
        if copy in self._rings:
            return []
        self._rings.append(copy)
        left = self._ordered(self._name(i) for i in event.left)
        joined = self._ordered(self._name(i) for i in event.joined)
        incident = self._ledger.active("membership")
        at = seen.at
        if not left:
            if incident is None or entry is None:
                return []
            self._rejoined |= set(joined) & set(incident.affected)
            return self._ledger.change(incident, at, entry=entry)
        if 2 * len(set(self._inventory) - set(left)) < len(self._inventory):
            # The reporter is left in a minority: most likely it is the one cut off, and the
            # majority's own journal (or the next poll) says so with authority.
            text = wording.minority_saw(seen.node, left)
            return self._remember(TimelineEntry(at=at, node=seen.node, text=text), "membership")
        if incident is None:
            entries = [*self._take_prehistory(at), *(e for e in (entry,) if e)]
            summary = wording.left_seen(left, seen.node)
            return self._ledger.open(
                "membership", at, summary=summary, entries=entries, affected=left
            )
        affected = self._ordered({*incident.affected, *left})
        added = [n for n in affected if n not in incident.affected]
        again = set(left) & self._rejoined
        self._rejoined -= set(left)
        summary = wording.left_seen(affected, seen.node) if added else incident.summary
        fields: dict[str, Any] = {"affected": affected, "summary": summary}
        if incident.stable_since is not None or again:
            return self._ledger.flap(incident, at, entry=entry, **fields)
        note = wording.more_left(added) + summary if added else None
        return self._ledger.change(incident, at, entry=entry, note=note, **fields)

    def _journal_link(self, seen: JournalSeen, entry: TimelineEntry | None) -> list[Effect]:
        event = seen.event
        at = seen.at
        ends = sorted((seen.node, self._name(event.nodes[0])))
        link = LinkDown(nodes=(ends[0], ends[1]), link=event.link or 0)
        incident = self._ledger.active("link")
        window = self._settings.flap_window_s
        gone = self._ledger.active("membership")
        if (
            gone is not None
            and set(link.nodes) & set(gone.affected)
            and (incident is None or link not in incident.links_down)
        ):
            # A node that left the membership takes its links with it: the membership thread
            # tells that story; a second thread for the same node would only be noise.
            return self._remember(entry, "membership") if entry else []
        if incident is None:
            return self._pend_link(event.kind == "link-down", link, at, entry)
        if event.kind == "link-down":
            if link in incident.links_down:
                return self._ledger.change(incident, at, entry=entry)  # the other end says so too
            links = tuple(sorted({*incident.links_down, link}, key=lambda x: (x.nodes, x.link)))
            recent = len(self._ledger.recent_flaps(incident, at))
            return self._ledger.change(
                incident,
                at,
                entry=entry,
                summary=wording.links_summary(links, incident.flap_count, recent, window),
                links_down=links,
                affected=self._ordered({*incident.affected, *link.nodes}),
                stable_since=None,
            )
        if link not in incident.links_down:
            return self._ledger.change(incident, at, entry=entry)
        links = tuple(x for x in incident.links_down if x != link)
        if links:
            recent = len(self._ledger.recent_flaps(incident, at))
            summary = wording.links_summary(links, incident.flap_count, recent, window)
            return self._ledger.change(incident, at, entry=entry, summary=summary, links_down=links)
        # Every link is back up: one down/up cycle.
        flaps = incident.flap_count + 1
        recent_flaps = self._ledger.recent_flaps(incident, at, also=at)
        note = None
        if flaps > 1 and milestone(flaps):
            note = wording.link_cycles(flaps, len(recent_flaps), window)
        return self._ledger.change(
            incident,
            at,
            entry=entry,
            note=note,
            summary=wording.links_summary((), flaps, len(recent_flaps), window),
            links_down=(),
            flap_count=flaps,
            recent_flaps=recent_flaps,
            stable_since=incident.stable_since or at,
        )

    def _journal_quorum_lost(self, seen: JournalSeen, entry: TimelineEntry | None) -> list[Effect]:
        incident = self._ledger.active("quorum")
        summary = wording.quorum_lost_everywhere()
        if incident is None:
            entries = [*self._take_prehistory(seen.at), *(e for e in (entry,) if e)]
            return self._ledger.open(
                "quorum",
                seen.at,
                summary=summary,
                entries=entries,
                affected=self._inventory,
                quorate=False,
            )
        if incident.stable_since is not None:
            return self._ledger.flap(incident, seen.at, entry=entry)
        return self._ledger.change(incident, seen.at, entry=entry)

    # -- streams ------------------------------------------------------------------------------

    def _stream(self, state: StreamState) -> list[Effect]:
        self._streams[state.node] = state
        incident = self._ledger.active("stream")
        if incident is None:
            return []
        down = self._streams_down()
        if state.connected:
            entry = TimelineEntry(at=state.at, text=wording.streams_back([state.node]))
            return self._ledger.clear(incident, state.at, entry=entry, affected=down)
        if incident.stable_since is not None and self._all_streams_down():
            return self._ledger.flap(incident, state.at, affected=down)
        return self._ledger.change(incident, state.at, affected=down)

    def _streams_due(self, at: datetime) -> list[Effect]:
        """Open the stream incident once every stream has been down for the grace period."""
        if self._ledger.active("stream") is not None or not self._all_streams_down():
            return []
        since = max(self._streams[n].at for n in self._inventory)
        if at - since < timedelta(seconds=self._settings.stream_grace_s):
            return []
        errors = {n: self._streams[n].error for n in self._inventory}
        summary = wording.streams_summary(errors, len(self._inventory))
        entries = [TimelineEntry(at=since, text=summary)]
        return self._ledger.open(
            "stream", at, summary=summary, entries=entries, affected=self._inventory
        )

    def _all_streams_down(self) -> bool:
        return bool(self._inventory) and all(
            n in self._streams and not self._streams[n].connected for n in self._inventory
        )

    def _streams_down(self) -> tuple[str, ...]:
        return tuple(
            n for n in self._inventory if n in self._streams and not self._streams[n].connected
        )

    # -- helpers ------------------------------------------------------------------------------

    def _name(self, nodeid: int) -> str:
        return self._names.get(nodeid, f"nodeid {nodeid}")

    def _ordered(self, names: Iterable[str]) -> tuple[str, ...]:
        """Inventory order, then names the inventory does not know."""
        wanted = set(names)
        known = [n for n in self._inventory if n in wanted]
        return (*known, *sorted(wanted - set(known)))

    def _pend_link(
        self, down: bool, link: LinkDown, at: datetime, entry: TimelineEntry | None
    ) -> list[Effect]:
        """Hold a link event back for the grace period; it may belong to a node that leaves."""
        if entry is not None:
            self._prehistory.append(entry)
        if down:
            self._pending_links.setdefault(link, at)
            self._pending_since = self._pending_since or at
        elif link in self._pending_links:
            del self._pending_links[link]
            if not self._pending_links:
                self._pending_cycles.append(at)
        return []

    def _links_due(self, at: datetime) -> list[Effect]:
        """Links held back past the grace period: part of a membership incident, or their own."""
        since = self._pending_since
        if since is None or (at - since).total_seconds() < self._settings.link_grace_s:
            return []
        gone = self._ledger.active("membership")
        left = set(gone.affected) if gone is not None else set()
        links = tuple(
            sorted(
                (x for x in self._pending_links if not set(x.nodes) & left),
                key=lambda x: (x.nodes, x.link),
            )
        )
        cycles = tuple(self._pending_cycles)
        folded = len(links) < len(self._pending_links) or (cycles and gone is not None)
        self._pending_links.clear()
        self._pending_cycles = []
        self._pending_since = None
        if folded and not links:
            return []  # the membership incident has these events in its timeline already
        if not links and not cycles:
            return []
        window = self._settings.flap_window_s
        recent = tuple(t for t in cycles if (at - t).total_seconds() <= window)
        return self._ledger.open(
            "link",
            since,
            summary=wording.links_summary(links, len(cycles), len(recent), window),
            entries=self._take_prehistory(at),
            links_down=links,
            affected=self._ordered({n for x in links for n in x.nodes}),
            flap_count=len(cycles),
            recent_flaps=recent,
            stable_since=None if links else cycles[-1],
        )

    def _take_prehistory(self, at: datetime) -> list[TimelineEntry]:
        window = timedelta(seconds=self._settings.flap_window_s)
        entries = [e for e in self._prehistory if at - window <= e.at <= at]
        self._prehistory.clear()
        return entries


def _membership_note(incident: Incident, a: Assessment) -> str | None:
    """A reply when the poll finds more nodes out, some back, or quorum newly at risk."""
    before, now = set(incident.affected), set(a.affected)
    added = [n for n in a.affected if n not in before]
    back = [n for n in incident.affected if n not in now]
    summary = wording.membership_summary(a)
    if added:
        return wording.more_left(added) + summary
    if back and now:
        return wording.some_back(back, a.affected)
    if a.at_risk and not incident.at_risk:
        return wording.at_risk(a)
    return None
