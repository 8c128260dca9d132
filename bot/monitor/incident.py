"""An incident as data: what failed on which cluster, since when, who knows, and what happened. Pure.

One incident per cluster and failure class (its key) is open at a time; everything that happens
to that failure lands in it, so several nodes dropping at once or a node flapping is one thread.
Incidents are frozen pydantic models: the tracker replaces them, the store keeps their JSON, and
a tracker rebuilt from that JSON carries on with the same incident after a restart.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.model import Severity

IncidentKind = Literal["membership", "quorum", "link", "stream", "votes"]
"""The failure classes: nodes missing from the membership, quorum lost everywhere, knet links
down, no journal stream from any node, expected votes that differ from the votes present."""

KIND_TITLES: Final[dict[IncidentKind, str]] = {
    "membership": "membership changed",
    "quorum": "quorum lost",
    "link": "knet link down",
    "stream": "journal streams lost",
    "votes": "votes do not add up",
}


class IncidentState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    RESOLVING = "resolving"
    """Healthy again; resolves when a fresh check after the hold-down still finds it healthy."""
    RESOLVED = "resolved"


class IncidentKey(BaseModel):
    """What makes two failures the same incident: the cluster and the failure class."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cluster: str
    kind: IncidentKind


def incident_id(key: IncidentKey, opened_at: datetime) -> str:
    """``membership-20261125T082509Z-1a2b3c4d``: stable, short, and free of the cluster's name
    (which may be long or odd), so it fits in any button or option value."""
    at = opened_at.astimezone(UTC) if opened_at.tzinfo else opened_at
    digest = hashlib.sha256(f"{key.cluster}\0{key.kind}\0{at.isoformat()}".encode()).hexdigest()
    return f"{key.kind}-{at:%Y%m%dT%H%M%SZ}-{digest[:8]}"


class TimelineEntry(BaseModel):
    """One thing that happened, in plain words; ``node`` is who said so (None: the bot)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: datetime
    node: str | None = None
    text: str


class PartitionSide(BaseModel):
    """Nodes that share one membership view, what they see, and whether they hold quorum."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seen_by: tuple[str, ...]
    members: tuple[str, ...]
    """Member names; ``nodeid N`` for members the inventory does not know."""
    quorate: bool


class LinkDown(BaseModel):
    """A knet link between two nodes that one of them reported down."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    nodes: tuple[str, str]
    """Sorted, so both ends' reports of the same link are one value."""
    link: int

    @property
    def label(self) -> str:
        return f"{self.nodes[0]}–{self.nodes[1]} link {self.link}"


class SlackThread(BaseModel):
    """Where the incident's root message lives; its replies are the thread."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: str
    ts: str


class Incident(BaseModel):
    """The live state of one failure; the root message is this, rendered."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: IncidentKey
    id: str
    state: IncidentState = IncidentState.OPEN
    opened_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    summary: str
    """What is wrong, in a sentence a tired human can act on."""
    affected: tuple[str, ...] = ()
    """The nodes it is about, in inventory order."""
    node_count: int = 0
    """How many nodes the inventory has."""
    member_count: int | None = None
    """How many inventory nodes the quorate membership held at the last poll."""
    quorate: bool | None = None
    expected_votes: int | None = None
    total_votes: int | None = None
    at_risk: bool = False
    """Quorate, but one more lost vote would lose quorum."""
    sides: tuple[PartitionSide, ...] = ()
    """Empty unless nodes disagree about the membership; the quorate side first."""
    links_down: tuple[LinkDown, ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()
    """The first entry (what opened it) and the latest ones; see ``timeline_dropped``."""
    timeline_dropped: int = 0
    flap_count: int = 0
    """Membership, quorum, stream, votes: how often it failed again after recovering (while
    resolving, or a node the journal saw rejoin leaving again). Link: how many times its links
    all came back up (a down/up cycle, knet's own notion of a flap)."""
    recent_flaps: tuple[datetime, ...] = ()
    """When the latest flaps happened, within the tracker's flap window."""
    stable_since: datetime | None = None
    """Set while resolving: healthy since then."""
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    snoozed_until: datetime | None = None
    snoozed_by: str | None = None
    held_notes: int = Field(default=0, ge=0)
    """Notes not posted because of a snooze, told when it ends."""
    muted: bool = False
    """A maintenance window covers it: nothing pages, everything is still recorded."""
    announced: bool = False
    """Whether its root message was asked for (an ``Opened`` effect was given)."""
    thread: SlackThread | None = None

    @property
    def cluster(self) -> str:
        return self.key.cluster

    @property
    def kind(self) -> IncidentKind:
        return self.key.kind

    @property
    def active(self) -> bool:
        return self.state is not IncidentState.RESOLVED

    @property
    def quorum(self) -> int | None:
        """votequorum's quorum for the expected votes (without two_node or last_man_standing)."""
        return None if self.expected_votes is None else self.expected_votes // 2 + 1

    @property
    def severity(self) -> Severity:
        if self.state is IncidentState.RESOLVED:
            return Severity.OK
        if self.kind == "quorum" or self.at_risk:
            return Severity.CRITICAL
        return Severity.WARNING

    def duration(self, until: datetime) -> timedelta:
        """How long it has lasted by ``until`` (or lasted, once resolved)."""
        return (self.resolved_at or until) - self.opened_at

    def with_thread(self, channel: str, ts: str) -> Incident:
        """This incident with its root message's place filled in (by the notifier)."""
        return self.model_copy(update={"thread": SlackThread(channel=channel, ts=ts)})

    def with_entry(self, entry: TimelineEntry, most: int) -> Incident:
        """This incident with ``entry`` added, keeping the first entry and the latest ones."""
        timeline = (*self.timeline, entry)
        dropped = self.timeline_dropped
        if len(timeline) > max(most, 2):
            cut = len(timeline) - max(most, 2)
            timeline = (timeline[0], *timeline[1 + cut :])
            dropped += cut
        return self.model_copy(update={"timeline": timeline, "timeline_dropped": dropped})
