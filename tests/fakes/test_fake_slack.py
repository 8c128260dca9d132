"""The fake Slack Web API answers the real slack_sdk client the way Slack does."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_async_handlers
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import limits
from tests.fakes.clock import ManualClock
from tests.fakes.rate_limits import POST_MESSAGE_LIMIT, RateLimit
from tests.fakes.slack_api import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.fakes.workspace import ALERTS, ALICE, OPS

pytestmark = pytest.mark.timeout(5)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


async def slack_error(call: Any) -> SlackApiError:
    """The SlackApiError an awaited client call raises."""
    with pytest.raises(SlackApiError) as raised:
        await call
    return raised.value


async def test_auth_test_returns_the_bot_identity_and_scopes(client: AsyncWebClient) -> None:
    """auth.test answers the bot's ids, with its scopes in the x-oauth-scopes header."""
    response = await client.auth_test()
    assert (response["bot_id"], response["user_id"]) == ("B0QBOT0001", "U0QBOT0001")
    assert "chat:write" in response.headers["x-oauth-scopes"]


async def test_wrong_token_is_invalid_auth(fake: FakeSlack) -> None:
    """A bot token the fake was not configured with is refused with invalid_auth."""
    client = AsyncWebClient(token="xoxb-not-ours", base_url=fake.base_url)
    error = await slack_error(client.chat_postMessage(channel=OPS.id, text="hi"))
    assert error.response.status_code == 200
    assert error.response["error"] == "invalid_auth"


async def test_missing_token_is_not_authed(fake: FakeSlack) -> None:
    """A call without any token is refused with not_authed."""
    client = AsyncWebClient(base_url=fake.base_url)
    error = await slack_error(client.auth_test())
    assert error.response["error"] == "not_authed"


async def test_app_token_is_not_a_bot_token(fake: FakeSlack) -> None:
    """The app-level token cannot call bot methods: not_allowed_token_type."""
    client = AsyncWebClient(token=APP_TOKEN, base_url=fake.base_url)
    error = await slack_error(client.chat_postMessage(channel=OPS.id, text="hi"))
    assert error.response["error"] == "not_allowed_token_type"


async def test_unknown_method_is_refused(client: AsyncWebClient) -> None:
    """A method the fake does not implement answers unknown_method."""
    error = await slack_error(client.api_call("admin.teams.list"))
    assert error.response["error"] == "unknown_method"


