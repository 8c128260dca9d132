"""Parameter declarations are checked at load; values typed in chat become canonical text."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pytest
from pydantic import ValidationError

from bot.model import Flavor
from bot.runbooks.errors import InvalidParameters
from bot.runbooks.params import Parameter, parse_values
from tests.runbooks.conftest import three_nodes

CLUSTER = three_nodes(Flavor.COROSYNC)


def value(declaration: Mapping[str, object], text: str) -> str:
    parameter = Parameter.model_validate(declaration)
    return parse_values("demo", {"p": parameter}, {"p": text}, CLUSTER)["p"]


def refusal(declaration: Mapping[str, object], text: str) -> str:
    parameter = Parameter.model_validate(declaration)
    with pytest.raises(InvalidParameters) as caught:
        parse_values("demo", {"p": parameter}, {"p": text}, CLUSTER)
    [problem] = caught.value.problems
    return problem


@pytest.mark.parametrize(
    ("kind", "text", "substituted"),
    [
        ("milliseconds", "5000", "5000"),
        ("milliseconds", "5000ms", "5000"),
        ("milliseconds", "5s", "5000"),
        ("duration", "45s", "45"),
        ("duration", "30m", "1800"),
        ("duration", "1h30m", "5400"),
        ("integer", "0", "0"),
        ("integer", "12", "12"),
    ],
)
def test_numbers_are_substituted_in_plain_digits(kind: str, text: str, substituted: str) -> None:
    """Milliseconds become ms and durations seconds, as digits a command can take."""
    assert value({"type": kind, "help": "h"}, text) == substituted


@pytest.mark.parametrize(
    ("kind", "text", "problem"),
    [
        ("integer", "012", "p: '012' is not a whole number of 0 or more, in digits"),
        ("integer", "-1", "p: '-1' is not a whole number of 0 or more, in digits"),
        ("integer", "1_000", "p: '1_000' is not a whole number of 0 or more, in digits"),
        ("milliseconds", "5 s", "p: '5 s' is not a time in milliseconds (like 5000, 5000ms or 5s)"),
        ("duration", "", "p: '' is not a duration (like 45s, 30m, 2h or 1h30m)"),
        ("duration", "30", "p: '30' is not a duration (like 45s, 30m, 2h or 1h30m)"),
    ],
)
def test_numbers_in_other_spellings_are_refused(kind: str, text: str, problem: str) -> None:
    """Only the documented spellings are read: no signs, spaces, underscores or bare durations."""
    assert refusal({"type": kind, "help": "h"}, text) == problem


def test_bounds_are_enforced_in_the_parameter_s_own_units() -> None:
    """A duration below its minimum is refused with the bound as written in the runbook."""
    declaration = {"type": "duration", "help": "h", "min": "1m", "max": "2h"}
    assert refusal(declaration, "30s") == "p: 30s is below the minimum 1m"
    assert refusal(declaration, "3h") == "p: 3h is above the maximum 2h"
    assert value(declaration, "1m") == "60"


def test_a_default_is_used_when_no_value_is_given() -> None:
    """A declared default stands in for a missing value and is checked like one."""
    parameter = Parameter.model_validate({"type": "milliseconds", "help": "h", "default": 3000})
    assert parse_values("demo", {"p": parameter}, {}, CLUSTER)["p"] == "3000"


def test_a_choice_takes_only_its_choices() -> None:
    """A choice value outside the list is refused, naming the choices."""
    declaration = {"type": "choice", "help": "h", "choices": ["reload", "restart"]}
    assert value(declaration, "reload") == "reload"
    assert refusal(declaration, "stop") == "p: 'stop' is not one of reload, restart"


@pytest.mark.parametrize(
    ("declaration", "problem"),
    [
        ({"type": "integer", "help": "h", "min": 5, "max": 1}, "max: max 1 is below min 5"),
        ({"type": "integer", "help": "h", "min": "x"}, "min: 'x' is not a whole number"),
        ({"type": "integer", "help": "h", "default": 99, "max": 10}, "default: 99 is above"),
        ({"type": "node", "help": "h", "default": "pve1"}, "default: a node parameter cannot"),
        ({"type": "integer", "help": "h", "choices": ["a"]}, "choices: only a choice parameter"),
        ({"type": "choice", "help": "h"}, "choices: a choice parameter needs a list of choices"),
        ({"type": "choice", "help": "h", "choices": ["a", "a"]}, "choices[1]: 'a' is listed twice"),
    ],
)
def test_declarations_that_cannot_work_are_refused(
    declaration: dict[str, object], problem: str
) -> None:
    """Bounds, defaults and choices must fit the parameter's type."""
    with pytest.raises(ValidationError, match=re.escape(problem)):
        Parameter.model_validate(declaration)
