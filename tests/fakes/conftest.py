"""Fixtures for the fake Slack's own tests: a running fake and real slack_sdk clients pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.clock import ManualClock
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    """A fake Slack served on the test's event loop."""
    async with FakeSlack.start() as running:
        yield running


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when the test advances it."""
    return ManualClock()


@pytest.fixture
async def fake_on_clock(clock: ManualClock) -> AsyncIterator[FakeSlack]:
    """A fake Slack whose rate limits and expiry follow `clock`."""
    async with FakeSlack.start(clock=clock) as running:
        yield running


@pytest.fixture
def client(fake: FakeSlack) -> AsyncWebClient:
    """The real slack_sdk client, with the bot token, talking to `fake`."""
    return AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
