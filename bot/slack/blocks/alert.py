"""An incident as Slack messages: the root (its live state, edited in place) and thread replies. Pure.

The root says what happened in plain words, who is out, how quorum and votes stand, since when,
and who is on it; its buttons acknowledge, snooze, diagnose and (when one is suggested) start a
runbook. A resolved incident turns green, says how long it lasted, shows its timeline and drops
the buttons. Replies are one short line, or several batched into one message.

Button and menu values name the incident by id (always short: ``bot.monitor.incident.incident_id``)
and are read back with ``SnoozeChoice.decode`` / ``DiagnoseRequest.decode``; the handler re-reads
everything else and re-checks policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from pydantic import BaseModel, ConfigDict

from bot.model import Severity
from bot.monitor.effects import Note
from bot.monitor.incident import KIND_TITLES, Incident, IncidentState, PartitionSide
from bot.monitor.wording import span
from bot.slack.blocks.buttons import RunbookRequest, runbook_button
from bot.slack.blocks.message import (
    BLOCK_TEXT_BUDGET,
    Block,
    Message,
    button,
    context,
    fields,
    header,
    message,
    pack,
    plain,
    section,
    slack_time,
)
from bot.slack.blocks.mrkdwn import NAME_MAX, inline_code, mrkdwn, names
from bot.slack.blocks.severity import emoji
from bot.slack.limits import (
    BUTTON_VALUE_MAX,
    MAX_BLOCKS,
    OPTION_TEXT_MAX,
    OPTION_VALUE_MAX,
    PLACEHOLDER_MAX,
    block_text_length,
)

INCIDENT_ACK: Final = "incident.ack"
INCIDENT_SNOOZE: Final = "incident.snooze"
DIAGNOSE_RUN: Final = "diagnose.run"
SNOOZE_CHOICES: Final = (("15 minutes", 15), ("1 hour", 60), ("4 hours", 240), ("24 hours", 1440))

SUMMARY_MAX: Final = 600
FIELD_MAX: Final = 400
NOTE_MAX: Final = 1_000
ENTRY_MAX: Final = 300
SIDES_SHOWN: Final = 6
TIMELINE_SHOWN: Final = 30
TIMELINE_RESERVE: Final = 300
"""Characters kept back from the timeline for the context line and the "…earlier" line."""
NOTES_RESERVE: Final = 200


class SnoozeChoice(BaseModel):
    """A snooze menu option's value: which incident, for how long."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    incident: str
    minutes: int

    def encode(self) -> str:
        return self.model_dump_json()

    @classmethod
    def decode(cls, value: str) -> SnoozeChoice:
        """The choice a menu carried; raises pydantic.ValidationError for anything else."""
        return cls.model_validate_json(value)


class DiagnoseRequest(BaseModel):
    """A Diagnose button's value, ``{"cluster": …, "node": …}`` as the diagnose handler reads it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cluster: str
    node: str | None = None

    def encode(self) -> str:
        return self.model_dump_json(exclude_none=True)

    @classmethod
    def decode(cls, value: str) -> DiagnoseRequest:
        return cls.model_validate_json(value)


def alert_root(incident: Incident, *, suggested_runbook: str | None = None) -> Message:
    """The incident's root message as it stands now."""
    resolved = incident.state is IncidentState.RESOLVED
    blocks: list[Block] = [header(_headline(incident)), section(_lead(incident))]
    blocks.append(fields(*_facts(incident)))
    if incident.sides:
        blocks.append(section(_sides(incident.sides)))
    if resolved:
        budget = BLOCK_TEXT_BUDGET - block_text_length(blocks) - TIMELINE_RESERVE
        blocks += _timeline(incident, budget, MAX_BLOCKS["message"] - len(blocks) - 2)
    blocks.append(context(_footer(incident)))
    if not resolved:
        actions = _actions(incident, suggested_runbook)
        if actions:
            blocks.append({"type": "actions", "elements": actions})
    return message("alert", _fallback(incident), blocks)


