"""Runbook parameters: their declared types, and values typed in chat or on the command line.

A value arrives as text and leaves as canonical text for substitution. No type accepts a value
that starts with ``-`` (it would read as an option), whitespace, quotes or shell characters,
except ``choice``, whose values are fixed by the runbook's author. Pure.

    type          value typed              substituted as   bounds (min/max) in the same syntax
    cluster       pve-prod                 pve-prod         - (must be the cluster planned for)
    node          pve2                     pve2             - (must be a node of that cluster)
    integer       3                        3                min: 1, max: 10
    milliseconds  5000, 5000ms, 5s         5000             min: 1000, max: 30000
    duration      30m, 1h30m, 45s          1800 (seconds)   min: 1m, max: 2h
    choice        reload                   reload           choices: [reload, restart]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from bot.model import Cluster
from bot.runbooks.errors import InvalidParameters
from bot.runbooks.schema import Data, Loc, raise_problems

ParameterType = Literal["cluster", "node", "integer", "milliseconds", "duration", "choice"]

# Host and cluster names as corosync and pvecm accept them; never a leading '-'.
NAME_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
_INTEGER = re.compile(r"0|[1-9][0-9]{0,17}")
_MILLISECONDS = re.compile(r"(0|[1-9][0-9]{0,11})(ms|s)?")
_DURATION = re.compile(r"(?:([0-9]{1,4})h)?(?:([0-9]{1,6})m)?(?:([0-9]{1,8})s)?")
_CHOICE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._:/=+-]{0,63}")
_BOUNDED = ("integer", "milliseconds", "duration")


def _number_as_text(value: object) -> object:
    """YAML reads ``min: 1000`` as a number; bounds and defaults are kept in value syntax."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


ValueText = Annotated[str, BeforeValidator(_number_as_text)]


class Parameter(Data):
    """A declared parameter: its type, what it is for, and optional default and bounds."""

    type: ParameterType
    help: Annotated[str, Field(min_length=1)]
    default: ValueText | None = None
    min: ValueText | None = None
    max: ValueText | None = None
    choices: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _fits_its_type(self) -> Parameter:
        problems: list[tuple[Loc, str]] = []
        if self.type == "choice":
            problems += _choice_problems(self.choices)
        elif self.choices:
            problems.append((("choices",), f"only a choice parameter has choices, not {self.type}"))
        bounds: dict[str, int] = {}
        for key, text in (("min", self.min), ("max", self.max)):
            if text is None:
                continue
            if self.type not in _BOUNDED:
                problems.append(((key,), f"a {self.type} parameter has no bounds"))
            elif (number := _number(self.type, text)) is None:
                problems.append(((key,), f"{text!r} is not {_EXPECTED[self.type]}"))
            else:
                bounds[key] = number
        if "min" in bounds and "max" in bounds and bounds["min"] > bounds["max"]:
            problems.append((("max",), f"max {self.max} is below min {self.min}"))
        if self.default is not None:
            if self.type in {"cluster", "node"}:
                problems.append((("default",), f"a {self.type} parameter cannot have a default"))
            elif not problems and (wrong := self.problem_with(self.default)) is not None:
                problems.append((("default",), wrong))
        raise_problems(problems)
        return self

    def problem_with(self, text: str) -> str | None:
        """Why ``text`` is not a value of this parameter's type and bounds (names unchecked)."""
        if self.type in {"cluster", "node"}:
            if NAME_VALUE.fullmatch(text) is None:
                return f"{text!r} is not a {self.type} name (letters, digits, '.', '_', '-')"
            return None
        if self.type == "choice":
            if text not in self.choices:
                return f"{text!r} is not one of {', '.join(self.choices)}"
            return None
        number = _number(self.type, text)
        if number is None:
            return f"{text!r} is not {_EXPECTED[self.type]}"
        low, high = (_number(self.type, b) if b else None for b in (self.min, self.max))
        if low is not None and number < low:
            return f"{text} is below the minimum {self.min}"
        if high is not None and number > high:
            return f"{text} is above the maximum {self.max}"
        return None

    def canonical(self, text: str) -> str:
        """The text substituted for a valid value: numbers in plain digits (ms, seconds)."""
        number = _number(self.type, text)
        return text if number is None else str(number)


_EXPECTED = {
    "integer": "a whole number of 0 or more, in digits",
    "milliseconds": "a time in milliseconds (like 5000, 5000ms or 5s)",
    "duration": "a duration (like 45s, 30m, 2h or 1h30m)",
}


def _number(kind: str, text: str) -> int | None:
    if kind == "integer" and _INTEGER.fullmatch(text):
        return int(text)
    if kind == "milliseconds" and (m := _MILLISECONDS.fullmatch(text)):
        return int(m[1]) * (1000 if m[2] == "s" else 1)
    if kind == "duration" and text and (m := _DURATION.fullmatch(text)):
        hours, minutes, seconds = (int(part or 0) for part in m.groups())
        return hours * 3600 + minutes * 60 + seconds
    return None


def _choice_problems(choices: tuple[str, ...]) -> list[tuple[Loc, str]]:
    if not choices:
        return [(("choices",), "a choice parameter needs a list of choices")]
    problems: list[tuple[Loc, str]] = []
    for index, choice in enumerate(choices):
        if _CHOICE.fullmatch(choice) is None:
            problems.append(
                (
                    ("choices", index),
                    (
                        f"{choice!r} cannot be a choice: use letters, digits and ._:/=+- "
                        "(not first: '-', which would read as an option)"
                    ),
                )
            )
        elif choice in choices[:index]:
            problems.append((("choices", index), f"{choice!r} is listed twice"))
    return problems


@dataclass(frozen=True)
class ParameterValues:
    """Valid, typed parameter values as the text each placeholder is replaced with."""

    texts: Mapping[str, str]

    def __getitem__(self, name: str) -> str:
        return self.texts[name]


def parse_values(
    runbook_id: str,
    declared: Mapping[str, Parameter],
    given: Mapping[str, str],
    cluster: Cluster,
) -> ParameterValues:
    """Check every given value against its declaration and the cluster; InvalidParameters lists
    every problem at once (unknown names, missing values, wrong types, unknown nodes)."""
    problems = [
        f"{name}: no such parameter (it takes: {', '.join(declared) or 'none'})"
        for name in given
        if name not in declared
    ]
    texts: dict[str, str] = {}
    for name, parameter in declared.items():
        text = given.get(name, parameter.default)
        if text is None:
            problems.append(f"{name}: missing; {parameter.help} ({parameter.type})")
        elif (wrong := _value_problem(parameter, text, cluster)) is not None:
            problems.append(f"{name}: {wrong}")
        else:
            texts[name] = parameter.canonical(text)
    if problems:
        raise InvalidParameters(runbook_id, problems)
    return ParameterValues(texts)


def _value_problem(parameter: Parameter, text: str, cluster: Cluster) -> str | None:
    if (wrong := parameter.problem_with(text)) is not None:
        return wrong
    if parameter.type == "cluster" and text != cluster.name:
        return f"this plan is for cluster {cluster.name!r}, not {text!r}"
    if parameter.type == "node" and cluster.node(text) is None:
        known = ", ".join(n.name for n in cluster.nodes) or "none"
        return f"{text!r} is not a node of cluster {cluster.name!r} (its nodes: {known})"
    return None
