"""What our buttons carry: action ids and the JSON in a button's value. Pure.

A click comes back as a ``block_actions`` payload with the button's ``action_id`` and ``value``;
the value is the only state it brings, so it names everything the handler needs and nothing
more (the handler re-reads the rest and re-checks policy).
"""

from __future__ import annotations

import re
from typing import Final

from pydantic import BaseModel, ConfigDict

from bot.slack.blocks.message import Block, button
from bot.slack.limits import BUTTON_VALUE_MAX

RUNBOOK_START: Final = "runbook.start"
# Buttons get `runbook.start.<n>` so action ids stay unique within a message; listeners match this.
RUNBOOK_START_ACTION: Final = re.compile(r"^runbook\.start(?:\.\d+)?$")


class RunbookRequest(BaseModel):
    """A "run this runbook" button's value: which runbook, on which cluster, for which node."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    runbook: str
    cluster: str
    node: str | None = None

    def encode(self) -> str:
        return self.model_dump_json()

    @classmethod
    def decode(cls, value: str) -> RunbookRequest:
        """The request a button carried; raises pydantic.ValidationError for anything else."""
        return cls.model_validate_json(value)


def runbook_button(request: RunbookRequest, number: int) -> Block | None:
    """The button that starts ``request``; None when its value would not fit in a button."""
    value = request.encode()
    if len(value) > BUTTON_VALUE_MAX:
        return None
    target = f" on {request.node}" if request.node else ""
    return button(
        f"Run {request.runbook}{target}", action_id=f"{RUNBOOK_START}.{number}", value=value
    )
