"""Incidents: the monitor's pure state machine, in one import.

incident.py     Incident and its parts (key, state, timeline, partition sides, thread)
maintenance.py  Window: planned work that mutes paging
assessment.py   what one poll says about the cluster as a whole
wording.py      every sentence the monitor says
effects.py      Opened, Updated, Note, Resolved: what to tell people
ledger.py       how one incident changes (and who hears of it); TrackerSettings
tracker.py      Tracker: observations in, effects out
"""

from bot.monitor.effects import Effect, Note, Opened, Resolved, Updated, batches
from bot.monitor.incident import (
    Incident,
    IncidentKey,
    IncidentKind,
    IncidentState,
    LinkDown,
    PartitionSide,
    SlackThread,
    TimelineEntry,
)
from bot.monitor.ledger import TrackerSettings
from bot.monitor.maintenance import Window
from bot.monitor.tracker import Tracker

__all__ = [
    "Effect",
    "Incident",
    "IncidentKey",
    "IncidentKind",
    "IncidentState",
    "LinkDown",
    "Note",
    "Opened",
    "PartitionSide",
    "Resolved",
    "SlackThread",
    "TimelineEntry",
    "Tracker",
    "TrackerSettings",
    "Updated",
    "Window",
    "batches",
]