async def test_post_message_returns_increasing_ts_and_keeps_the_messages(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    """chat.postMessage answers a new, larger ts each time and stores the message in its channel."""
    first = await client.chat_postMessage(channel=OPS.id, text="one")
    second = await client.chat_postMessage(channel=OPS.id, text="two")
    assert first["channel"] == OPS.id
    assert float(second["ts"]) > float(first["ts"])
    assert [m.text for m in fake.workspace.messages(OPS.id)] == ["one", "two"]


async def test_thread_reply_keeps_its_thread_ts(fake: FakeSlack, client: AsyncWebClient) -> None:
    """A reply posted with thread_ts is stored in that thread."""
    parent = await client.chat_postMessage(channel=OPS.id, text="incident")
    await client.chat_postMessage(channel=OPS.id, text="update", thread_ts=parent["ts"])
    assert [m.text for m in fake.workspace.messages(OPS.id, thread_ts=parent["ts"])] == ["update"]


async def test_channel_name_resolves_to_its_id(client: AsyncWebClient) -> None:
    """A channel given as #name is posted to the channel with that name."""
    response = await client.chat_postMessage(channel="#alerts", text="hi")
    assert response["channel"] == ALERTS.id


async def test_recorded_call_holds_decoded_blocks_and_token(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    """Each call is recorded with its params (blocks decoded to lists) and the token used."""
    await client.chat_postMessage(channel=OPS.id, text="fallback", blocks=[section("*hi*")])
    call = fake.last("chat.postMessage")
    assert call.params["blocks"] == [section("*hi*")]
    assert (call.token, call.ok) == (BOT_TOKEN, True)


async def test_form_encoded_body_with_token_field_is_accepted(fake: FakeSlack) -> None:
    """A form-encoded call carrying the token as a field and blocks as a JSON string works."""
    form = {
        "token": BOT_TOKEN,
        "channel": OPS.id,
        "text": "t",
        "blocks": json.dumps([section("x")]),
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(fake.base_url + "chat.postMessage", data=form) as response,
    ):
        body = await response.json()
    assert body["ok"] is True
    assert fake.workspace.messages(OPS.id)[0].blocks == [section("x")]


def test_synchronous_web_client_works_against_a_fake_in_a_thread() -> None:
    """FakeSlack.start_in_thread serves the blocking WebClient from its own thread and loop."""
    with FakeSlack.start_in_thread() as fake:
        response = WebClient(token=BOT_TOKEN, base_url=fake.base_url).chat_postMessage(
            channel=OPS.id, text="from a thread"
        )
        assert response["ok"] is True
        assert fake.last("chat.postMessage").params["text"] == "from a thread"


async def test_wait_for_wakes_when_a_matching_call_arrives(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    """wait_for returns as soon as a call matching the predicate is recorded."""
    waiting = asyncio.ensure_future(
        fake.wait_for("chat.postMessage", lambda c: c.params.get("text") == "second")
    )
    await client.chat_postMessage(channel=OPS.id, text="first")
    await client.chat_postMessage(channel=OPS.id, text="second")
    assert (await waiting).params["text"] == "second"


async def test_wait_for_fails_clearly_when_nothing_comes(fake: FakeSlack) -> None:
    """wait_for raises AssertionError naming the method once its timeout passes."""
    with pytest.raises(AssertionError, match=r"no matching chat\.update call"):
        await fake.wait_for("chat.update", timeout_s=0.05)


async def test_51_blocks_are_invalid_blocks(client: AsyncWebClient) -> None:
    """A message with 51 blocks is refused with invalid_blocks naming the /blocks pointer."""
    blocks = [section(f"line {i}") for i in range(51)]
    error = await slack_error(client.chat_postMessage(channel=OPS.id, text="t", blocks=blocks))
    assert error.response["error"] == "invalid_blocks"
    assert error.response["errors"] == ["no more than 50 items allowed [json-pointer:/blocks]"]


async def test_3001_character_section_is_invalid_blocks(client: AsyncWebClient) -> None:
    """A section whose text is 3001 characters long is refused with invalid_blocks."""
    blocks = [section("x" * 3001)]
    error = await slack_error(client.chat_postMessage(channel=OPS.id, text="t", blocks=blocks))
    assert error.response["error"] == "invalid_blocks"
    assert error.response["errors"] == [
        "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]


async def test_too_much_text_across_blocks_is_msg_blocks_too_long(client: AsyncWebClient) -> None:
    """Five valid 2,500-character sections (12,500 in all) are refused with msg_blocks_too_long."""
    blocks = [section("x" * 2500) for _ in range(5)]
    error = await slack_error(client.chat_postMessage(channel=OPS.id, text="t", blocks=blocks))
    assert error.response["error"] == "msg_blocks_too_long"


async def test_message_without_text_or_blocks_is_no_text(client: AsyncWebClient) -> None:
    """A message with neither text nor blocks is refused with no_text."""
    error = await slack_error(client.api_call("chat.postMessage", json={"channel": OPS.id}))
    assert error.response["error"] == "no_text"


async def test_unknown_channel_is_channel_not_found(client: AsyncWebClient) -> None:
    """Posting to a channel the workspace does not have answers channel_not_found."""
    error = await slack_error(client.chat_postMessage(channel="C0NOPE0000", text="hi"))
    assert error.response["error"] == "channel_not_found"


async def test_text_over_40000_characters_is_truncated_with_a_warning(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    """Text past 40,000 characters is cut, and the answer warns message_truncated."""
    response = await client.chat_postMessage(channel=OPS.id, text="y" * 40_010)
    assert response["warning"] == "message_truncated"
    assert len(fake.workspace.messages(OPS.id)[0].text) == limits.MESSAGE_TEXT_MAX


async def test_update_changes_the_stored_message(fake: FakeSlack, client: AsyncWebClient) -> None:
    """chat.update replaces the text and blocks of a message the bot posted."""
    posted = await client.chat_postMessage(channel=OPS.id, text="before")
    await client.chat_update(channel=OPS.id, ts=posted["ts"], text="after", blocks=[section("a")])
    message = fake.workspace.messages(OPS.id)[0]
    assert (message.text, message.blocks, message.edits) == ("after", [section("a")], 1)


async def test_update_of_an_unknown_ts_is_message_not_found(client: AsyncWebClient) -> None:
    """chat.update of a ts that was never posted answers message_not_found."""
    error = await slack_error(client.chat_update(channel=OPS.id, ts="1.000001", text="x"))
    assert error.response["error"] == "message_not_found"


async def test_update_of_an_ephemeral_message_is_message_not_found(client: AsyncWebClient) -> None:
    """Ephemeral messages cannot be edited with chat.update: message_not_found."""
    sent = await client.chat_postEphemeral(channel=OPS.id, user=ALICE.id, text="only you")
    error = await slack_error(client.chat_update(channel=OPS.id, ts=sent["message_ts"], text="x"))
    assert error.response["error"] == "message_not_found"


async def test_update_of_someone_elses_message_is_refused(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    """The bot cannot edit a message a person wrote: cant_update_message."""
    theirs = fake.workspace.post_user_message(OPS.id, ALICE.id, "hello bot")
    error = await slack_error(client.chat_update(channel=OPS.id, ts=theirs.ts, text="x"))
    assert error.response["error"] == "cant_update_message"


async def test_post_ephemeral_is_kept_apart_for_its_user(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    """chat.postEphemeral answers message_ts and stores a message only its user sees."""
    sent = await client.chat_postEphemeral(channel=OPS.id, user=ALICE.id, text="psst")
    [message] = fake.workspace.messages(OPS.id, ephemeral=True)
    assert (message.ts, message.ephemeral_to) == (sent["message_ts"], ALICE.id)
    assert fake.workspace.messages(OPS.id) == []


async def test_delete_removes_the_message(fake: FakeSlack, client: AsyncWebClient) -> None:
    """chat.delete removes a message the bot posted."""
    posted = await client.chat_postMessage(channel=OPS.id, text="oops")
    await client.chat_delete(channel=OPS.id, ts=posted["ts"])
    assert fake.workspace.messages(OPS.id) == []


async def test_reactions_add_marks_the_message_once(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    """reactions.add records the reaction, and a second identical one is already_reacted."""
    posted = await client.chat_postMessage(channel=OPS.id, text="done")
    await client.reactions_add(channel=OPS.id, timestamp=posted["ts"], name="white_check_mark")
    again = client.reactions_add(channel=OPS.id, timestamp=posted["ts"], name="white_check_mark")
    assert (await slack_error(again)).response["error"] == "already_reacted"
    assert list(fake.workspace.messages(OPS.id)[0].reactions) == ["white_check_mark"]


async def test_conversations_info_describes_a_channel(client: AsyncWebClient) -> None:
    """conversations.info answers the channel's name and privacy."""
    response = await client.conversations_info(channel=OPS.id)
    assert (response["channel"]["name"], response["channel"]["is_private"]) == ("ops", False)


async def test_users_info_describes_a_user(client: AsyncWebClient) -> None:
    """users.info answers the user's name and real name."""
    response = await client.users_info(user=ALICE.id)
    assert (response["user"]["name"], response["user"]["real_name"]) == ("alice", "Alice Admin")


async def test_usergroup_membership_is_configurable(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    """usergroups.users.list answers the members the test set, and no_such_subteam otherwise."""
    fake.workspace.set_usergroup("S0ONCALL01", [ALICE.id])
    response = await client.usergroups_users_list(usergroup="S0ONCALL01")
    unknown = await slack_error(client.usergroups_users_list(usergroup="S0NOPE0000"))
    assert (response["users"], unknown.response["error"]) == ([ALICE.id], "no_such_subteam")


async def test_views_publish_stores_the_home_tab(fake: FakeSlack, client: AsyncWebClient) -> None:
    """views.publish keeps the user's home view with its blocks."""
    await client.views_publish(user_id=ALICE.id, view={"type": "home", "blocks": [section("hi")]})
    assert fake.workspace.home_views[ALICE.id]["blocks"] == [section("hi")]


async def test_views_publish_refuses_101_blocks(client: AsyncWebClient) -> None:
    """A home view with 101 blocks is refused with invalid_arguments naming /view/blocks."""
    view = {"type": "home", "blocks": [section(str(i)) for i in range(101)]}
    error = await slack_error(client.views_publish(user_id=ALICE.id, view=view))
    assert error.response["error"] == "invalid_arguments"
    assert error.response["response_metadata"]["messages"] == [
        "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]"
    ]


async def test_files_upload_v2_stores_the_file_in_the_channel(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    """files_upload_v2 goes through getUploadURLExternal, the upload URL and completeUploadExternal."""
    response = await client.files_upload_v2(
        channel=OPS.id, filename="report.txt", content="quorum lost", title="Report"
    )
    [uploaded] = fake.workspace.files.values()
    assert response["file"]["id"] == uploaded.id
    assert (uploaded.content, uploaded.title, uploaded.channel) == (
        b"quorum lost",
        "Report",
        OPS.id,
    )


async def test_rate_limited_post_is_retried_after_retry_after_and_nothing_is_lost(
    fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With 1 post/s per channel, a second post gets 429 Retry-After: 1 and the SDK retry lands it."""
    # slack_sdk sleeps Retry-After + random(); without the jitter the test takes one second.
    monkeypatch.setattr(builtin_async_handlers, "random", SimpleNamespace(random=lambda: 0.0))
    fake.rate_limits.limit("chat.postMessage", RateLimit(per_second=1.0, burst=1, per_channel=True))
    client = AsyncWebClient(
        token=BOT_TOKEN, base_url=fake.base_url, retry_handlers=[AsyncRateLimitErrorRetryHandler()]
    )
    await client.chat_postMessage(channel=OPS.id, text="one")
    await client.chat_postMessage(channel=OPS.id, text="two")
    statuses = [c.status for c in fake.calls("chat.postMessage")]
    assert statuses == [200, 429, 200]
    assert fake.calls("chat.postMessage")[1].response == {"ok": False, "error": "ratelimited"}
    assert [m.text for m in fake.workspace.messages(OPS.id)] == ["one", "two"]


async def test_post_message_limit_is_per_channel_with_a_burst(
    fake_on_clock: FakeSlack, clock: ManualClock
) -> None:
    """Past the burst a channel gets 429 with Retry-After, other channels do not, and time heals it."""
    fake = fake_on_clock
    fake.rate_limits.limit("chat.postMessage", POST_MESSAGE_LIMIT)
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
    for i in range(POST_MESSAGE_LIMIT.burst):
        await client.chat_postMessage(channel=OPS.id, text=str(i))
    refused = await slack_error(client.chat_postMessage(channel=OPS.id, text="over"))
    await client.chat_postMessage(channel=ALERTS.id, text="elsewhere")
    clock.advance(1.0)
    await client.chat_postMessage(channel=OPS.id, text="later")
    assert (refused.response.status_code, refused.response.headers["Retry-After"]) == (429, "1")


async def test_injected_503_is_retried_by_the_server_error_handler(fake: FakeSlack) -> None:
    """fail_next makes the next call answer 503, which AsyncServerErrorRetryHandler retries."""
    fake.rate_limits.fail_next("chat.postMessage", status=503)
    retry = AsyncServerErrorRetryHandler(
        interval_calculator=FixedValueRetryIntervalCalculator(fixed_internal=0.01)
    )
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url, retry_handlers=[retry])
    await client.chat_postMessage(channel=OPS.id, text="eventually")
    assert [c.status for c in fake.calls("chat.postMessage")] == [503, 200]


async def test_injected_429s_are_answered_without_a_retry_handler(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    """fail_next with 429 answers ratelimited with the chosen Retry-After, then recovers."""
    fake.rate_limits.fail_next("chat.update", times=2, retry_after=7)
    for _ in range(2):
        error = await slack_error(client.chat_update(channel=OPS.id, ts="1.1", text="x"))
        assert (error.response["error"], error.response.headers["Retry-After"]) == (
            "ratelimited",
            "7",
        )
    error = await slack_error(client.chat_update(channel=OPS.id, ts="1.1", text="x"))
    assert error.response["error"] == "message_not_found"
