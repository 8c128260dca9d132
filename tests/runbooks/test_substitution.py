"""Parameter values reach argv only as whole elements: never split, never seen by a shell."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.model import Flavor
from bot.runbooks.errors import InvalidParameters
from bot.runbooks.model import Runbook
from bot.runbooks.planner import plan_runbook
from bot.runbooks.templates import TemplateError, placeholders, render
from tests.runbooks.conftest import state, three_nodes

HOSTILE = [" ", ";", "$(reboot)", "`id`", "'", '"', "\n", "&&", "|", ">", "\\", "*", "-", "{", "}"]
SHELL_SPECIAL = re.compile(r"[\s;$`'\"&|<>\\*(){}]")

values = st.one_of(
    st.text(max_size=30),
    st.lists(st.sampled_from([*HOSTILE, "pve1", "5", "s", "m", "ms", "reload"]), max_size=6).map(
        "".join
    ),
)


def echo_runbook(parameter: Mapping[str, object]) -> Runbook:
    """A one-step runbook whose command echoes parameter ``p`` alone and inside a flag."""
    return Runbook.model_validate(
        {
            "id": "echo",
            "title": "Echo",
            "description": "Echo a parameter.",
            "flavors": ["corosync"],
            "parameters": {"cluster": {"type": "cluster", "help": "c"}, "p": parameter},
            "steps": [
                {
                    "id": "echo",
                    "title": "Echo",
                    "explanation": "Shows the value.",
                    "kind": "check",
                    "target": "role:all_nodes",
                    "commands": [["echo", "{p}", "--flag={p}", "{{literal}}"]],
                }
            ],
        }
    )


PARAMETERS: dict[str, Mapping[str, object]] = {
    "node": {"type": "node", "help": "n"},
    "integer": {"type": "integer", "help": "i"},
    "milliseconds": {"type": "milliseconds", "help": "m"},
    "duration": {"type": "duration", "help": "d"},
    "choice": {"type": "choice", "help": "c", "choices": ["reload", "restart"]},
}


@pytest.mark.parametrize("kind", list(PARAMETERS))
@given(value=values)
@example(value="pve1; reboot")
@example(value="$(reboot)")
@example(value="5000 ms")
@example(value="-1")
def test_any_value_is_refused_or_becomes_exactly_one_element(kind: str, value: str) -> None:
    """Whatever the text, its type refuses it, or each template yields one argv element."""
    runbook = echo_runbook(PARAMETERS[kind])
    cluster = three_nodes(Flavor.COROSYNC)
    try:
        plan = plan_runbook(runbook, {"cluster": "pve", "p": value}, cluster, state(), run_id="r")
    except InvalidParameters as exc:
        refusal = exc.problems
    else:
        refusal = []
    if refusal:
        assert refusal == [refusal[0]]
        assert refusal[0].startswith("p: ")
        return
    argv = plan.steps[0].commands[0]
    substituted = plan.parameters["p"]
    assert argv == ("echo", substituted, f"--flag={substituted}", "{literal}")
    assert not SHELL_SPECIAL.search(substituted)
    assert not substituted.startswith("-")
    if kind in {"node", "choice"}:
        assert substituted == value


def test_a_node_name_with_shell_characters_is_refused_even_if_the_inventory_has_it() -> None:
    """A node parameter checks the name's characters, not only that the inventory knows it."""
    cluster = three_nodes(Flavor.COROSYNC)
    odd = cluster.nodes[0].model_copy(update={"name": "pve1;reboot"})
    cluster = cluster.model_copy(update={"nodes": (odd, *cluster.nodes[1:])})
    with pytest.raises(InvalidParameters) as refused:
        plan_runbook(
            echo_runbook(PARAMETERS["node"]),
            {"cluster": "pve", "p": "pve1;reboot"},
            cluster,
            state(reachable=("pve1;reboot", "pve2", "pve3")),
            run_id="r",
        )
    assert refused.value.problems == [
        "p: 'pve1;reboot' is not a node name (letters, digits, '.', '_', '-')"
    ]


@given(value=st.text(), prefix=st.text(alphabet="abc-=/"), suffix=st.text(alphabet="xyz:"))
def test_render_puts_the_value_inside_the_one_string(value: str, prefix: str, suffix: str) -> None:
    """render() returns the template's text with the value in place, verbatim, as one string."""
    assert render(f"{prefix}{{p}}{suffix}", {"p": value}) == f"{prefix}{value}{suffix}"


@pytest.mark.parametrize(
    ("template", "names"),
    [
        ("plain", ()),
        ("{a}", ("a",)),
        ("--dport={port}:{port}", ("port", "port")),
        ("{{not_a_placeholder}}", ()),
        ("{{{a}}}", ("a",)),
    ],
)
def test_placeholders_are_read_strictly(template: str, names: tuple[str, ...]) -> None:
    """Placeholders are {name}; doubled braces are literal braces."""
    assert placeholders(template) == names


@pytest.mark.parametrize(
    "template", ["{", "}", "a{b", "{A}", "{a b}", "{a:>3}", "{a!r}", "{0}", "{}"]
)
def test_malformed_templates_are_refused(template: str) -> None:
    """A stray brace, an upper-case or positional name, a format spec or conversion is refused."""
    with pytest.raises(TemplateError):
        placeholders(template)


def test_doubled_braces_render_as_single_braces() -> None:
    """`{{` and `}}` become `{` and `}` while placeholders are replaced."""
    assert render("{{x}}={x}", {"x": "1"}) == "{x}=1"
