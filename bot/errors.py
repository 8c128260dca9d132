"""Every exception quorumbot raises on purpose.

Where failure is normal (a line a parser cannot read, a node that does not answer) the code
returns a value instead; exceptions are for callers that must stop.

    BotError
    ├── ConfigError        a setting or settings file is wrong (key, problem, what is expected)
    ├── UsageError         a command was called with bad arguments (message + usage)
    └── LabError           the lab could not be built, started, faulted or torn down
"""

from __future__ import annotations


class BotError(Exception):
    """Base of every error quorumbot raises on purpose; its message is for humans."""


class ConfigError(BotError):
    """Configuration is invalid; ``problems`` holds one line per wrong key."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid configuration in {source}:\n{lines}")


class UsageError(BotError):
    """A command got arguments it cannot use; nothing was changed."""


class LabError(BotError):
    """The lab could not do what was asked; the message says which step failed and why."""
