"""Retrying Slack Web API calls: 429 after Retry-After, 5xx and dropped connections with backoff.

bolt builds its client with slack_sdk's defaults, which retry only a reset connection once; a
429 is returned to the caller and the message is lost. slack_sdk's own rate-limit handler reads
Retry-After as ``headers.get(name)[0]``: with aiohttp's header mapping that is the first
*character* of the value, so "30" waits 3 s and the retry is refused again. Ours reads the
whole value.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections.abc import Awaitable, Callable, Mapping

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

log = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER_S = 1.0
MAX_RETRY_AFTER_S = 120.0
"""Slack asks for seconds, rarely a minute; past two minutes an alert is stale anyway."""

Sleep = Callable[[float], Awaitable[None]]


def retry_after_seconds(headers: Mapping[str, object]) -> float:
    """The wait a 429 asks for, from its Retry-After header, whatever shape the mapping holds."""
    raw: object = None
    for key, value in headers.items():
        if key.lower() == "retry-after":
            raw = value
            break
    if isinstance(raw, list | tuple):
        raw = raw[0] if raw else None
    try:
        seconds = float(str(raw).strip())
    except ValueError:
        return DEFAULT_RETRY_AFTER_S
    if math.isnan(seconds) or seconds < 0:  # a broken header, not a request
        return DEFAULT_RETRY_AFTER_S
    return min(seconds, MAX_RETRY_AFTER_S)


class RateLimitRetryHandler(AsyncRetryHandler):
    """Retry a 429 after the whole Retry-After (plus jitter so replicas do not retry in step)."""

    def __init__(self, max_retry_count: int = 3, *, sleep: Sleep = asyncio.sleep) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._sleep = sleep

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code == 429

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        wait = retry_after_seconds(response.headers if response is not None else {})
        wait += random.uniform(0, 0.25)  # noqa: S311 - jitter, not a secret
        log.warning("Slack rate limit on %s: retrying in %.1f s", request.url, wait)
        state.next_attempt_requested = True
        await self._sleep(wait)
        state.increment_current_attempt()


def retry_handlers(max_retries: int) -> list[AsyncRetryHandler]:
    """Handlers for every Web API client the bot builds."""
    return [
        RateLimitRetryHandler(max_retry_count=max_retries),
        AsyncServerErrorRetryHandler(max_retry_count=max_retries),
        AsyncConnectionErrorRetryHandler(max_retry_count=max_retries),
    ]
