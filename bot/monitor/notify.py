"""What the monitor needs from whoever tells people (Slack today), so it never imports a front end."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.monitor.effects import Effect
from bot.monitor.incident import Incident


class Notifier(Protocol):
    async def publish(self, effects: Sequence[Effect]) -> list[Incident]:
        """Tell people; return incidents whose message ids changed (a root was just posted)."""
        ...
