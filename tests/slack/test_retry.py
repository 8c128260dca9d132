"""Slack's 429 answers are retried after the whole Retry-After, by the real SDK against the fake."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.retry import MAX_RETRY_AFTER_S, RateLimitRetryHandler, retry_after_seconds
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.fakes.workspace import OPS


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "30"}, 30.0),
        ({"retry-after": ["12"]}, 12.0),
        ({"Retry-After": " 2 "}, 2.0),
        ({"Retry-After": "soon"}, 1.0),
        ({"Retry-After": "-5"}, 1.0),
        ({"Retry-After": "nan"}, 1.0),
        ({"Retry-After": "86400"}, MAX_RETRY_AFTER_S),
        ({}, 1.0),
    ],
)
def test_retry_after_is_read_whole(headers: dict[str, object], seconds: float) -> None:
    """The header is read as a whole number of seconds; junk falls back to 1 s, huge is capped."""
    assert retry_after_seconds(headers) == seconds


async def test_a_429_waits_the_full_retry_after_then_lands() -> None:
    """With Retry-After: 30 the client waits 30 s (not 3 s) and the retried post succeeds."""
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    async with FakeSlack.start() as fake:
        fake.rate_limits.fail_next("chat.postMessage", status=429, retry_after=30)
        client = AsyncWebClient(
            token=BOT_TOKEN,
            base_url=fake.base_url,
            retry_handlers=[RateLimitRetryHandler(max_retry_count=2, sleep=record)],
        )
        answer = await client.chat_postMessage(channel=OPS.id, text="hello")
        assert answer["ok"]
        assert [c.status for c in fake.calls("chat.postMessage")] == [429, 200]
    assert len(waits) == 1
    assert 30.0 <= waits[0] < 30.25


async def test_retries_give_up_after_the_limit() -> None:
    """A method that stays rate limited fails after max_retry_count retries with `ratelimited`."""

    async def no_wait(_: float) -> None:
        return None

    async with FakeSlack.start() as fake:
        fake.rate_limits.fail_next("chat.postMessage", times=5, status=429, retry_after=1)
        client = AsyncWebClient(
            token=BOT_TOKEN,
            base_url=fake.base_url,
            retry_handlers=[RateLimitRetryHandler(max_retry_count=2, sleep=no_wait)],
        )
        with pytest.raises(SlackApiError) as raised:
            await client.chat_postMessage(channel=OPS.id, text="hello")
        assert raised.value.response["error"] == "ratelimited"
        assert len(fake.calls("chat.postMessage")) == 3
