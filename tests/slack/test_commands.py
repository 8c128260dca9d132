"""The /quorum text parser: every subcommand's shape, and a precise answer for anything else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UsageError
from bot.slack.commands import MAX_TEXT, SPECS, Command, Verb, parse_command


@pytest.mark.parametrize(
    ("text", "verb", "args", "rest"),
    [
        ("", Verb.HELP, {}, ()),
        ("   ", Verb.HELP, {}, ()),
        ("help", Verb.HELP, {}, ()),
        ("help diagnose", Verb.HELP, {"COMMAND": "diagnose"}, ()),
        ("STATUS", Verb.STATUS, {}, ()),
        ("status lab", Verb.STATUS, {"CLUSTER": "lab"}, ()),
        ("status 'lab'", Verb.STATUS, {"CLUSTER": "lab"}, ()),
        ("status “pve-prod”", Verb.STATUS, {"CLUSTER": "pve-prod"}, ()),
        (
            "diagnose lab node-1.example",
            Verb.DIAGNOSE,
            {"CLUSTER": "lab", "NODE": "node-1.example"},
            (),
        ),
        (
            "run rejoin-node cluster=lab node=lab3",
            Verb.RUN,
            {"RUNBOOK": "rejoin-node"},
            ("cluster=lab", "node=lab3"),
        ),
        ("history 25", Verb.HISTORY, {"COUNT": "25"}, ()),
        ("can-i diagnose", Verb.CAN_I, {"ACTION": "diagnose"}, ()),
        ("whoami", Verb.WHOAMI, {}, ()),
    ],
)
def test_well_formed_commands_parse(
    text: str, verb: Verb, args: dict[str, str], rest: tuple[str, ...]
) -> None:
    """Each subcommand takes exactly the arguments its usage line shows."""
    command = parse_command(text)
    assert (command.verb, command.args, command.rest) == (verb, args, rest)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("reboot everything", "unknown command 'reboot'; known: help, status"),
        ("status lab extra", "unexpected 'extra'; usage: `/quorum status [CLUSTER]`"),
        ("diagnose", None),
        ("diagnose a b c", "unexpected 'c'"),
        ("can-i", "missing ACTION; usage: `/quorum can-i ACTION`"),
        ("status 'lab", "a quote is not closed"),
        ("status $(reboot)", "'$(reboot)' is not a valid cluster name"),
        ("status ../../etc", "is not a valid cluster name"),
        ("nodes -rf", "is not a valid cluster name"),
        ("history many", "COUNT must be a number from 1 to 100, not 'many'"),
        ("history 101", "COUNT must be a number from 1 to 100"),
        ("help nonsense", "unknown command 'nonsense'"),
        ("status \x1b[31mlab", "control characters"),
        ("a" * (MAX_TEXT + 1), f"takes at most {MAX_TEXT}"),
    ],
)
def test_bad_input_is_a_usage_error_saying_what_is_wrong(text: str, message: str | None) -> None:
    """Anything that is not a well-formed command raises UsageError with a precise message."""
    if message is None:
        assert parse_command(text).verb is Verb.DIAGNOSE  # diagnose alone is valid
        return
    with pytest.raises(UsageError) as raised:
        parse_command(text)
    assert message in str(raised.value)


def test_long_junk_is_shortened_in_the_answer() -> None:
    """A huge unknown word is echoed cut to 40 characters, so the answer stays readable."""
    with pytest.raises(UsageError) as raised:
        parse_command("x" * 300)
    assert len(str(raised.value)) < 200


def test_every_usage_line_starts_with_the_slash_command() -> None:
    """Usage lines are copyable: `/quorum VERB ...`, optional arguments in brackets."""
    assert SPECS[Verb.DIAGNOSE].usage == "/quorum diagnose [CLUSTER] [NODE]"
    assert SPECS[Verb.RUN].usage == "/quorum run RUNBOOK [ARGS...]"
    assert all(spec.usage.startswith(f"/quorum {verb.value}") for verb, spec in SPECS.items())


def _attempt(text: str) -> Command | UsageError:
    try:
        return parse_command(text)
    except UsageError as exc:
        return exc


@given(st.text(max_size=600))
def test_any_text_is_a_command_or_a_usage_error(text: str) -> None:
    """Whatever a user or a forged request sends, the parser answers; it never crashes."""
    outcome = _attempt(text)
    if isinstance(outcome, UsageError):
        assert str(outcome)
    else:
        assert outcome.verb in SPECS
        assert all("\x00" not in v for v in outcome.args.values())
