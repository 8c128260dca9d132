"""What each `/quorum` subcommand does: resolve the cluster, check the policy, do the work, reply.

Handlers return a `Reply` (data); `bot.slack.app` decides how it reaches Slack. Every check
happens before any work, so a refused or malformed command changes nothing and runs nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot import policy as authz
from bot.errors import BotError, UnknownCluster, UsageError
from bot.health import ClusterHealth, cluster_health
from bot.model import Cluster
from bot.monitor.service import ClusterMonitor
from bot.operations import Operations
from bot.runbooks.model import Runbook
from bot.slack import blocks
from bot.slack.blocks.alert import SnoozeChoice
from bot.slack.commands import SPECS, Command, Verb, usage_of

log = logging.getLogger(__name__)


class Denied(BotError):
    """The policy refused the caller; the message says why and what to do."""


@dataclass(frozen=True)
class Caller:
    """Who typed the command (or clicked), where, and the user groups they belong to."""

    user_id: str
    channel_id: str
    groups: frozenset[str] = frozenset()

    @property
    def actor(self) -> authz.Actor:
        return authz.Actor(user_id=self.user_id, groups=self.groups)

    @property
    def audit_name(self) -> str:
        return str(self.actor)


@dataclass(frozen=True)
class Upload:
    """A file posted in the reply's thread (long reports, evidence)."""

    filename: str
    title: str
    content: str


@dataclass(frozen=True)
class Reply:
    message: blocks.Message
    in_channel: bool = False
    """Post for the whole channel; otherwise only the caller sees it."""
    upload: Upload | None = None


# What each subcommand needs from the policy; None: anyone may ask (the answer explains).
ACTIONS: dict[Verb, authz.Action | None] = {
    Verb.HELP: None,
    Verb.WHOAMI: None,
    Verb.CAN_I: None,
    Verb.STATUS: authz.Action.VIEW,
    Verb.NODES: authz.Action.VIEW,
    Verb.INCIDENTS: authz.Action.VIEW,
    Verb.RUNBOOKS: authz.Action.VIEW,
    Verb.HISTORY: authz.Action.VIEW,
    Verb.DIAGNOSE: authz.Action.DIAGNOSE,
    Verb.RUN: authz.Action.RUN_RUNBOOK,
}

QUICK = frozenset({Verb.HELP, Verb.WHOAMI, Verb.CAN_I, Verb.RUNBOOKS, Verb.INCIDENTS, Verb.RUN})
"""Answered inside the ack: no SSH, no waiting."""


SNOOZE_MINUTES = frozenset({15, 60, 240, 1440})
"""The snooze menu's choices; a forged value outside them is refused."""


