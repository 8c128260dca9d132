"""``corosync -v`` read into a version tuple and the build's features, never raising.

``exec/main.c`` prints ``Corosync Cluster Engine, version '%s'`` and ``Copyright (c) …``; 3.x
adds a blank line, ``Built-in features:`` + ``PACKAGE_FEATURES`` and (3.1) the available crypto
and compression models; 1.x added `` SVN revision '%s'``. Distribution builds have been seen
printing ``version ''`` (an empty VERSION); that is kept as an unknown version, not an error.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.corosync.unparsed import Unparsed

_VERSION_LINE = re.compile(
    r"^Corosync Cluster Engine, version '(?P<version>[^']*)'(?: SVN revision '[^']*')?\s*$"
)
_NUMBERS = re.compile(r"^(?P<numbers>[0-9]{1,9}(?:\.[0-9]{1,9})*)", re.ASCII)
_LISTS = {
    "Built-in features:": "features",
    "Available crypto models:": "crypto_models",
    "Available compression models:": "compression_models",
}


class CorosyncVersion(BaseModel):
    """What ``corosync -v`` says about the installed binary."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["corosync-version"] = "corosync-version"
    version: tuple[int, ...] | None
    """Leading numbers of the version, e.g. (3, 1, 7); None when the build printed none."""
    version_text: str
    """As printed between the quotes, e.g. ``3.1.7`` or ``3.1.8.12-a1b2``; may be empty."""
    copyright: str | None = None
    features: tuple[str, ...] = ()
    """``Built-in features:`` words, e.g. ``watchdog``, ``systemd``, ``nozzle``."""
    crypto_models: tuple[str, ...] = ()
    compression_models: tuple[str, ...] = ()
    unparsed_lines: tuple[str, ...] = ()

    def at_least(self, *version: int) -> bool | None:
        """Whether this is ``version`` or newer; None when the version is unknown."""
        return None if self.version is None else self.version >= version


def parse_corosync_version(text: str) -> CorosyncVersion | Unparsed:
    """Read ``corosync -v``."""
    version_text: str | None = None
    copyright_line: str | None = None
    lists: dict[str, tuple[str, ...]] = {}
    unread: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        label = next((lb for lb in _LISTS if stripped.startswith(lb)), None)
        found = _VERSION_LINE.match(line)
        if found is not None and version_text is None:
            version_text = found["version"]
        elif stripped.startswith("Copyright") and copyright_line is None:
            copyright_line = stripped
        elif label is not None:
            lists[_LISTS[label]] = tuple(stripped[len(label) :].split())
        elif stripped:
            unread.append(line)
    if version_text is None:
        return Unparsed(
            tool="corosync -v",
            reason="no \"Corosync Cluster Engine, version '…'\" line",
            raw=text,
        )
    numbers = _NUMBERS.match(version_text)
    return CorosyncVersion(
        version=tuple(int(n) for n in numbers["numbers"].split(".")) if numbers else None,
        version_text=version_text,
        copyright=copyright_line,
        features=lists.get("features", ()),
        crypto_models=lists.get("crypto_models", ()),
        compression_models=lists.get("compression_models", ()),
        unparsed_lines=tuple(unread),
    )
