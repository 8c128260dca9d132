"""The finding type corosync.conf validation returns, and what every check is given."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from bot.corosync.conf import ConfDocument, ConfItem, ConfSection
from bot.corosync.conf_model import CorosyncConf
from bot.corosync.timing import EffectiveTiming
from bot.model import Severity


class ConfFinding(BaseModel):
    """One problem in corosync.conf, said so an operator knows what to change."""

    model_config = ConfigDict(frozen=True)

    code: str
    """Stable identifier, e.g. ``duplicate-nodeid``."""
    severity: Severity
    message: str
    line: int | None = None
    """corosync's line number of the offending line, when one line is to blame."""
    corosync_error: str | None = None
    """corosync's own error text for this problem, when it refuses to start because of it."""


@dataclass(frozen=True)
class CheckContext:
    """What every check looks at: the file, its typed view and the timing corosync derives."""

    doc: ConfDocument
    conf: CorosyncConf
    timing: EffectiveTiming

    @property
    def transport(self) -> str:
        return self.conf.totem.effective_transport


def finding(
    code: str,
    severity: Severity,
    message: str,
    line: int | None = None,
    corosync_error: str | None = None,
) -> ConfFinding:
    return ConfFinding(
        code=code, severity=severity, message=message, line=line, corosync_error=corosync_error
    )


def walk_items(section: ConfSection) -> Iterator[tuple[ConfSection, ConfItem]]:
    """Every item below ``section``, at any depth, with the section that holds it."""
    for child in section.children:
        if isinstance(child, ConfItem):
            yield section, child
        else:
            yield from walk_items(child)
