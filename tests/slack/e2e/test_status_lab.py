"""`/quorum status` and `diagnose` from Slack against the live lab: the real bot, real corosync."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.lab.faults import FaultKind, FaultParams
from bot.lab.lab import Lab
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.fakes.workspace import ALICE, OPS
from tests.slack.e2e.conftest import SECRET, Driver, text_of
from tests.support.bot_process import BotProcess, bot_env, import_lab

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module", params=["http", "socket"])
def lab_bot(
    request: pytest.FixtureRequest,
    lab: Lab,
    fake_slack: FakeSlack,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Driver]:
    """The bot with the session lab (cluster qbt, trusted keys) granted to #ops."""
    mode = str(request.param)
    tmp = tmp_path_factory.mktemp(f"labbot-{mode}")
    policy = tmp / "policy.yaml"
    policy.write_text(
        f"channels:\n  {OPS.id}: {{clusters: [qbt]}}\nusers:\n  {ALICE.id}: operator\n"
    )
    env = bot_env(
        tmp,
        database_url=f"sqlite+aiosqlite:///{tmp}/state.db",
        api_base_url=fake_slack.base_url,
        bot_token=BOT_TOKEN,
        policy_file=policy,
        signing_secret=SECRET,
        app_token=fake_slack.app_token if mode == "socket" else None,
    )
    import_lab(env, lab, tmp)
    process = BotProcess(env).start()
    try:
        yield Driver(mode, fake_slack, process)
    finally:
        process.stop()


async def test_status_of_the_live_lab(lab_bot: Driver, lab: Lab) -> None:
    """A signed `/quorum status qbt` gets the lab's real state: quorate, 3 of 3 members."""
    lab.wait_healthy(timeout_s=60)
    sent = await lab_bot.command("status qbt")
    reply = await lab_bot.reply(sent, timeout_s=30.0)
    shown = text_of(reply)
    assert "qbt" in shown
    assert "3/3" in shown or "3 of 3" in shown
    assert "not quorate" not in shown.lower()


async def test_status_names_a_node_that_left(lab_bot: Driver, healed: Lab) -> None:
    """With corosync stopped on qbt3, status names qbt3 as missing from the membership."""
    healed.fault("qbt3", FaultKind.COROSYNC_STOP, FaultParams())
    sent = await lab_bot.command("status qbt")
    shown = text_of(await lab_bot.reply(sent, timeout_s=30.0))
    assert "qbt3" in shown
    assert "2/3" in shown or "2 of 3" in shown
