"""The fake's response_url webhooks behave as Slack's do for slack_sdk's AsyncWebhookClient."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.fakes.calls import RESPONSE_URL
from tests.fakes.clock import ManualClock
from tests.fakes.slack_api import FakeSlack
from tests.fakes.webhooks import LIFETIME_S, USES_MAX
from tests.fakes.workspace import ALICE, OPS

pytestmark = pytest.mark.timeout(5)


async def test_reply_is_ephemeral_by_default(fake: FakeSlack) -> None:
    """A reply without response_type is shown only to the user who acted, and answers 200 "ok"."""
    webhook = AsyncWebhookClient(fake.response_url(OPS.id, ALICE.id))
    response = await webhook.send(text="working on it")
    [message] = fake.workspace.messages(OPS.id, ephemeral=True)
    assert (response.status_code, response.body) == (200, "ok")
    assert (message.text, message.ephemeral_to) == ("working on it", ALICE.id)


async def test_in_channel_reply_is_posted_for_everyone(fake: FakeSlack) -> None:
    """response_type in_channel posts a message the whole channel sees."""
    webhook = AsyncWebhookClient(fake.response_url(OPS.id, ALICE.id))
    await webhook.send(text="quorum restored", response_type="in_channel")
    assert [m.text for m in fake.workspace.messages(OPS.id)] == ["quorum restored"]


async def test_replace_original_rewrites_the_clicked_message(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    """replace_original replaces the message the response_url was made for."""
    posted = await client.chat_postMessage(channel=OPS.id, text="Restart node 2?")
    webhook = AsyncWebhookClient(fake.response_url(OPS.id, ALICE.id, message_ts=posted["ts"]))
    await webhook.send(text="Restarting node 2…", replace_original=True)
    assert [m.text for m in fake.workspace.messages(OPS.id)] == ["Restarting node 2…"]


async def test_delete_original_removes_the_clicked_message(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    """delete_original deletes the message the response_url was made for."""
    posted = await client.chat_postMessage(channel=OPS.id, text="Restart node 2?")
    webhook = AsyncWebhookClient(fake.response_url(OPS.id, ALICE.id, message_ts=posted["ts"]))
    await webhook.send_dict({"delete_original": True})
    assert fake.workspace.messages(OPS.id) == []


async def test_post_is_recorded_with_its_fields(fake: FakeSlack) -> None:
    """Every POST is recorded as a response_url call with the fields sent."""
    webhook = AsyncWebhookClient(fake.response_url(OPS.id, ALICE.id))
    await webhook.send(text="hi", replace_original=False, response_type="ephemeral")
    params = fake.last(RESPONSE_URL).params
    assert (params["text"], params["replace_original"], params["response_type"]) == (
        "hi",
        False,
        "ephemeral",
    )


async def test_invalid_blocks_are_refused_with_400(fake: FakeSlack) -> None:
    """Blocks Slack would reject are answered 400 invalid_blocks, as for chat.postMessage."""
    webhook = AsyncWebhookClient(fake.response_url(OPS.id, ALICE.id))
    header = {"type": "header", "text": {"type": "mrkdwn", "text": "*bold*"}}
    response = await webhook.send(text="t", blocks=[header])
    assert (response.status_code, response.body) == (400, "invalid_blocks")


async def test_sixth_use_is_refused(fake: FakeSlack) -> None:
    """A response_url takes five posts; the sixth is answered 404 used_url."""
    webhook = AsyncWebhookClient(fake.response_url(OPS.id, ALICE.id))
    for i in range(USES_MAX):
        assert (await webhook.send(text=f"step {i}")).status_code == 200
    response = await webhook.send(text="one too many")
    assert (response.status_code, response.body) == (404, "used_url")


async def test_url_expires_after_30_minutes(fake_on_clock: FakeSlack, clock: ManualClock) -> None:
    """A response_url older than 30 minutes is answered 404 expired_url."""
    webhook = AsyncWebhookClient(fake_on_clock.response_url(OPS.id, ALICE.id))
    clock.advance(LIFETIME_S + 1)
    response = await webhook.send(text="too late")
    assert (response.status_code, response.body) == (404, "expired_url")
