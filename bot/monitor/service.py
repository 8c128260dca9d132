"""The monitor of one cluster: its streams and its poll feed one tracker; effects go to people.

Everything for a cluster passes one lock in arrival order, so the tracker (pure) sees one
observation at a time. Incidents are saved before and after they are published: a restart
rebuilds the tracker from them and resumes every stream after its saved journal cursor, so it
neither loses nor repeats an incident or its thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.config import MonitorSettings
from bot.model import Cluster
from bot.monitor.effects import Effect
from bot.monitor.incident import Incident
from bot.monitor.journal import follow
from bot.monitor.ledger import TrackerSettings
from bot.monitor.notify import Notifier
from bot.monitor.observations import JournalSeen, Observation, Tick
from bot.monitor.poll import poll_cluster
from bot.monitor.tracker import Tracker
from bot.ssh import SshPool
from bot.store.monitor_state import MonitorStateRepo
from bot.tasks import Supervisor

log = logging.getLogger(__name__)

TICK_S = 5.0
FOLLOWUP_POLLS = 10
"""Polls a second apart after membership news, until the cluster is whole again (or not)."""
MIN_POLL_GAP_S = 1.0
SETTLE_S = 1.0
"""After corosync logs a membership change, votequorum needs a moment before -s reports it."""
POLL_CHECK_S = 0.2
"""Slack after a hold-down ends before its fresh poll (clocks of nodes and bot differ a little)."""


class ClusterMonitor:
    def __init__(
        self,
        cluster: Cluster,
        *,
        pool: SshPool,
        state: MonitorStateRepo,
        notifier: Notifier,
        settings: MonitorSettings,
    ) -> None:
        self.cluster = cluster
        self._pool = pool
        self._state = state
        self._notifier = notifier
        self._settings = settings
        self._lock = asyncio.Lock()
        self._tracker: Tracker | None = None
        self._saved: dict[str, dict[str, object]] = {}
        self._wake = asyncio.Event()
        self._poll_due = float("inf")
        self._followups = 0

    @property
    def tracker(self) -> Tracker:
        if self._tracker is None:
            raise RuntimeError(f"the monitor of {self.cluster.name} has not started")
        return self._tracker

    async def start(self, supervisor: Supervisor) -> None:
        """Rebuild from what was saved, then follow every node and poll the cluster."""
        rows = await self._state.unresolved(self.cluster.name)
        saved = [Incident.model_validate(d) for d in rows]
        self._saved = {i.id: d for i, d in zip(saved, rows, strict=True)}
        cursors = await self._state.cursors(self.cluster.name)
        self._tracker = Tracker(
            self.cluster,
            TrackerSettings(hold_down_s=self._settings.hold_down_s),
            incidents=saved,
        )
        name = self.cluster.name
        for node in self.cluster.nodes:
            supervisor.spawn(
                follow(
                    self._pool,
                    node,
                    cursor=cursors.get(node.name),
                    sink=self.observe,
                    save_cursor=self._save_cursor,
                    backoff_max_s=self._settings.stream_backoff_max_s,
                ),
                name=f"journal stream {name}/{node.name}",
            )
        supervisor.spawn(self._poll_forever(), name=f"poll {name}")
        supervisor.spawn(self._tick_forever(), name=f"tick {name}")

    async def observe(self, observation: Observation) -> None:
        async with self._lock:
            await self._apply(self.tracker.observe(observation))
        if isinstance(observation, JournalSeen) and observation.event.kind in _MEMBERSHIP_NEWS:
            # corosync says the membership changed: check it from outside now (after votequorum
            # has settled) rather than at the next interval, so a heal starts its hold-down
            # when it happened and a leave is confirmed within seconds.
            self._poll_due = min(self._poll_due, time.monotonic() + SETTLE_S)
            self._followups = FOLLOWUP_POLLS
        self._wake.set()

    async def acknowledge(self, incident_id: str, by: str) -> bool:
        """Record who owns the incident; False when it is unknown here or already resolved."""
        async with self._lock:
            effects = self.tracker.acknowledge(incident_id, by, _now())
            await self._apply(effects)
            return bool(effects)

    async def snooze(self, incident_id: str, until: datetime, by: str) -> bool:
        async with self._lock:
            effects = self.tracker.snooze(incident_id, until, by, _now())
            await self._apply(effects)
            return bool(effects)

    def open_incidents(self) -> list[Incident]:
        return [i for i in self.tracker.incidents if i.active]

    async def _apply(self, effects: Sequence[Effect]) -> None:
        await self._save_changed()
        if not effects:
            return
        posted = await self._notifier.publish(effects)
        for incident in posted:
            self.tracker.remember_thread(incident.id, incident.thread)
        await self._save_changed()

    async def _save_changed(self) -> None:
        """Save every incident that differs from what was saved (muted ones change silently)."""
        for incident in self.tracker.incidents:
            data = incident.model_dump(mode="json")
            if self._saved.get(incident.id) == data:
                continue
            await self._state.save_incident(
                incident.id, incident.cluster, incident.state.value, data
            )
            self._saved[incident.id] = data

    async def _save_cursor(self, node: str, cursor: str) -> None:
        await self._state.save_cursor(self.cluster.name, node, cursor)

    async def _poll_forever(self) -> None:
        while True:
            self._poll_due = float("inf")
            try:
                await self.observe(await poll_cluster(self._pool, self.cluster))
            except Exception:  # a bug in one round must not end the watch
                log.exception("poll of %s failed", self.cluster.name)
            last = time.monotonic()
            if self._followups and any(
                i.active and i.stable_since is None for i in self.tracker.incidents
            ):
                # The news is not whole yet (a rejoining node still syncing): look again soon.
                self._followups -= 1
                self._poll_due = min(self._poll_due, last + SETTLE_S)
            # Sleep out the interval, but wake to recompute whenever an observation lands:
            # it may have started a hold-down, or be news that needs a fresh look sooner.
            while (remaining := self._next_poll_at(last) - time.monotonic()) > 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), remaining)

    def _next_poll_at(self, last: float) -> float:
        """When to poll next (monotonic): the interval, a hold-down's end, or news, whichever first."""
        due = min(last + self._settings.poll_interval_s, self._poll_due)
        now_wall, now = _now().timestamp(), time.monotonic()
        for incident in self.tracker.incidents:
            if incident.active and incident.stable_since is not None:
                ends = incident.stable_since.timestamp() + self._settings.hold_down_s
                due = min(due, now + (ends - now_wall) + POLL_CHECK_S)  # past: poll at once
        return max(due, last + MIN_POLL_GAP_S)  # an incident stuck resolving must not spin

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            try:
                await self.observe(Tick(at=_now()))
            except Exception:  # hold-downs and snoozes must keep ending
                log.exception("tick of %s failed", self.cluster.name)


_MEMBERSHIP_NEWS = frozenset({"membership", "quorum-lost", "quorum-regained", "node-shutdown"})


def _now() -> datetime:
    return datetime.now(UTC)
