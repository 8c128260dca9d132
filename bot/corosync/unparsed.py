"""The one result every parser may return instead of raising."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class Unparsed(BaseModel):
    """Text a parser could not read, kept whole so a human can still see it.

    Parsers are total: unknown or hostile input gives this value, never an exception.
    """

    model_config = ConfigDict(frozen=True)

    kind: Literal["unparsed"] = "unparsed"
    tool: str
    """Which parser gave up, e.g. ``"corosync-cfgtool -s"``."""
    reason: str
    """Why, in one line a human can act on."""
    raw: str
    """The input as received."""
