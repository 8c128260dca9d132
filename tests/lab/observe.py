"""What the lab tests look at: corosync's own tools, run inside a node, and polling until true."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from bot.lab.lab import Lab, quorum_summary
from bot.model import Node

T = TypeVar("T")


def run_in(lab: Lab, node: str, *argv: str) -> str:
    return lab.target(node).sh(*argv, check=False)


def quorum_seen_by(lab: Lab, node: str) -> tuple[bool | None, tuple[int, ...]]:
    """(quorate, member node ids) as `corosync-quorumtool -s` reports them on ``node``."""
    return quorum_summary(run_in(lab, node, "corosync-quorumtool", "-s"))


def journal_since(lab: Lab, node: str, since: str) -> str:
    return run_in(lab, node, "journalctl", "-u", "corosync", "--since", since, "-o", "cat",
                  "--no-pager")  # fmt: skip


def wait_for(probe: Callable[[], T], accept: Callable[[T], bool], *, timeout_s: float) -> T:
    """Poll ``probe`` until ``accept`` holds; on timeout fail showing the last value seen."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if accept(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still not there after {timeout_s}s; last seen: {value!r}")
        time.sleep(0.25)


def model_nodes(lab: Lab) -> dict[str, Node]:
    """The lab's nodes as the inventory would hold them, trusted keys included."""
    return {n.name: n for n in lab.status().to_cluster().nodes}
