"""Batched commands: the script runs every argv verbatim and the framing gives each result back.

The script runs through this machine's real bash, coreutils and tar, as it does on a node.
"""

from __future__ import annotations

import subprocess

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.batch import BatchItem, build_script, parse_output


def run_locally(items: list[BatchItem]) -> str:
    done = subprocess.run(
        ["bash", "-c", build_script(items)], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout


def test_each_command_keeps_its_status_streams_and_duration() -> None:
    """stdout, stderr and exit status come back per command, in any order they finished."""
    items = [
        BatchItem(("sh", "-c", "sleep 0.3; echo slow"), 5),
        BatchItem(("sh", "-c", "echo to-err >&2; exit 3"), 5),
        BatchItem(("printf", "%s", "no newline"), 5),
        BatchItem(("true",), 5),
    ]
    results = parse_output(run_locally(items), len(items))
    assert (results[0].stdout, results[0].exit_status) == ("slow\n", 0)
    assert results[0].duration_s >= 0.3
    assert (results[1].stderr, results[1].exit_status) == ("to-err\n", 3)
    assert results[2].stdout == "no newline"
    assert (results[3].stdout, results[3].stderr) == ("", "")


def test_a_hanging_command_times_out_alone() -> None:
    """A command past its own timeout is reported as timed out; the others are unaffected."""
    items = [BatchItem(("sleep", "30"), 0.5), BatchItem(("echo", "fine"), 5)]
    results = parse_output(run_locally(items), len(items))
    assert results[0].timed_out
    assert results[1].stdout == "fine\n"


def test_a_missing_tool_is_a_result_not_a_failed_batch() -> None:
    """A command that does not exist gives exit 127, and the batch still reports the rest."""
    items = [BatchItem(("no-such-tool-qb",), 5), BatchItem(("echo", "ok"), 5)]
    results = parse_output(run_locally(items), len(items))
    assert results[0].exit_status == 127
    assert results[1].stdout == "ok\n"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=40).filter(lambda s: "\x00" not in s), max_size=4))
def test_arguments_reach_the_command_verbatim(args: list[str]) -> None:
    """Any text as arguments (quotes, $(), newlines, unicode) arrives unchanged."""
    items = [BatchItem(("printf", "%s\\0", *args), 5)] if args else [BatchItem(("true",), 5)]
    results = parse_output(run_locally(items), 1)
    expected = "".join(f"{a}\0" for a in args)
    assert results[0].stdout == expected


@given(st.text(max_size=2000), st.integers(0, 20))
def test_parsing_never_raises(text: str, count: int) -> None:
    """Garbage instead of a batch archive gives no results, never an exception."""
    assert isinstance(parse_output(text, count), dict)


def test_a_truncated_archive_gives_only_what_is_complete() -> None:
    """Output cut off mid-way yields no half-read results."""
    full = run_locally([BatchItem(("echo", "a"), 5), BatchItem(("echo", "b"), 5)])
    assert parse_output(full[: len(full) // 2], 2) == {}
