"""One fake Slack and one real bot process per transport (HTTP, Socket Mode), shared by a module.

The bot's inventory is a real SQLite file filled by `quorumbot inventory import`; cluster
`alpha` points at a local port where nothing listens, so SSH fails at once and diagnostics
report the nodes unreachable without sending a packet off this machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from tests.fakes.calls import RESPONSE_URL, Call
from tests.fakes.signing import block_actions_payload, sign, slash_command_fields
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.fakes.workspace import ALICE, OPS
from tests.support.bot_process import BotProcess, bot_env

SECRET = "e2e-signing-secret"

INVENTORY = """clusters:
- name: alpha
  flavor: corosync
  nodes:
  - {name: alpha1, nodeid: 1, address: 127.0.0.1, port: 1, ring_addrs: [198.18.250.1]}
  - {name: alpha2, nodeid: 2, address: 127.0.0.1, port: 1, ring_addrs: [198.18.250.2]}
- name: beta
  flavor: proxmox
  nodes:
  - {name: beta1, nodeid: 1, address: 127.0.0.1, port: 1, ring_addrs: [198.18.251.1]}
- name: big
  flavor: corosync
  nodes:
""" + "".join(
    f"  - {{name: big{i}, nodeid: {i}, address: 127.0.0.1, port: 1, ring_addrs: [198.18.252.{i}]}}\n"
    for i in range(1, 61)
)

# Alice operates alpha from #ops; Bob may only look; #alerts sees beta only; nobody else counts.
POLICY = f"""channels:
  {OPS.id}: {{name: ops, clusters: [alpha]}}
  C0ALERTS01: {{name: alerts, clusters: [beta]}}
  G0PRIVATE1: {{name: ops-private, clusters: [big]}}
users:
  {ALICE.id}: operator
  U0BOB00001: viewer