def alert_note(note: Note) -> Message:
    """One short reply in the incident's thread."""
    text = mrkdwn(note.text, NOTE_MAX) or "…"
    return message(
        "note",
        text,
        [section(f"{emoji(note.incident.severity)} {text}"), context(slack_time(note.at))],
    )


def alert_notes(notes: Sequence[Note]) -> Message:
    """Replies that came close together, as one message (a single one as ``alert_note``)."""
    if len(notes) == 1:
        return alert_note(notes[0])
    if not notes:
        return message("notes", "…", [section("…")])
    lines = [f"• {slack_time(n.at)} {mrkdwn(n.text, NOTE_MAX) or '…'}" for n in notes]
    listed, shown = pack(
        lines,
        "\n".join,
        budget=BLOCK_TEXT_BUDGET - NOTES_RESERVE,
        most=MAX_BLOCKS["message"] - 1,
    )
    blocks = listed
    if shown < len(lines):
        blocks.append(context(f"…and {len(lines) - shown} more updates"))
    fallback = "\n".join(mrkdwn(n.text, NOTE_MAX) or "…" for n in notes[:20])
    return message("notes", fallback, blocks)


def _headline(incident: Incident) -> str:
    title = KIND_TITLES[incident.kind]
    if incident.state is IncidentState.RESOLVED:
        return f"{emoji(Severity.OK)} {incident.cluster}: {title}, resolved"
    return f"{emoji(incident.severity)} {incident.cluster}: {title}"


def _lead(incident: Incident) -> str:
    summary = mrkdwn(incident.summary, SUMMARY_MAX)
    if incident.state is IncidentState.RESOLVED and incident.resolved_at is not None:
        lasted = span(incident.duration(incident.resolved_at).total_seconds())
        return f"*Resolved after {lasted}.* It began with: {summary}"
    return f"*{summary}*"


def _facts(incident: Incident) -> list[str]:
    facts = [f"*State*\n{_state(incident)}", f"*Since*\n{slack_time(incident.opened_at)}"]
    if incident.affected:
        facts.append(f"*Affected nodes*\n{names(incident.affected, FIELD_MAX)}")
    if incident.quorate is not None:
        facts.append(f"*Quorum*\n{_quorum(incident)}")
    if incident.expected_votes is not None and incident.total_votes is not None:
        votes = f"{incident.total_votes} of {incident.expected_votes} expected"
        votes += f", quorum {incident.quorum}"
        if incident.at_risk and incident.state is not IncidentState.RESOLVED:
            votes += "\n:warning: one more lost vote loses quorum"
        facts.append(f"*Votes*\n{votes}")
    if incident.links_down:
        facts.append(f"*Links down*\n{names([x.label for x in incident.links_down], FIELD_MAX)}")
    if incident.flap_count:
        facts.append(f"*Flaps*\n{incident.flap_count}")
    return facts


def _state(incident: Incident) -> str:
    state = incident.state
    if state is IncidentState.RESOLVED and incident.resolved_at is not None:
        return f":white_check_mark: resolved {slack_time(incident.resolved_at)}"
    if state is IncidentState.RESOLVING and incident.stable_since is not None:
        return (
            f":hourglass_flowing_sand: resolving: healthy since {slack_time(incident.stable_since)}"
        )
    if state is IncidentState.SNOOZED and incident.snoozed_until is not None:
        by = mrkdwn(incident.snoozed_by or "someone", NAME_MAX)
        return f":zzz: snoozed by {by} until {slack_time(incident.snoozed_until)}"
    text = ":rotating_light: open"
    if incident.acknowledged_by is not None:
        text = f":eyes: acknowledged by {mrkdwn(incident.acknowledged_by, NAME_MAX)}"
        if incident.acknowledged_at is not None:
            text += f" {slack_time(incident.acknowledged_at)}"
    return text