@dataclass
class Handlers:
    ops: Operations
    policy: authz.Policy
    monitors: Mapping[str, ClusterMonitor] = field(default_factory=dict)
    installed: Mapping[str, Runbook] = field(default_factory=dict)
    """The runbooks loaded at start, by id."""
    _table: dict[Verb, Callable[[Command, Caller], Awaitable[Reply]]] = field(init=False)

    def __post_init__(self) -> None:
        self._table = {
            Verb.HELP: self.help,
            Verb.WHOAMI: self.whoami,
            Verb.CAN_I: self.can_i,
            Verb.STATUS: self.status,
            Verb.NODES: self.nodes,
            Verb.DIAGNOSE: self.diagnose,
            Verb.INCIDENTS: self.incidents,
            Verb.RUNBOOKS: self.runbooks,
            Verb.RUN: self.run,
            Verb.HISTORY: self.history,
        }

    async def handle(self, command: Command, caller: Caller) -> Reply:
        """The reply to `command`; BotError (Denied, UsageError, …) when it cannot be done."""
        return await self._table[command.verb](command, caller)

    async def admit(self, command: Command, caller: Caller) -> Cluster | None:
        """Check the policy and resolve the cluster before any work; raises Denied/UsageError."""
        action = ACTIONS[command.verb]
        if action is None:
            return None
        if not _takes_cluster(command):
            self._allow(caller, action, None)
            return None
        if caller.channel_id not in self.policy.channels:
            self._allow(caller, action, None)  # refused: the policy says why, in its words
        cluster = await self._cluster(command, caller)
        self._allow(caller, action, cluster.name)  # per-cluster rules may differ
        return cluster

    async def home(self, actor: authz.Actor) -> list[ClusterHealth]:
        """Health of every cluster `actor` may view in some channel, for the App Home tab."""
        names = [c.name for c in await self.ops.clusters()]
        mine: set[str] = set()
        for channel in self.policy.channels:
            mine.update(self._viewable(actor, channel, names))
        clusters = [await self.ops.cluster(name) for name in sorted(mine)]
        diagnoses = await asyncio.gather(
            *(
                self.ops.diagnose(c, actor=str(actor), reason="App Home", network=False)
                for c in clusters
            )
        )
        return [cluster_health(d.facts, d.report) for d in diagnoses]

    async def _admit_cluster(self, command: Command, caller: Caller) -> Cluster:
        cluster = await self.admit(command, caller)
        if cluster is None:  # only for commands without a CLUSTER argument: a wiring bug
            raise UsageError(f"`{usage_of(command.verb)}` takes no cluster")
        return cluster

    async def help(self, command: Command, caller: Caller) -> Reply:
        asked = command.arg("COMMAND")
        if asked is not None:
            spec = SPECS[Verb(asked.lower())]
            return Reply(blocks.help_message([_help(spec.verb)]))
        allowed = [verb for verb in Verb if self._may(caller, verb)]
        return Reply(blocks.help_message([_help(v) for v in allowed]))

    async def whoami(self, command: Command, caller: Caller) -> Reply:
        names = [c.name for c in await self.ops.clusters()]
        visible = authz.visible_clusters(self.policy, caller.channel_id, names)
        role = authz.role_in(self.policy, actor=caller.actor, channel_id=caller.channel_id)
        who = f"<@{caller.user_id}>"
        if role is None:
            text = (
                f"{who}: you have no role in this channel, so quorumbot will not act for you here."
            )
        else:
            shown = ", ".join(visible) if visible else "none"
            text = f"{who}: you are *{role.value}* in this channel. Clusters it covers: {shown}."
        return Reply(blocks.text_message(text))

    async def can_i(self, command: Command, caller: Caller) -> Reply:
        name = command.arg("ACTION") or ""
        try:
            action = authz.Action(name.lower())
        except ValueError:
            known = ", ".join(a.value for a in authz.Action)
            raise UsageError(f"unknown action {name[:40]!r}; actions: {known}") from None
        decision = authz.decide(
            self.policy, actor=caller.actor, action=action, channel_id=caller.channel_id
        )
        verdict = "Yes" if decision.allowed else "No"
        return Reply(blocks.text_message(f"{verdict}: {decision.reason}"))

    async def status(self, command: Command, caller: Caller) -> Reply:
        cluster = await self._admit_cluster(command, caller)
        diagnosis = await self.ops.diagnose(
            cluster, actor=caller.audit_name, reason="/quorum status", network=False
        )
        return Reply(blocks.status_message(cluster_health(diagnosis.facts, diagnosis.report)))

    async def nodes(self, command: Command, caller: Caller) -> Reply:
        cluster = await self._admit_cluster(command, caller)
        return Reply(blocks.nodes_message(cluster))

    async def diagnose(self, command: Command, caller: Caller) -> Reply:
        cluster = await self._admit_cluster(command, caller)
        node = command.arg("NODE")
        diagnosis = await self.ops.diagnose(
            cluster,
            actor=caller.audit_name,
            reason="/quorum diagnose",
            nodes=[node] if node else None,
        )
        message, full = blocks.diagnose_message(diagnosis.report)
        upload = None
        if full is not None:
            upload = Upload(f"diagnosis-{cluster.name}.txt", f"Diagnosis of {cluster.name}", full)
        return Reply(message, in_channel=True, upload=upload)

    async def incidents(self, command: Command, caller: Caller) -> Reply:
        await self.admit(command, caller)
        if not self.monitors:
            return Reply(
                blocks.text_message(
                    "This bot is not running the membership monitor, so it tracks no incidents. "
                    "Use `/quorum status` for the current state."
                )
            )
        names = [c.name for c in await self.ops.clusters()]
        visible = self._viewable(caller.actor, caller.channel_id, names)
        unwatched = [n for n in visible if n not in self.monitors]
        open_ones = [
            i for n in visible if n in self.monitors for i in self.monitors[n].open_incidents()
        ]
        # A cluster added after the bot started has no monitor yet: say so, never "no incidents".
        caveat = (
            f" Not monitored until the bot restarts: {', '.join(unwatched)}." if unwatched else ""
        )
        if not open_ones:
            shown = ", ".join(n for n in visible if n in self.monitors) or "none"
            return Reply(blocks.text_message(f"No open incidents in {shown}.{caveat}"))
        lines = [
            f"*{i.cluster}* {i.kind}: {i.summary} (since {i.opened_at:%Y-%m-%d %H:%M} UTC, {i.state.value})"
            for i in open_ones
        ]
        return Reply(blocks.text_message("\n".join(lines) + caveat))

    async def incident_action(self, caller: Caller, action_id: str, value: str) -> bool:
        """Acknowledge or snooze an incident from its alert; False when it is no longer active."""
        if action_id == "incident.ack":
            incident_id, minutes = value, None
        else:
            try:
                choice = SnoozeChoice.decode(value)
            except ValueError:
                raise UsageError("this snooze menu carries no readable choice") from None
            if choice.minutes not in SNOOZE_MINUTES:
                raise UsageError(f"cannot snooze for {choice.minutes} minutes")
            incident_id, minutes = choice.incident, choice.minutes
        for monitor in self.monitors.values():
            incident = monitor.tracker.incident(incident_id)
            if incident is not None:
                break
        else:
            log.info("%s on unknown incident %s (by %s)", action_id, incident_id, caller.audit_name)
            return False
        self._allow(caller, authz.Action.ACKNOWLEDGE, incident.cluster)
        log.info("%s %s (%s) by %s", action_id, incident_id, incident.state, caller.audit_name)
        if minutes is None:
            return await monitor.acknowledge(incident_id, by=caller.audit_name)
        until = datetime.now(UTC) + timedelta(minutes=minutes)
        return await monitor.snooze(incident_id, until, by=caller.audit_name)

    async def runbooks(self, command: Command, caller: Caller) -> Reply:
        await self.admit(command, caller)
        if not self.installed:
            return Reply(blocks.text_message("No runbooks are installed in this bot."))
        lines = [
            f"*{r.title}*\n`{r.usage}`" for r in sorted(self.installed.values(), key=lambda r: r.id)
        ]
        return Reply(blocks.text_message("\n\n".join(lines)))

    async def run(self, command: Command, caller: Caller) -> Reply:
        await self.admit(command, caller)
        name = command.arg("RUNBOOK") or ""
        runbook = self.installed.get(name)
        if runbook is None:
            known = ", ".join(sorted(self.installed)) or "none are installed"
            raise UsageError(f"no runbook named {name!r} ({known}); see `/quorum runbooks`")
        raise UsageError(
            f"`{runbook.usage}`: this version plans and validates runbooks "
            "(`quorumbot runbooks validate`) but cannot run them from chat yet; nothing was changed"
        )

    async def history(self, command: Command, caller: Caller) -> Reply:
        await self.admit(command, caller)
        limit = int(command.arg("COUNT") or 10)
        names = [c.name for c in await self.ops.clusters()]
        visible = set(self._viewable(caller.actor, caller.channel_id, names))
        records = [r for r in await self.ops.history(limit * 5) if r.cluster in visible]
        return Reply(blocks.history_message(records[:limit]))

    async def _cluster(self, command: Command, caller: Caller) -> Cluster:
        names = [c.name for c in await self.ops.clusters()]
        visible = authz.visible_clusters(self.policy, caller.channel_id, names)
        wanted = command.arg("CLUSTER")
        if wanted is None:
            if len(visible) == 1:
                return await self.ops.cluster(visible[0])
            if not visible:
                raise Denied(
                    "no cluster is granted to this channel; an admin can add it to the policy"
                )
            raise UsageError(
                f"this channel covers {', '.join(visible)}: name one, "
                f"e.g. `{usage_of(command.verb).replace('[CLUSTER]', visible[0])}`"
            )
        if wanted not in names:
            raise UnknownCluster(wanted, visible)
        if wanted not in visible:
            raise Denied(f"cluster {wanted!r} is not granted to this channel")
        return await self.ops.cluster(wanted)

    def _viewable(self, actor: authz.Actor, channel_id: str, names: list[str]) -> list[str]:
        """The clusters `channel_id` covers on which `actor` may view (per-cluster roles)."""
        return [
            name
            for name in authz.visible_clusters(self.policy, channel_id, names, actor=actor)
            if authz.decide(
                self.policy,
                actor=actor,
                action=authz.Action.VIEW,
                channel_id=channel_id,
                cluster=name,
            ).allowed
        ]

    def _allow(self, caller: Caller, action: authz.Action, cluster: str | None) -> None:
        decision = authz.decide(
            self.policy,
            actor=caller.actor,
            action=action,
            channel_id=caller.channel_id,
            cluster=cluster,
        )
        if not decision.allowed:
            raise Denied(decision.reason)

    def _may(self, caller: Caller, verb: Verb) -> bool:
        action = ACTIONS[verb]
        if action is None:
            return True
        return authz.decide(
            self.policy, actor=caller.actor, action=action, channel_id=caller.channel_id
        ).allowed


def _takes_cluster(command: Command) -> bool:
    return "CLUSTER" in (a.removesuffix("...") for a in SPECS[command.verb].args)


def _help(verb: Verb) -> blocks.CommandHelp:
    spec = SPECS[verb]
    return blocks.CommandHelp(name=verb.value, usage=spec.usage, description=spec.summary)