"""


@dataclass(frozen=True)
class World:
    tmp: Path
    database_url: str
    policy_file: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """A database with clusters alpha and beta, and the policy above, on disk."""
    tmp = tmp_path_factory.mktemp("bot")
    url = f"sqlite+aiosqlite:///{tmp}/state.db"
    env = bot_env(
        tmp, database_url=url, api_base_url="http://unused/", bot_token="x", policy_file=tmp
    )
    subprocess.run(
        [sys.executable, "-m", "bot", "inventory", "import", "-"],
        input=INVENTORY,
        env=env,
        text=True,
        check=True,
        capture_output=True,
        timeout=120,
    )
    policy = tmp / "policy.yaml"
    policy.write_text(POLICY)
    return World(tmp, url, policy)


@pytest.fixture(scope="module")
def fake_slack() -> Iterator[FakeSlack]:
    """The fake Slack, serving from its own thread for the whole module."""
    with FakeSlack.start_in_thread() as fake:
        yield fake


@pytest.fixture(scope="module", params=["http", "socket"])
def bot(request: pytest.FixtureRequest, fake_slack: FakeSlack, world: World) -> Iterator[Driver]:
    """The real bot process in HTTP mode, then in Socket Mode."""
    mode = str(request.param)
    env = bot_env(
        world.tmp,
        database_url=world.database_url,
        api_base_url=fake_slack.base_url,
        bot_token=BOT_TOKEN,
        policy_file=world.policy_file,
        signing_secret=SECRET,
        app_token=fake_slack.app_token if mode == "socket" else None,
    )
    process = BotProcess(env).start()
    try:
        yield Driver(mode, fake_slack, process)
    finally:
        process.stop()


@dataclass
class Sent:
    """What the bot answered at once (the ack's body) and the response_url it was given."""

    ack: dict[str, Any] | None
    status: int
    url_id: str

    @property
    def text(self) -> str:
        return _all_text(self.ack or {})


class Driver:
    """Sends what Slack would send, over the bot's transport, and reads what Slack received."""

    def __init__(self, mode: str, fake: FakeSlack, process: BotProcess) -> None:
        self.mode = mode
        self.fake = fake
        self.process = process

    async def command(
        self, text: str, *, user: str = ALICE.id, channel: str = OPS.id, **signing: Any
    ) -> Sent:
        """`/quorum text` from `user` in `channel`; `signing` may ask for a bad signature."""
        response_url = self.fake.response_url(channel, user)
        fields = slash_command_fields(
            "/quorum", text, user_id=user, channel_id=channel, response_url=response_url
        )
        url_id = response_url.rsplit("/", 1)[1]
        if self.mode == "socket":
            ack = await self.fake.socket_mode.request(
                "slash_commands", fields, accepts_response_payload=True, timeout_s=5.0
            )
            return Sent(ack.payload, 200, url_id)
        status, body = await self._post(urlencode(fields), **signing)
        return Sent(body, status, url_id)

    async def click(
        self,
        action_id: str,
        value: str,
        *,
        user: str = ALICE.id,
        channel: str = OPS.id,
        **signing: Any,
    ) -> Sent:
        """A click on a button of a message the bot posted in `channel`."""
        response_url = self.fake.response_url(channel, user, message_ts="1700000000.000100")
        payload = block_actions_payload(
            action_id, value=value, user_id=user, channel_id=channel, response_url=response_url
        )
        url_id = response_url.rsplit("/", 1)[1]
        if self.mode == "socket":
            ack = await self.fake.socket_mode.request("interactive", payload, timeout_s=5.0)
            return Sent(ack.payload, 200, url_id)
        status, body = await self._post(urlencode({"payload": json.dumps(payload)}), **signing)
        return Sent(body, status, url_id)

    async def event(self, event: dict[str, Any]) -> None:
        """An Events API event (e.g. app_home_opened)."""
        envelope = {
            "token": "unused",
            "team_id": "T0QUORUM1",
            "api_app_id": "A0QBOT0001",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{abs(hash(json.dumps(event, sort_keys=True))) % 10**10}",
            "event_time": 1700000000,
        }
        if self.mode == "socket":
            await self.fake.socket_mode.request("events_api", envelope, timeout_s=5.0)
            return
        status, _ = await self._post(json.dumps(envelope), content_type="application/json")
        assert status == 200

    async def reply(self, sent: Sent, *, timeout_s: float = 10.0) -> Call:
        """The first message the bot sent to this command's response_url."""
        return await self.fake.wait_for(
            RESPONSE_URL, lambda c: c.params.get("url_id") == sent.url_id, timeout_s=timeout_s
        )

    def mark(self) -> set[int]:
        """The calls received so far, to wait for newer ones with `wait_new`."""
        return {id(c) for c in self.fake.calls()}

    async def wait_new(
        self,
        method: str,
        predicate: Callable[[Call], bool],
        *,
        since: set[int],
        timeout_s: float = 20.0,
    ) -> Call:
        """The first call to `method` after `since` (a `mark`) that matches `predicate`."""
        return await self.fake.wait_for(
            method, lambda c: id(c) not in since and predicate(c), timeout_s=timeout_s
        )

    def new_calls(self, method: str, since: set[int]) -> list[Call]:
        return [c for c in self.fake.calls(method) if id(c) not in since]

    def replies(self, sent: Sent) -> list[Call]:
        return [c for c in self.fake.calls(RESPONSE_URL) if c.params.get("url_id") == sent.url_id]

    async def _post(
        self,
        body: str,
        *,
        stale: bool = False,
        wrong_secret: bool = False,
        content_type: str = "application/x-www-form-urlencoded",
    ) -> tuple[int, dict[str, Any] | None]:
        assert self.process.url is not None
        signed = sign(
            body, secret=SECRET, stale=stale, wrong_secret=wrong_secret, content_type=content_type
        )
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.process.url, data=body, headers=signed.headers) as response,
        ):
            raw = await response.text()
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = {"raw": raw}
            return response.status, parsed if isinstance(parsed, dict) else None


def _all_text(message: dict[str, Any]) -> str:
    """Every string in a message (fallback text and blocks), for asserting on what people read."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message)
    return "\n".join(found)


def text_of(call: Call) -> str:
    return _all_text(dict(call.params))
