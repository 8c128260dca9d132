"""A task supervisor: background work the process owns, logged when it fails, ended on shutdown.

bolt starts lazy listeners with ``asyncio.ensure_future`` and keeps no reference, so the loop
may garbage-collect them mid-run and their exceptions vanish. Slow work after an ack goes here
instead: strongly referenced, its failure logged with its name, cancelled when the bot stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class Supervisor:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    def spawn(self, work: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """Run `work` in the background; refused (and closed) once the supervisor is shutting down."""
        if self._closed:
            work.close()
            raise RuntimeError(f"shutting down: not starting {name}")
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    @property
    def running(self) -> int:
        return len(self._tasks)

    async def join(self, timeout_s: float | None = None) -> None:
        """Wait for every task (tests and graceful shutdown)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout_s)

    async def close(self, grace_s: float = 5.0) -> None:
        """Let running work finish for up to `grace_s`, then cancel what is left."""
        self._closed = True
        await self.join(grace_s)
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("background task %s failed", task.get_name(), exc_info=exc)