def _quorum(incident: Incident) -> str:
    if not incident.quorate:
        return ":no_entry: NOT quorate"
    if incident.member_count is None:
        return ":white_check_mark: quorate"
    return f":white_check_mark: quorate, {incident.member_count} of {incident.node_count} nodes"


def _sides(sides: Sequence[PartitionSide]) -> str:
    lines = [f"*:scissors: Nodes disagree: {len(sides)} views*"]
    for side in sides[:SIDES_SHOWN]:
        state = ":white_check_mark: quorate" if side.quorate else ":no_entry: *NOT quorate*"
        see = "sees" if len(side.seen_by) == 1 else "see"
        lines.append(
            f"• {names(side.seen_by, FIELD_MAX)} {see} {names(side.members, FIELD_MAX)}: {state}"
        )
    if len(sides) > SIDES_SHOWN:
        lines.append(f"_…and {len(sides) - SIDES_SHOWN} more views_")
    return "\n".join(lines)


def _timeline(incident: Incident, budget: int, most: int) -> list[Block]:
    """The latest timeline entries that fit, oldest first, and how many were left out."""
    entries = list(incident.timeline[-TIMELINE_SHOWN:])
    lines = [_entry(e.at, e.node, e.text) for e in entries]
    # Keep the newest: pack from the end, then put them back in order.
    listed, shown = pack(
        lines[::-1], lambda chunk: "\n".join(chunk[::-1]), budget=max(budget, 0), most=most
    )
    blocks = [section("*Timeline*"), *listed[::-1]]
    hidden = len(incident.timeline) - shown + incident.timeline_dropped
    if hidden > 0:
        blocks.insert(1, context(f"…{hidden} earlier events not shown"))
    return blocks


def _entry(at: datetime, node: str | None, text: str) -> str:
    who = f"{mrkdwn(node, NAME_MAX)}: " if node else ""
    return f"• {slack_time(at)} {who}{mrkdwn(text, ENTRY_MAX)}"


def _footer(incident: Incident) -> str:
    parts = [
        f"incident {inline_code(incident.id, 80)}",
        f"updated {slack_time(incident.updated_at)}",
    ]
    if incident.muted:
        parts.insert(0, ":construction: maintenance: paging suppressed")
    return " · ".join(parts)


def _actions(incident: Incident, runbook: str | None) -> list[Block]:
    elements: list[Block] = []
    if incident.acknowledged_by is None and len(incident.id) <= BUTTON_VALUE_MAX:
        ack = button("Acknowledge", action_id=INCIDENT_ACK, value=incident.id)
        elements.append({**ack, "style": "primary"})
    snooze = _snooze_menu(incident)
    if snooze is not None:
        elements.append(snooze)
    node = incident.affected[0] if len(incident.affected) == 1 else None
    diagnose = DiagnoseRequest(cluster=incident.cluster, node=node).encode()
    if len(diagnose) <= BUTTON_VALUE_MAX:
        elements.append(button("Diagnose", action_id=DIAGNOSE_RUN, value=diagnose))
    if runbook:
        request = RunbookRequest(runbook=runbook, cluster=incident.cluster, node=node)
        start = runbook_button(request, 0)
        if start is not None:
            elements.append(start)
    return elements


def _snooze_menu(incident: Incident) -> Block | None:
    options = []
    for label, minutes in SNOOZE_CHOICES:
        value = SnoozeChoice(incident=incident.id, minutes=minutes).encode()
        if len(value) > OPTION_VALUE_MAX:
            return None
        options.append({"text": plain(label, OPTION_TEXT_MAX), "value": value})
    return {
        "type": "static_select",
        "action_id": INCIDENT_SNOOZE,
        "placeholder": plain("Snooze…", PLACEHOLDER_MAX),
        "options": options,
    }


def _fallback(incident: Incident) -> str:
    return f"{mrkdwn(_headline(incident), 300)}: {mrkdwn(incident.summary, SUMMARY_MAX)}"
