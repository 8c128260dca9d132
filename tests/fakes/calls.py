"""Every request the fake Slack answered, and event-driven waits for the next one.

The fake may serve from another thread (`FakeSlack.start_in_thread`), so the log is guarded by a
lock and wakes waiting coroutines on their own event loop with `call_soon_threadsafe`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# What a call to Slack carried and what the fake answered.
Params = dict[str, Any]
Predicate = Callable[["Call"], bool]

# Pseudo-methods for requests that are not Web API methods.
RESPONSE_URL = "response_url"  # a POST to a response_url webhook
FILE_UPLOAD = "file_upload"  # the bytes sent to an upload URL from files.getUploadURLExternal


@dataclass(frozen=True)
class Call:
    """One request: its Web API method, decoded params (blocks as lists), token and the answer."""

    method: str
    params: Params
    token: str | None
    at: float
    status: int
    response: Mapping[str, Any] | str

    @property
    def ok(self) -> bool:
        """Whether Slack would have called this a success (HTTP 200 and not `"ok": false`)."""
        if isinstance(self.response, str):
            return self.status == 200
        return self.status == 200 and bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        """The `error` code of a failed call (or the plain-text body of a failed webhook)."""
        if isinstance(self.response, str):
            return None if self.ok else self.response
        error = self.response.get("error")
        return str(error) if error is not None else None


@dataclass
class _Waiter:
    method: str
    predicate: Predicate
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Call]


@dataclass
class CallLog:
    """The calls in arrival order, safe to read from the test while the fake serves."""

    _calls: list[Call] = field(default_factory=list)
    _waiters: list[_Waiter] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, call: Call) -> None:
        """Append `call` and wake everyone waiting for a call like it."""
        with self._lock:
            self._calls.append(call)
            woken = [w for w in self._waiters if w.method == call.method and w.predicate(call)]
            self._waiters = [w for w in self._waiters if w not in woken]
        for waiter in woken:
            waiter.loop.call_soon_threadsafe(_resolve, waiter.future, call)

    def calls(self, method: str | None = None) -> list[Call]:
        """All calls so far, or only those to `method`."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def last(self, method: str) -> Call:
        """The latest call to `method`; AssertionError if there was none."""
        found = self.calls(method)
        assert found, f"the fake Slack received no {method} call"
        return found[-1]

    async def wait_for(
        self, method: str, predicate: Predicate | None = None, *, timeout_s: float = 2.0
    ) -> Call:
        """The first call to `method` matching `predicate`, already received or still to come."""
        matches = predicate or _any_call
        loop = asyncio.get_running_loop()
        waiter = _Waiter(method, matches, loop, loop.create_future())
        with self._lock:
            earlier = [c for c in self._calls if c.method == method and matches(c)]
            if not earlier:
                self._waiters.append(waiter)
        if earlier:
            return earlier[0]
        try:
            return await asyncio.wait_for(waiter.future, timeout_s)
        except TimeoutError:
            with self._lock:
                self._waiters = [w for w in self._waiters if w is not waiter]
            seen = [c.method for c in self.calls()]
            raise AssertionError(
                f"no matching {method} call within {timeout_s}s; calls so far: {seen}"
            ) from None


def _any_call(_call: Call) -> bool:
    return True


def _resolve(future: asyncio.Future[Call], call: Call) -> None:
    if not future.done():
        future.set_result(call)
