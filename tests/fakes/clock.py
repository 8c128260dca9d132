"""A clock the tests move by hand, for the fake's rate limits and response_url expiry."""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]  # seconds, monotonic

system_clock: Clock = time.monotonic


class ManualClock:
    """Stands still until `advance` is called, so time-dependent behaviour needs no sleeping."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds`."""
        self.now += seconds
