"""What goes wrong with runbooks, as exceptions a caller must stop at.

BotError (bot.errors)
├── ConfigError
│   └── RunbookInvalid     a runbook file is malformed: file, key path, reason, line
├── UsageError
│   └── InvalidParameters  parameter values a runbook cannot use, one problem per line
└── PlanRefused            the planner will not plan this run now: every reason, in words
"""

from __future__ import annotations

from bot.errors import BotError, ConfigError, UsageError


class RunbookInvalid(ConfigError):
    """``problems`` reads ``steps[2].commands[0][3]: unknown placeholder {nod}; … (line 41)``."""


class InvalidParameters(UsageError):
    """Parameter values a runbook cannot use; ``problems`` says which and why, one per line."""

    def __init__(self, runbook: str, problems: list[str]) -> None:
        self.runbook = runbook
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"runbook {runbook!r} cannot use these parameters:\n{lines}")


class PlanRefused(BotError):
    """The plan would be ambiguous or unsafe for the cluster as it is; nothing was run."""

    def __init__(self, runbook: str, reasons: list[str]) -> None:
        self.runbook = runbook
        self.reasons = reasons
        lines = "\n".join(f"  - {r}" for r in reasons)
        super().__init__(f"runbook {runbook!r} cannot be planned now:\n{lines}")
