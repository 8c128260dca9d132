"""Every check, in one explicit table (no import-time registration). Pure."""

from __future__ import annotations

from typing import Final

from bot.diagnostics.checks import reachability
from bot.diagnostics.checks.base import Check
from bot.errors import UsageError

CHECKS: Final[tuple[Check, ...]] = (
    Check(
        id=reachability.CHECK_ID,
        description="every node answers over SSH with its trusted host key",
        fn=reachability.check,
    ),
)


def select(ids: list[str] | None) -> tuple[Check, ...]:
    """The checks named by ``ids`` (all when None); unknown ids are a UsageError listing them."""
    if not ids:
        return CHECKS
    known = {c.id: c for c in CHECKS}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise UsageError(
            f"unknown check id: {', '.join(unknown)} (see `quorumbot checks` for the list)"
        )
    return tuple(known[i] for i in ids)
