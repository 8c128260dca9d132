"""The incidents of one cluster and how each one changes: open, change, flap, clear, resolve. Pure.

Every change goes through here, so the rules about who hears what live in one place:
muted incidents never page; snoozed ones hold their notes back; ``Updated`` only when something
the root message shows has changed; an incident first seen under maintenance is announced
(``Opened``) the moment the maintenance no longer covers it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

from bot.model import Cluster
from bot.monitor import wording
from bot.monitor.effects import Effect, Note, Opened, Resolved, Updated
from bot.monitor.incident import (
    Incident,
    IncidentKey,
    IncidentKind,
    IncidentState,
    TimelineEntry,
    incident_id,
)
from bot.monitor.maintenance import Window, is_muted

# What the root message shows: a change to any of these re-renders it.
ROOT_FIELDS: Final = frozenset(
    {
        "state", "summary", "affected", "member_count", "quorate", "expected_votes",
        "total_votes", "at_risk", "sides", "links_down", "flap_count", "acknowledged_by",
        "snoozed_until", "muted", "resolved_at", "stable_since",
    }
)  # fmt: skip
RECENT_FLAPS_MAX: Final = 200


class TrackerSettings(BaseModel):
    """How calm the alerts are. Built by the runtime from ``Settings.monitor``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hold_down_s: float = Field(default=120.0, ge=0.0)
    """An incident resolves only after it has been healthy this long, confirmed by a poll."""
    flap_window_s: float = Field(default=120.0, gt=0.0)
    """Flaps within this window make an incident "flapping" in its summary."""
    timeline_max: int = Field(default=50, ge=2)
    """Timeline entries kept per incident: the first and the latest; the rest are counted."""
    stream_grace_s: float = Field(default=60.0, ge=0.0)
    """Every journal stream must stay down this long before it is an incident (reconnects are
    routine)."""
    votes_grace_s: float = Field(default=300.0, ge=0.0)
    """Expected and total votes must differ this long (a join or leave passes through it)."""
    link_grace_s: float = Field(default=10.0, ge=0.0)
    """A knet link down waits this long before it is a link incident: when its node leaves
    the membership meanwhile (token timeout and consensus come after knet's own timeout), the
    membership incident tells the story and the link events join its timeline instead."""
    keep_resolved_s: float = Field(default=86_400.0, ge=0.0)
    """Resolved incidents stay in ``Tracker.incidents`` this long, for the store to keep."""


def state_of(incident: Incident, at: datetime) -> IncidentState:
    """The state the other fields imply at ``at``."""
    if incident.resolved_at is not None:
        return IncidentState.RESOLVED
    if incident.stable_since is not None:
        return IncidentState.RESOLVING
    if incident.snoozed_until is not None and at < incident.snoozed_until:
        return IncidentState.SNOOZED
    if incident.acknowledged_by is not None:
        return IncidentState.ACKNOWLEDGED
    return IncidentState.OPEN


def milestone(count: int) -> bool:
    """1, 2, 5, 10, 20, 50, 100, …: how often a growing count is worth a reply."""
    if count <= 0:
        return False
    while count % 10 == 0:
        count //= 10
    return count in (1, 2, 5)


