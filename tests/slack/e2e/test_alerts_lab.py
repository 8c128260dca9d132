"""Alert threads from the running bot: a lab fault opens one thread, heal resolves it, restarts keep it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.lab.faults import FaultKind, FaultParams
from bot.lab.lab import Lab
from tests.fakes.calls import Call
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.fakes.workspace import ALICE, OPS
from tests.slack.e2e.conftest import SECRET, Driver, text_of
from tests.support.bot_process import BotProcess, bot_env, import_lab

pytestmark = pytest.mark.lab

ALERTS = "C0ALERTS01"


@dataclass
class Monitoring:
    env: dict[str, str]
    fake: FakeSlack
    process: BotProcess

    def restart(self) -> None:
        self.process.stop()
        self.process = BotProcess(self.env).start()
        self.process.wait_for_line("monitoring 1 cluster")

    def roots(self) -> list[Call]:
        """Alert roots posted in the alert channel (thread replies excluded)."""
        return [
            c
            for c in self.fake.calls("chat.postMessage")
            if c.ok and c.params.get("channel") == ALERTS and not c.params.get("thread_ts")
        ]

    def replies(self, ts: str) -> list[Call]:
        return [c for c in self.fake.calls("chat.postMessage") if c.params.get("thread_ts") == ts]

    def updates(self, ts: str) -> list[Call]:
        return [c for c in self.fake.calls("chat.update") if c.params.get("ts") == ts]


def wait_until(what: str, condition: Callable[[], bool], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def monitoring(
    lab: Lab, fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Monitoring]:
    """The bot watching the session lab (HTTP mode), alerting in #alerts, fast poll and hold-down."""
    tmp: Path = tmp_path_factory.mktemp("alerts")
    policy = tmp / "policy.yaml"
    policy.write_text(
        f"channels:\n  {OPS.id}: {{clusters: [qbt]}}\n  {ALERTS}: {{clusters: [qbt]}}\n"
        f"users:\n  {ALICE.id}: operator\n"
    )
    env = bot_env(
        tmp,
        database_url=f"sqlite+aiosqlite:///{tmp}/state.db",
        api_base_url=fake_slack.base_url,
        bot_token=BOT_TOKEN,
        policy_file=policy,
        signing_secret=SECRET,
        extra={
            "QUORUMBOT_MONITOR__ENABLED": "true",
            "QUORUMBOT_MONITOR__POLL_INTERVAL_S": "2",
            "QUORUMBOT_MONITOR__HOLD_DOWN_S": "6",
            "QUORUMBOT_MONITOR__ALERT_CHANNELS": json.dumps({"qbt": ALERTS}),
        },
    )
    import_lab(env, lab, tmp)
    lab.wait_healthy(timeout_s=60)
    process = BotProcess(env).start()
    process.wait_for_line("monitoring 1 cluster")
    running = Monitoring(env, fake_slack, process)
    try:
        yield running
    finally:
        running.process.stop()


def test_a_stopped_node_opens_one_thread_that_heal_resolves(
    monitoring: Monitoring, healed: Lab
) -> None:
    """corosync stopped on qbt3: one root names qbt3; a restart keeps the thread; heal resolves it."""
    before = len(monitoring.roots())
    healed.fault("qbt3", FaultKind.COROSYNC_STOP, FaultParams())
    wait_until("an alert root", lambda: len(monitoring.roots()) > before)
    root = monitoring.roots()[-1]
    assert "qbt3" in text_of(root)
    ts = str(root.response["ts"])

    monitoring.restart()  # mid-incident: the thread must be neither lost nor duplicated
    time.sleep(5)  # a few polls for a duplicate root to show up
    roots = [str(c.params.get("text")) for c in monitoring.roots()[before:]]
    assert len(roots) == 1, roots

    healed.heal("qbt3", wait=True, report=lambda _: None)
    wait_until(
        "the root turned resolved",
        lambda: any("resolved" in text_of(u).lower() for u in monitoring.updates(ts)),
        timeout_s=90,
    )
    assert any("Resolved after" in text_of(r) for r in monitoring.replies(ts))
    assert len(monitoring.roots()) == before + 1


@pytest.mark.parametrize("kind", [FaultKind.LINK_DOWN, FaultKind.FIREWALL])
def test_a_cut_off_node_is_one_thread_naming_it(
    monitoring: Monitoring, healed: Lab, kind: FaultKind
) -> None:
    """Link down or a firewall block on qbt3: exactly one root names qbt3; heal resolves it."""
    before = len(monitoring.roots())
    healed.fault("qbt3", kind, FaultParams())
    wait_until("an alert root", lambda: len(monitoring.roots()) > before)
    root = monitoring.roots()[-1]
    assert "qbt3" in text_of(root)
    healed.heal("qbt3", wait=True, report=lambda _: None)
    ts = str(root.response["ts"])
    wait_until(
        "the root turned resolved",
        lambda: any("resolved" in text_of(u).lower() for u in monitoring.updates(ts)),
        timeout_s=90,
    )
    roots = [str(c.params.get("text")) for c in monitoring.roots()[before:]]
    assert len(roots) == 1, roots


def test_acknowledge_from_the_alert_is_recorded_on_the_root(
    monitoring: Monitoring, healed: Lab
) -> None:
    """Clicking Acknowledge on the alert re-renders its root naming who acknowledged it."""
    before = len(monitoring.roots())
    healed.fault("qbt2", FaultKind.COROSYNC_STOP, FaultParams())
    wait_until("an alert root", lambda: len(monitoring.roots()) > before)
    root = monitoring.roots()[-1]
    ts = str(root.response["ts"])
    (ack,) = [
        e
        for b in root.params["blocks"]
        if b.get("type") == "actions"
        for e in b["elements"]
        if e.get("action_id") == "incident.ack"
    ]
    driver = Driver("http", monitoring.fake, monitoring.process)

    sent = asyncio.run(driver.click("incident.ack", ack["value"], channel=ALERTS))
    assert sent.status == 200
    wait_until(
        "the root names who acknowledged",
        lambda: any("U0ALICE001" in text_of(u) for u in monitoring.updates(ts)),
    )
    assert driver.replies(sent) == []  # no complaint: the root itself shows the change
