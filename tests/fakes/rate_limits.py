"""Rate limits and injected failures for the fake Slack Web API.

Slack answers a call over its method's limit with HTTP 429, a `Retry-After` header in seconds and
`{"ok": false, "error": "ratelimited"}` (https://docs.slack.dev/apis/web-api/rate-limits). Limits are
token buckets read against the fake's clock, so tests move time instead of sleeping.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass

from tests.fakes.clock import Clock


@dataclass(frozen=True)
class RateLimit:
    """At most `per_second` calls a second on average, `burst` of them at once."""

    per_second: float
    burst: int = 1
    per_channel: bool = False  # one bucket per channel, as chat.postMessage has


# chat.postMessage "generally allows posting one message per second per channel" with short bursts
# over that "allowed but not guaranteed" (https://docs.slack.dev/apis/web-api/rate-limits).
POST_MESSAGE_LIMIT = RateLimit(per_second=1.0, burst=3, per_channel=True)


@dataclass(frozen=True)
class Refusal:
    """How the fake answers a call it refuses: an HTTP status and, for 429, a Retry-After."""

    status: int
    retry_after: int | None = None


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimits:
    """The limits per method, and failures queued for the next calls to a method."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._rules: dict[str, RateLimit] = {}
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._injected: dict[str, deque[Refusal]] = {}
        self._lock = threading.Lock()

    def limit(self, method: str, rule: RateLimit | None) -> None:
        """Limit `method` by `rule` from now on (None lifts the limit)."""
        with self._lock:
            self._buckets = {k: b for k, b in self._buckets.items() if k[0] != method}
            if rule is None:
                self._rules.pop(method, None)
            else:
                self._rules[method] = rule

    def fail_next(
        self, method: str, times: int = 1, *, status: int = 429, retry_after: int | None = 1
    ) -> None:
        """Answer the next `times` calls to `method` with `status` (429 carries Retry-After)."""
        refusal = Refusal(status, retry_after if status == 429 else None)
        with self._lock:
            self._injected.setdefault(method, deque()).extend([refusal] * times)

    def check(self, method: str, channel: str | None) -> Refusal | None:
        """Whether a call to `method` in `channel` is refused now; an accepted call uses a token."""
        with self._lock:
            injected = self._injected.get(method)
            if injected:
                return injected.popleft()
            rule = self._rules.get(method)
            if rule is None:
                return None
            key = (method, (channel or "") if rule.per_channel else "")
            return self._take(key, rule)

    def _take(self, key: tuple[str, str], rule: RateLimit) -> Refusal | None:
        now = self._clock()
        bucket = self._buckets.setdefault(key, _Bucket(tokens=float(rule.burst), updated=now))
        elapsed = now - bucket.updated
        bucket.tokens = min(float(rule.burst), bucket.tokens + elapsed * rule.per_second)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        wait_s = (1.0 - bucket.tokens) / rule.per_second
        return Refusal(429, retry_after=max(1, math.ceil(wait_s)))