class Ledger:
    """The incidents of one cluster, active and recently resolved, keyed by id."""

    def __init__(
        self,
        cluster: Cluster,
        settings: TrackerSettings,
        incidents: Iterable[Incident],
        windows: Iterable[Window],
    ) -> None:
        self.cluster = cluster
        self.settings = settings
        self.windows: tuple[Window, ...] = ()
        self.set_windows(windows)
        self._incidents = {i.id: i for i in incidents if i.cluster == cluster.name}

    def set_windows(self, windows: Iterable[Window]) -> None:
        self.windows = tuple(w for w in windows if w.cluster == self.cluster.name)

    def all(self) -> tuple[Incident, ...]:
        return tuple(sorted(self._incidents.values(), key=lambda i: (i.opened_at, i.id)))

    def get(self, incident_id: str) -> Incident | None:
        return self._incidents.get(incident_id)

    def active(self, kind: IncidentKind) -> Incident | None:
        return next((i for i in self.all() if i.kind == kind and i.active), None)

    def prune(self, at: datetime) -> None:
        """Forget incidents resolved longer ago than ``keep_resolved_s``."""
        keep = timedelta(seconds=self.settings.keep_resolved_s)
        self._incidents = {
            k: i
            for k, i in self._incidents.items()
            if i.resolved_at is None or at - i.resolved_at <= keep
        }

    def open(
        self,
        kind: IncidentKind,
        at: datetime,
        *,
        summary: str,
        entries: Sequence[TimelineEntry] = (),
        **fields: Any,
    ) -> list[Effect]:
        """A new incident of ``kind``; announced unless maintenance covers it."""
        key = IncidentKey(cluster=self.cluster.name, kind=kind)
        incident = Incident(
            key=key,
            id=incident_id(key, at),
            opened_at=at,
            updated_at=at,
            summary=summary,
            node_count=len(self.cluster.nodes),
        ).model_copy(update=fields)
        for entry in entries:
            incident = incident.with_entry(entry, self.settings.timeline_max)
        incident = incident.model_copy(update={"muted": is_muted(incident, self.windows, at)})
        if incident.muted:
            self._store(incident)
            return []
        incident = self._store(incident.model_copy(update={"announced": True}))
        return [Opened(incident)]

    def change(
        self,
        incident: Incident,
        at: datetime,
        *,
        entry: TimelineEntry | str | None = None,
        note: str | None = None,
        **updates: Any,
    ) -> list[Effect]:
        """``incident`` with ``updates`` and ``entry``; ``note`` is replied unless muted or snoozed."""
        new = incident.model_copy(update={**updates, "updated_at": max(incident.updated_at, at)})
        if isinstance(entry, str):
            entry = TimelineEntry(at=at, text=entry)
        if entry is not None:
            new = new.with_entry(entry, self.settings.timeline_max)
        new = new.model_copy(
            update={"muted": is_muted(new, self.windows, at), "state": state_of(new, at)}
        )
        if not new.announced:
            if new.muted:
                self._store(new)
                return []
            # Maintenance no longer covers it: this is the first anyone hears of it.
            return [Opened(self._store(new.model_copy(update={"announced": True})))]
        if incident.muted and not new.muted and note is None:
            note = wording.still_failing_after_maintenance(new.summary)
        if new.muted:
            note = None
        elif note is not None and new.snoozed_until is not None and at < new.snoozed_until:
            new = new.model_copy(update={"held_notes": new.held_notes + 1})
            note = None
        self._store(new)
        effects: list[Effect] = []
        if _root_changed(incident, new):
            effects.append(Updated(new))
        if note is not None:
            effects.append(Note(new, note, at))
        return effects

    def flap(
        self,
        incident: Incident,
        at: datetime,
        *,
        entry: TimelineEntry | str | None = None,
        **updates: Any,
    ) -> list[Effect]:
        """It failed again after recovering: back to open, one more flap, a reply at milestones."""
        flaps = incident.flap_count + 1
        summary = updates.get("summary", incident.summary)
        return self.change(
            incident,
            at,
            entry=entry,
            note=wording.relapse(flaps, summary) if milestone(flaps) else None,
            stable_since=None,
            flap_count=flaps,
            recent_flaps=self.recent_flaps(incident, at, also=at),
            **updates,
        )

    def clear(
        self,
        incident: Incident,
        at: datetime,
        *,
        entry: TimelineEntry | str | None = None,
        **updates: Any,
    ) -> list[Effect]:
        """Healthy again: resolving from ``at`` unless it already is."""
        if incident.stable_since is not None:
            return self.change(incident, at, entry=entry, **updates)
        if entry is None:
            entry = wording.resolving(self.settings.hold_down_s)
        return self.change(incident, at, entry=entry, stable_since=at, **updates)

    def healthy(
        self,
        incident: Incident,
        at: datetime,
        *,
        entry: TimelineEntry | str | None = None,
        **updates: Any,
    ) -> list[Effect]:
        """A fresh check found it healthy: resolving, or resolved once the hold-down has passed."""
        hold = timedelta(seconds=self.settings.hold_down_s)
        if incident.stable_since is not None and at - incident.stable_since >= hold:
            return self.resolve(incident, at, **updates)
        return self.clear(incident, at, entry=entry, **updates)

    def resolve(self, incident: Incident, at: datetime, **updates: Any) -> list[Effect]:
        """Over: the root turns green; a muted incident's root is only edited (if it has one)."""
        seconds = (at - incident.opened_at).total_seconds()
        new = incident.model_copy(
            update={**updates, "resolved_at": at, "updated_at": max(incident.updated_at, at)}
        )
        entry = TimelineEntry(at=at, text=wording.resolved(seconds))
        new = new.with_entry(entry, self.settings.timeline_max)
        new = self._store(
            new.model_copy(
                update={"muted": is_muted(new, self.windows, at), "state": IncidentState.RESOLVED}
            )
        )
        if not new.announced:
            return []
        return [Updated(new)] if new.muted else [Resolved(new)]

    def recent_flaps(
        self, incident: Incident, at: datetime, *, also: datetime | None = None
    ) -> tuple[datetime, ...]:
        """Its flaps within the flap window of ``at`` (with ``also`` added)."""
        window = timedelta(seconds=self.settings.flap_window_s)
        times = (*incident.recent_flaps, *((also,) if also else ()))
        return tuple(t for t in times if at - t <= window)[-RECENT_FLAPS_MAX:]

    def put(self, incident: Incident) -> Incident:
        """Keep ``incident`` as it is (for what the notifier adds, like its thread)."""
        return self._store(incident)

    def _store(self, incident: Incident) -> Incident:
        self._incidents[incident.id] = incident
        return incident


def _root_changed(old: Incident, new: Incident) -> bool:
    return old.model_dump(include=set(ROOT_FIELDS)) != new.model_dump(include=set(ROOT_FIELDS))
