"""How fast an alert reaches Slack: from corosync's own membership change to the fake Slack.

The real bot process watches a 3-node bench lab (journal streams + 15 s poll) and alerts into
the local fake Slack. For each injected fault (link down, corosync stop, firewall, in turn) we
take three times, all wall clock on this machine:

    injected   when the fault was applied
    corosync   the journal timestamp of the first "A new membership ... Members left" line on a
               surviving node (corosync's own detection, token timeout included)
    alerted    when the fake Slack received the alert's root message

and after healing, when the root turned resolved versus when the hold-down ended (the
"Members joined" line plus hold_down_s). Usage: python -m benchmarks.alert_latency [FAULTS]
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from benchmarks.common import bench_lab
from bot.lab.faults import FaultKind, FaultParams
from bot.lab.lab import Lab
from tests.fakes.calls import Call
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.support.bot_process import BotProcess, bot_env

T = TypeVar("T")

CHANNEL = "C0ALERTS01"
HOLD_DOWN_S = 10.0
KINDS = (FaultKind.LINK_DOWN, FaultKind.COROSYNC_STOP, FaultKind.FIREWALL)
NODES = ("qbl2", "qbl3")


def main(faults: int) -> None:
    lab = bench_lab("qbl", 3)
    try:
        with (
            FakeSlack.start_in_thread(clock=time.time) as fake,
            tempfile.TemporaryDirectory() as tmp,
        ):
            process = start_bot(lab, fake, Path(tmp))
            try:
                rows = [measure(lab, fake, i, Path(tmp) / "state.db") for i in range(faults)]
            finally:
                process.stop()
    finally:
        lab.down(report=lambda _: None)
    report(rows)


def start_bot(lab: Lab, fake: FakeSlack, tmp: Path) -> BotProcess:
    policy = tmp / "policy.yaml"
    policy.write_text(f"channels:\n  {CHANNEL}: {{clusters: [qbl]}}\n")
    env = bot_env(
        tmp,
        database_url=f"sqlite+aiosqlite:///{tmp}/state.db",
        api_base_url=fake.base_url,
        bot_token=BOT_TOKEN,
        policy_file=policy,
        signing_secret="bench",  # noqa: S106 - not a secret
        extra={
            "QUORUMBOT_MONITOR__ENABLED": "true",
            "QUORUMBOT_MONITOR__HOLD_DOWN_S": str(HOLD_DOWN_S),
            "QUORUMBOT_MONITOR__ALERT_CHANNELS": json.dumps({"qbl": CHANNEL}),
        },
    )
    status = tmp / "lab.json"
    status.write_text(json.dumps(lab.status().model_dump(mode="json")))
    subprocess.run(
        [sys.executable, "-m", "bot", "inventory", "import", "--lab", str(status)],
        env=env,
        check=True,
        capture_output=True,
    )
    process = BotProcess(env).start()
    process.wait_for_line("monitoring 1 cluster")
    time.sleep(3)  # streams connected
    return process


def measure(lab: Lab, fake: FakeSlack, index: int, database: Path) -> dict[str, float | str]:
    kind, node = KINDS[index % len(KINDS)], NODES[index % len(NODES)]
    lab.wait_healthy(timeout_s=90)
    time.sleep(3)  # streams settled (the previous incident was seen resolved)
    before = len(roots(fake))
    injected = time.time()
    lab.fault(node, kind, FaultParams())
    root = wait_for(lambda: roots(fake)[before:] or None, 60)[0]
    alerted = root.at
    survivor = next(n for n in ("qbl1", "qbl2", "qbl3") if n != node)
    left = membership_time(lab, survivor, since=injected - 5, field="left")
    lab.heal(node, wait=True, report=lambda _: None)
    ts = str(root.response["ts"])
    resolved = wait_for(
        lambda: next(
            (
                c
                for c in fake.calls("chat.update")
                if c.params.get("ts") == ts and "resolved" in json.dumps(c.params).lower()
            ),
            None,
        ),
        120,
    )
    joined = membership_time(lab, survivor, since=injected, field="joined")
    stable = stable_since(database, ts)
    row: dict[str, float | str] = {
        "fault": f"{kind.value}@{node}",
        "inject_to_alert": alerted - injected,
        "corosync_to_alert": alerted - left,
        "joined_to_stable": stable - joined,
        "resolve_after_hold_down": resolved.at - (stable + HOLD_DOWN_S),
    }
    print(
        f"  {row['fault']:<24} inject->alert {row['inject_to_alert']:6.2f} s   "
        f"corosync->alert {row['corosync_to_alert']:6.2f} s   "
        f"joined->whole {row['joined_to_stable']:5.2f} s   "
        f"resolved {row['resolve_after_hold_down']:+6.2f} s after hold-down"
    )
    return row


def stable_since(database: Path, ts: str) -> float:
    """When the bot's fresh checks first found the cluster whole again (its hold-down start)."""
    with sqlite3.connect(database) as db:
        for (data,) in db.execute("SELECT data FROM incidents"):
            incident = json.loads(data)
            if (incident.get("thread") or {}).get("ts") == ts:
                return datetime.fromisoformat(incident["stable_since"]).timestamp()
    raise RuntimeError(f"no stored incident with thread {ts}")


def roots(fake: FakeSlack) -> list[Call]:
    return [
        c
        for c in fake.calls("chat.postMessage")
        if c.ok and c.params.get("channel") == CHANNEL and not c.params.get("thread_ts")
    ]


def membership_time(lab: Lab, node: str, *, since: float, field: str) -> float:
    """When `node` logged the first new membership with members `field` (left/joined) since."""
    stamp = datetime.fromtimestamp(since).strftime("%Y-%m-%d %H:%M:%S")
    argv = lab.ssh_argv(node, ["journalctl", "-u", "corosync", "-o", "json", "--since", stamp])
    out = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=30).stdout
    for line in out.splitlines():
        record = json.loads(line)
        message = str(record.get("MESSAGE", ""))
        if "A new membership" in message and f"Members {field}: " in message:
            return int(record["__REALTIME_TIMESTAMP"]) / 1e6
    raise RuntimeError(f"{node} logged no membership with members {field} since {stamp}")


def wait_for(probe: Callable[[], T | None], timeout_s: float) -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = probe()
        if found is not None:
            return found
        time.sleep(0.05)
    raise RuntimeError("timed out")


def report(rows: list[dict[str, float | str]]) -> None:
    for key in (
        "corosync_to_alert",
        "inject_to_alert",
        "joined_to_stable",
        "resolve_after_hold_down",
    ):
        values = sorted(float(r[key]) for r in rows)
        p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
        print(
            f"{key:<24} n={len(values)} p50 {statistics.median(values):.2f} s  "
            f"p95 {p95:.2f} s  max {values[-1]:.2f} s"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 21)
