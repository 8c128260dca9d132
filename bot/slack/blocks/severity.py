"""How each severity looks in Slack, in one table every renderer uses. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from bot.model import Severity


@dataclass(frozen=True)
class SeverityStyle:
    emoji: str
    colour: str
    """Hex colour for attachment bars and anything else that wants one."""
    label: str
    """What a group of findings of this severity is called ("Critical")."""
    verdict: str
    """What a cluster whose worst finding has this severity is ("critical")."""


SEVERITY_STYLES: Final[Mapping[Severity, SeverityStyle]] = MappingProxyType(
    {
        Severity.OK: SeverityStyle(":large_green_circle:", "#2eb886", "OK", "healthy"),
        Severity.INFO: SeverityStyle(":information_source:", "#439fe0", "Info", "healthy"),
        Severity.WARNING: SeverityStyle(
            ":large_yellow_circle:", "#daa038", "Warning", "needs attention"
        ),
        Severity.UNKNOWN: SeverityStyle(":grey_question:", "#9e9e9e", "Unknown", "partly unknown"),
        Severity.CRITICAL: SeverityStyle(":red_circle:", "#a30200", "Critical", "critical"),
    }
)

WORST_FIRST: Final = tuple(sorted(Severity, key=lambda s: s.rank, reverse=True))


def emoji(severity: Severity) -> str:
    return SEVERITY_STYLES[severity].emoji


def count_phrase(counts: Mapping[Severity, int]) -> str:
    """``2 critical, 1 unknown, 3 warning`` (worst first, zero counts left out), or ``none``."""
    parts = [f"{counts[s]} {s.value}" for s in WORST_FIRST if counts.get(s)]
    return ", ".join(parts) or "none"
