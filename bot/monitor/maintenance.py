"""Maintenance windows: planned work on a cluster or a node that must not page anyone. Pure.

A window mutes an incident when it covers everything the incident is about: every affected node
(a cluster window covers them all), or for a link incident every down link (a link is covered
when either end is). A muted incident is still tracked and recorded; only paging stops.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, ConfigDict, model_validator

from bot.monitor.incident import Incident


class Window(BaseModel):
    """Planned work on ``cluster`` (or only on ``node``) from ``start`` until ``end``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cluster: str
    node: str | None = None
    """None: the whole cluster."""
    start: datetime
    end: datetime
    reason: str
    by: str

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> Window:
        if self.end <= self.start:
            raise ValueError("a maintenance window must end after it starts")
        return self

    def covers(self, cluster: str, node: str | None, at: datetime) -> bool:
        """Whether this window covers ``node`` (None: the cluster as a whole) at ``at``."""
        if cluster != self.cluster or not self.start <= at < self.end:
            return False
        return self.node is None or self.node == node


def covered(windows: Iterable[Window], cluster: str, node: str | None, at: datetime) -> bool:
    return any(w.covers(cluster, node, at) for w in windows)


def is_muted(incident: Incident, windows: Iterable[Window], at: datetime) -> bool:
    """Whether maintenance covers everything ``incident`` is about at ``at``."""
    windows = tuple(windows)
    cluster = incident.cluster
    if covered(windows, cluster, None, at):
        return True
    if incident.kind == "link":
        if not incident.links_down:
            return incident.muted  # every link is back up: nothing new to judge by
        return all(
            any(covered(windows, cluster, end, at) for end in link.nodes)
            for link in incident.links_down
        )
    if not incident.affected:
        return False
    return all(covered(windows, cluster, node, at) for node in incident.affected)
