"""Incident effects as Slack messages: one thread per incident, its root kept true in place.

Opened posts the root in the cluster's alert channel (its ts becomes the thread); Updated
re-renders it with chat.update; Notes are thread replies, batched when dense; Resolved turns the
root green and says so once in the thread. Slack's rate limits (about one post per second per
channel) are met by the client's Retry-After handling and by collapsing redundant updates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.monitor.effects import Effect, Note, Opened, Resolved, Updated, batches
from bot.monitor.incident import Incident
from bot.slack.blocks.alert import alert_notes, alert_root

log = logging.getLogger(__name__)

NOTE_BATCH = timedelta(seconds=10)

ChannelFor = Callable[[str], str | None]
"""Cluster name -> the channel id of its alert threads (None: do not post)."""
RunbookFor = Callable[[Incident], str | None]


class SlackNotifier:
    def __init__(
        self,
        client: AsyncWebClient,
        channel_for: ChannelFor,
        runbook_for: RunbookFor = lambda _incident: None,
    ) -> None:
        self._client = client
        self._channel_for = channel_for
        self._runbook_for = runbook_for

    async def publish(self, effects: Sequence[Effect]) -> list[Incident]:
        posted: dict[str, Incident] = {}  # incidents whose root was just posted (now threaded)

        def threaded(incident: Incident) -> Incident:
            known = posted.get(incident.id)
            if incident.thread is None and known is not None and known.thread is not None:
                return incident.with_thread(known.thread.channel, known.thread.ts)
            return incident

        roots: dict[str, Incident] = {}  # only the newest root of each incident is rendered
        notes: list[Note] = []
        for effect in effects:
            incident = threaded(effect.incident)
            if isinstance(effect, Opened):
                opened = await self._open(incident)
                if opened is not None:
                    posted[opened.id] = opened
            elif isinstance(effect, Updated):
                roots[incident.id] = incident
            elif isinstance(effect, Note):
                notes.append(Note(incident, effect.text, effect.at))
            elif isinstance(effect, Resolved):
                roots[incident.id] = incident
                at = incident.resolved_at or incident.updated_at
                lasted = _duration(incident.duration(at))
                notes.append(Note(incident, f"Resolved after {lasted}.", at))
        for effect in effects:
            incident = threaded(effect.incident)
            if not isinstance(effect, Opened) and incident.thread is None:
                # Its root never made it to Slack (a failed post, a crash before saving it):
                # post it now rather than updating nothing forever.
                opened = await self._open(incident)
                if opened is not None:
                    posted[opened.id] = opened
                    roots.pop(opened.id, None)
        for incident in roots.values():
            await self._update(threaded(incident))
        for group in batches([Note(threaded(n.incident), n.text, n.at) for n in notes], NOTE_BATCH):
            await self._reply(group)
        return list(posted.values())

    async def _open(self, incident: Incident) -> Incident | None:
        channel = self._channel_for(incident.cluster)
        if channel is None:
            log.warning(
                "no alert channel for cluster %s: incident %s not posted",
                incident.cluster,
                incident.id,
            )
            return None
        message = alert_root(incident, suggested_runbook=self._runbook_for(incident))
        try:
            answer = await self._client.chat_postMessage(channel=channel, **message.payload())
        except (SlackApiError, OSError, TimeoutError, aiohttp.ClientError) as exc:
            log.error("could not post incident %s: %s", incident.id, _why(exc))
            return None
        return incident.with_thread(str(answer["channel"]), str(answer["ts"]))

    async def _update(self, incident: Incident) -> None:
        if incident.thread is None:
            return
        message = alert_root(incident, suggested_runbook=self._runbook_for(incident))
        try:
            await self._client.chat_update(
                channel=incident.thread.channel, ts=incident.thread.ts, **message.payload()
            )
        except (SlackApiError, OSError, TimeoutError, aiohttp.ClientError) as exc:
            log.error("could not update incident %s: %s", incident.id, _why(exc))

    async def _reply(self, group: Sequence[Note]) -> None:
        incident = group[-1].incident
        if incident.thread is None:
            return
        message = alert_notes(group)
        try:
            await self._client.chat_postMessage(
                channel=incident.thread.channel, thread_ts=incident.thread.ts, **message.payload()
            )
        except (SlackApiError, OSError, TimeoutError, aiohttp.ClientError) as exc:
            log.error("could not reply in incident %s: %s", incident.id, _why(exc))


def _duration(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def _why(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error"))
    return f"{type(exc).__name__}: {exc}"
