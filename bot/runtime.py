"""The composition root of the running bot: every long-lived part built once, closed in order.

`run_bot` opens the database, the SSH pool, the task supervisor and the Slack client, then
serves Slack over Socket Mode (an app token is set) or HTTP, until SIGINT/SIGTERM. On exit the
AsyncExitStack closes them in reverse: stop taking requests, let running work finish, close
SSH, close the database.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from contextlib import AsyncExitStack
from pathlib import Path

from bot.config import MonitorSettings, Settings
from bot.errors import ConfigError
from bot.monitor.service import ClusterMonitor
from bot.operations import Operations
from bot.policy import Policy
from bot.policy_file import load_policy
from bot.runbooks.loader import load_runbooks
from bot.slack import serve
from bot.slack.app import build_app, build_client
from bot.slack.notifier import SlackNotifier
from bot.ssh import SshPool
from bot.store.counters import CounterRepo
from bot.store.database import open_database
from bot.store.monitor_state import MonitorStateRepo
from bot.store.repos import AuditRepo, InventoryRepo
from bot.tasks import Supervisor

log = logging.getLogger(__name__)


def policy_from(path: Path | None) -> Policy:
    """The authorization policy; without a file nobody may do anything (deny by default)."""
    if path is None:
        log.warning("no slack.policy_file set: every command will be refused")
        return Policy()
    return load_policy(path)


def alert_channel(monitor: MonitorSettings, policy: Policy, cluster: str) -> str | None:
    """Where a cluster's alert threads go: configured, else the first channel that sees it."""
    chosen = monitor.alert_channels.get(cluster) or monitor.alert_channels.get("*")
    if chosen:
        return chosen
    return next((c for c, grant in policy.channels.items() if grant.grants(cluster)), None)


async def run_bot(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Serve Slack until `stop` is set or the process gets SIGINT/SIGTERM."""
    slack = settings.slack
    if slack.bot_token is None:
        raise ConfigError(
            "QUORUMBOT_* environment and settings file",
            ["slack.bot_token: required to run the bot (the xoxb-… Bot User OAuth Token)"],
        )
    policy = policy_from(slack.policy_file)
    runbooks = load_runbooks([settings.runbooks_dir])  # a broken runbook stops the start
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    async with AsyncExitStack() as stack:
        engine = await stack.enter_async_context(
            open_database(settings.database_url.get_secret_value())
        )
        audit = AuditRepo(engine)
        pool = await stack.enter_async_context(SshPool(settings.ssh, audit=audit.record))
        supervisor = Supervisor()
        stack.push_async_callback(supervisor.close)
        client = build_client(slack)
        ops = Operations(InventoryRepo(engine), audit, pool, CounterRepo(engine))
        monitors: dict[str, ClusterMonitor] = {}
        app = build_app(slack, ops, policy, supervisor, client, monitors, runbooks)
        if settings.monitor.enabled:
            notifier = SlackNotifier(client, lambda c: alert_channel(settings.monitor, policy, c))
            state = MonitorStateRepo(engine)
            for cluster in await ops.clusters():
                monitor = ClusterMonitor(
                    cluster, pool=pool, state=state, notifier=notifier, settings=settings.monitor
                )
                await monitor.start(supervisor)
                monitors[cluster.name] = monitor
            _announce(f"monitoring {len(monitors)} cluster(s)")

        if slack.app_token is not None:
            serving = serve.socket_mode(app, slack.app_token.get_secret_value(), client)
        else:
            serving = serve.http(app, slack.http_host, slack.http_port)
        _announce(await stack.enter_async_context(serving))
        await stop.wait()
        _announce("stopping")


def _announce(what: str) -> None:
    # One plain line on stderr that people and the end-to-end tests can wait for.
    print(f"quorumbot: {what}", file=sys.stderr, flush=True)  # noqa: T201
