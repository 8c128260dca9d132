"""What the tracker asks the notifier to tell people. Pure.

    Opened(incident)         post the root message (this pages: a new thread in the channel)
    Updated(incident)        re-render the root message in place (chat.update; never pings)
    Note(incident, text, at) a short reply in the incident's thread
    Resolved(incident)       re-render the root (green, with the duration) and reply once

Every effect carries the incident as it is after the change, so rendering needs nothing else.
``Updated`` is idempotent: when several are pending for one incident only the latest matters,
so a notifier under Slack's rate limits may drop all but the newest per ``incident.id``.
Notes for one incident that arrive close together may be posted as one reply: ``batches``
groups them, and ``bot.slack.blocks.alert.alert_notes`` renders a group.

Muted incidents (maintenance) never page: no ``Opened``, ``Note`` or ``Resolved``. One that was
announced before its window began still gets ``Updated`` (its root message stays true, down to
turning green); one that never was announced gets no effect at all, and is only recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.monitor.incident import Incident


@dataclass(frozen=True)
class Opened:
    incident: Incident


@dataclass(frozen=True)
class Updated:
    incident: Incident


@dataclass(frozen=True)
class Note:
    incident: Incident
    text: str
    """Plain words (not mrkdwn): the renderer escapes them."""
    at: datetime

    @property
    def batch_key(self) -> str:
        """Notes with the same key belong in the same thread and may share one reply."""
        return self.incident.id


@dataclass(frozen=True)
class Resolved:
    incident: Incident


Effect = Opened | Updated | Note | Resolved


def batches(notes: Sequence[Note], window: timedelta) -> list[tuple[Note, ...]]:
    """``notes`` grouped into replies: one group per incident, each group spanning at most
    ``window`` from its first note; groups come in the order of their first note."""
    groups: list[list[Note]] = []
    open_groups: dict[str, list[Note]] = {}
    for note in notes:
        group = open_groups.get(note.batch_key)
        if group is None or note.at - group[0].at > window:
            group = []
            groups.append(group)
            open_groups[note.batch_key] = group
        group.append(note)
    return [tuple(g) for g in groups]
