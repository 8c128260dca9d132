"""What `/quorum …` asked for: the subcommand table and a strict parser of the command text. Pure.

Slack hands us everything after `/quorum ` as one string (`text`). People paste names in
quotes, phones turn quotes into curly ones, and anyone can send kilobytes of binary; all of it
gets a precise usage message, and only text that fits a subcommand's shape becomes a Command.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from enum import StrEnum

from bot.errors import UsageError

MAX_TEXT = 500
"""Longer than any real invocation; more is pasted by mistake (or hostile)."""

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})


class Verb(StrEnum):
    HELP = "help"
    STATUS = "status"
    NODES = "nodes"
    DIAGNOSE = "diagnose"
    INCIDENTS = "incidents"
    RUNBOOKS = "runbooks"
    RUN = "run"
    HISTORY = "history"
    WHOAMI = "whoami"
    CAN_I = "can-i"


@dataclass(frozen=True)
class Spec:
    """One subcommand: its arguments' names (a trailing `...` takes the rest) and what it does."""

    verb: Verb
    args: tuple[str, ...]
    optional: int
    """How many of the trailing args may be left out."""
    summary: str

    @property
    def usage(self) -> str:
        required = len(self.args) - self.optional
        shown = [a if i < required else f"[{a}]" for i, a in enumerate(self.args)]
        return " ".join(["/quorum", self.verb.value, *shown])


SPECS: dict[Verb, Spec] = {
    s.verb: s
    for s in (
        Spec(Verb.HELP, ("COMMAND",), 1, "what you can do here, or how to use one command"),
        Spec(Verb.STATUS, ("CLUSTER",), 1, "one-glance health: quorum, members, links"),
        Spec(Verb.NODES, ("CLUSTER",), 1, "the nodes the inventory knows, with addresses"),
        Spec(
            Verb.DIAGNOSE,
            ("CLUSTER", "NODE"),
            2,
            "run every check over SSH and post the findings in the channel",
        ),
        Spec(Verb.INCIDENTS, (), 0, "open incidents in the clusters of this channel"),
        Spec(Verb.RUNBOOKS, (), 0, "the runbooks quorumbot can walk you through"),
        Spec(Verb.RUN, ("RUNBOOK", "ARGS..."), 1, "start a runbook (a plan first, then approvals)"),
        Spec(Verb.HISTORY, ("COUNT",), 1, "the latest remote commands from the audit log"),
        Spec(Verb.WHOAMI, (), 0, "your role in this channel and the clusters it covers"),
        Spec(Verb.CAN_I, ("ACTION",), 0, "whether you may do ACTION here, and why"),
    )
}


@dataclass(frozen=True)
class Command:
    """A well-formed invocation: the verb and its arguments by name (absent optionals omitted)."""

    verb: Verb
    args: dict[str, str]
    rest: tuple[str, ...] = ()
    """Extra words for commands that take them (`run RUNBOOK key=value…`)."""

    def arg(self, name: str) -> str | None:
        return self.args.get(name)


def parse_command(text: str) -> Command:
    """The Command `text` asks for, or UsageError saying exactly what is wrong with it."""
    words = _split(text)
    if not words:
        return Command(Verb.HELP, {})
    head, *tail = words
    verb = _verb(head)
    spec = SPECS[verb]
    return _bind(spec, tail)


def usage_of(verb: Verb) -> str:
    return SPECS[verb].usage


def _split(text: str) -> list[str]:
    if len(text) > MAX_TEXT:
        raise UsageError(
            f"that is {len(text)} characters; /quorum takes at most {MAX_TEXT}. Try `/quorum help`."
        )
    if _CONTROL.search(text):
        raise UsageError("the command contains control characters; type it as plain text")
    try:
        return shlex.split(text.translate(_SMART_QUOTES))
    except ValueError:
        raise UsageError(
            "a quote is not closed; names need no quotes: `/quorum status lab`"
        ) from None


def _verb(word: str) -> Verb:
    try:
        return Verb(word.lower())
    except ValueError:
        shown = word if len(word) <= 40 else word[:40] + "…"
        known = ", ".join(v.value for v in Verb)
        raise UsageError(f"unknown command {shown!r}; known: {known}") from None


def _bind(spec: Spec, words: list[str]) -> Command:
    names = [a.removesuffix("...") for a in spec.args]
    takes_rest = bool(spec.args) and spec.args[-1].endswith("...")
    fixed = names[:-1] if takes_rest else names
    required = len(spec.args) - spec.optional
    if len(words) < required:
        missing = names[len(words)]
        raise UsageError(f"missing {missing}; usage: `{spec.usage}`")
    if not takes_rest and len(words) > len(fixed):
        extra = " ".join(words[len(fixed) :])
        shown = extra if len(extra) <= 40 else extra[:40] + "…"
        raise UsageError(f"unexpected {shown!r}; usage: `{spec.usage}`")
    args = dict(zip(fixed, words, strict=False))
    for name, value in args.items():
        _check_value(spec, name, value)
    rest = tuple(words[len(fixed) :]) if takes_rest else ()
    return Command(spec.verb, args, rest)


def _check_value(spec: Spec, name: str, value: str) -> None:
    if name == "COUNT":
        if not value.isdigit() or not 1 <= int(value) <= 100:
            raise UsageError(f"COUNT must be a number from 1 to 100, not {value!r}")
        return
    if name == "COMMAND":
        _verb(value)
        return
    if name == "ACTION":
        return  # checked against the policy's actions, which know their own names
    if not _NAME.match(value):
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise UsageError(
            f"{shown!r} is not a valid {name.lower()} name (letters, digits, '.', '_', '-'); "
            f"usage: `{spec.usage}`"
        )
