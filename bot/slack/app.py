"""The Slack front end: one bolt AsyncApp, built by a function (no module-level app).

Every listener acks first. Checks that need only the database (policy, cluster names, argument
shapes) run before the ack, so a refusal or a usage error is the ack itself and nothing runs.
Work that may take seconds (SSH) acks with a "working…" message and continues in a task the
Supervisor owns; its result replaces that message (or is posted in the channel), and an error
replaces it too, so nobody is left without an answer.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import policy as authz
from bot.config import SlackSettings
from bot.errors import BotError, UsageError
from bot.monitor.service import ClusterMonitor
from bot.operations import Operations
from bot.runbooks.model import Runbook
from bot.slack import blocks
from bot.slack.commands import Command, parse_command
from bot.slack.directory import UserGroups
from bot.slack.handlers import QUICK, Caller, Handlers, Reply
from bot.slack.payloads import BlockActions, read_block_actions, read_json_value, read_slash_command
from bot.slack.retry import retry_handlers
from bot.tasks import Supervisor

log = logging.getLogger(__name__)

COMMAND = "/quorum"
ACTION_IDS = re.compile(r"^(diagnose\.run|runbook\.start)(\..*)?$")


def build_client(settings: SlackSettings) -> AsyncWebClient:
    """The Web API client every part of the bot shares, with retries for 429, 5xx and resets."""
    token = settings.bot_token.get_secret_value() if settings.bot_token else None
    return AsyncWebClient(
        token=token,
        base_url=settings.api_base_url,
        retry_handlers=retry_handlers(settings.max_retries),
    )


class SlackFrontend:
    """The listeners; state lives in the handlers, the supervisor and Slack's message ids."""

    def __init__(
        self,
        handlers: Handlers,
        groups: UserGroups,
        supervisor: Supervisor,
        client: AsyncWebClient,
    ) -> None:
        self.handlers = handlers
        self.groups = groups
        self.supervisor = supervisor
        self.client = client

    async def on_command(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        try:
            request = read_slash_command(body)
            command = parse_command(request.text)
            caller = Caller(
                request.user_id, request.channel_id, await self.groups.of(request.user_id)
            )
            if command.verb in QUICK:
                reply = await self.handlers.handle(command, caller)
                await ack(**_ephemeral(reply.message))
                return
            await self.handlers.admit(command, caller)
        except BotError as exc:
            await ack(**_ephemeral(blocks.error_message(str(exc))))
            return
        except Exception:  # noqa: BLE001 - _oops logs it; the user still gets an answer
            await ack(**_ephemeral(_oops("/quorum")))
            return
        await ack(**_ephemeral(blocks.working_message(f"{command.verb.value}…")))
        self.supervisor.spawn(
            self._answer(command, caller, respond),
            name=f"slack {command.verb.value} for {caller.user_id}",
        )

    async def on_action(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        try:
            click, caller = await self._clicked(body)
            command = _command_of(click.action.action_id, click.action.value)
            await self.handlers.admit(command, caller)
        except BotError as exc:
            await _respond(respond, blocks.error_message(str(exc)), replace=False)
            return
        except Exception:  # noqa: BLE001 - _oops logs it with a reference
            await _respond(respond, _oops("the button"), replace=False)
            return
        self.supervisor.spawn(
            self._answer(command, caller, respond, replace=False),
            name=f"slack click {click.action.action_id} for {caller.user_id}",
        )

    async def on_incident(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """Acknowledge or snooze, from the alert's own buttons; the root updates itself."""
        await ack()
        try:
            click, caller = await self._clicked(body)
            done = await self.handlers.incident_action(
                caller, click.action.action_id, click.action.chosen
            )
        except BotError as exc:
            await _respond(respond, blocks.error_message(str(exc)), replace=False)
            return
        except Exception:  # noqa: BLE001 - _oops logs it with a reference
            await _respond(respond, _oops("the alert button"), replace=False)
            return
        if not done:
            text = "That incident is already resolved (or no longer tracked); nothing changed."
            await _respond(respond, blocks.text_message(text), replace=False)

    async def _clicked(self, body: dict[str, Any]) -> tuple[BlockActions, Caller]:
        """The click as a model and who made it where; UsageError for a forged or odd body."""
        click = read_block_actions(body)
        channel = click.channel_id
        if channel is None:
            raise UsageError("this button is not in a channel")
        return click, Caller(click.user_id, channel, await self.groups.of(click.user_id))

    async def on_home_opened(self, event: dict[str, Any]) -> None:
        user = event.get("user")
        if not isinstance(user, str) or event.get("tab", "home") != "home":
            return
        self.supervisor.spawn(self._publish_home(user), name=f"slack home for {user}")

    async def _answer(
        self,
        command: Command,
        caller: Caller,
        respond: AsyncRespond,
        *,
        replace: bool = True,
    ) -> None:
        try:
            reply = await self.handlers.handle(command, caller)
            await self._deliver(reply, caller, respond, replace=replace)
        except BotError as exc:
            await _respond(respond, blocks.error_message(str(exc)), replace=replace)
        except Exception:  # noqa: BLE001 - _oops logs it with a reference
            await _respond(respond, _oops(f"/quorum {command.verb.value}"), replace=replace)

    async def _deliver(
        self, reply: Reply, caller: Caller, respond: AsyncRespond, *, replace: bool
    ) -> None:
        if not reply.in_channel:
            await _respond(respond, reply.message, replace=replace)
            return
        posted = await self.client.chat_postMessage(
            channel=caller.channel_id, text=reply.message.text, blocks=reply.message.blocks
        )
        if reply.upload is not None:
            await self.client.files_upload_v2(
                channel=caller.channel_id,
                thread_ts=str(posted["ts"]),
                content=reply.upload.content,
                filename=reply.upload.filename,
                title=reply.upload.title,
            )
        if replace:
            await respond(delete_original=True)

    async def _publish_home(self, user: str) -> None:
        caller_groups = await self.groups.of(user)
        healths = await self.handlers.home(authz.Actor(user_id=user, groups=caller_groups))
        await self.client.views_publish(user_id=user, view=blocks.home_view(healths))


def build_app(
    settings: SlackSettings,
    ops: Operations,
    policy: authz.Policy,
    supervisor: Supervisor,
    client: AsyncWebClient,
    monitors: Mapping[str, ClusterMonitor] | None = None,
    runbooks: Mapping[str, Runbook] | None = None,
) -> AsyncApp:
    """The bolt app with our listeners; request signatures are verified in HTTP mode."""
    http = settings.mode == "http"
    secret = settings.signing_secret.get_secret_value() if settings.signing_secret else None
    if http and not secret:
        raise UsageError(
            "HTTP mode needs slack.signing_secret (QUORUMBOT_SLACK__SIGNING_SECRET), "
            "or set slack.app_token for Socket Mode"
        )
    app = AsyncApp(
        client=client,
        signing_secret=secret or "unused-in-socket-mode",
        request_verification_enabled=http,
        raise_error_for_unhandled_request=False,
    )
    handlers = Handlers(
        ops,
        policy,
        monitors if monitors is not None else {},
        runbooks if runbooks is not None else {},
    )
    frontend = SlackFrontend(handlers, UserGroups(client, policy), supervisor, client)
    app.command(COMMAND)(frontend.on_command)
    app.action(ACTION_IDS)(frontend.on_action)
    app.action(re.compile(r"^incident\.(ack|snooze)$"))(frontend.on_incident)
    app.event("app_home_opened")(frontend.on_home_opened)
    return app


async def _respond(respond: AsyncRespond, message: blocks.Message, *, replace: bool) -> None:
    await respond(
        text=message.text,
        blocks=message.blocks,
        response_type="ephemeral",
        replace_original=replace,
        delete_original=False,
    )


def _oops(what: str) -> blocks.Message:
    """An answer for a failure of ours, with a reference to find it in the log."""
    ref = uuid.uuid4().hex[:8]
    log.exception("%s failed (ref %s)", what, ref)
    text = f"Something went wrong on the bot's side (ref {ref}); nothing was changed."
    return blocks.error_message(text)


def _ephemeral(message: blocks.Message) -> dict[str, Any]:
    return {"text": message.text, "blocks": message.blocks, "response_type": "ephemeral"}


def _command_of(action_id: str, value: str) -> Command:
    """The command a button stands for; its value came back from the client, so it is checked."""
    from bot.slack.commands import Verb

    data = read_json_value(value, "quorumbot")
    cluster = data.get("cluster")
    node = data.get("node")
    args = {"CLUSTER": cluster} if isinstance(cluster, str) else {}
    if isinstance(node, str):
        args["NODE"] = node
    if action_id.startswith("diagnose.run"):
        return parse_command(" ".join(["diagnose", *args.values()]))
    runbook = data.get("runbook")
    if not isinstance(runbook, str):
        raise UsageError("this runbook button names no runbook")
    return Command(Verb.RUN, {"RUNBOOK": runbook, **args})
