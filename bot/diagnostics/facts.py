"""What a diagnosis knows: raw command results per node, and why a node could not be asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.diagnostics.commands import Probe
from bot.model import Cluster, CommandResult, Node


class Reach(StrEnum):
    """How a node answered SSH; anything but OK means its own checks are unknown."""

    OK = "ok"
    UNREACHABLE = "unreachable"
    HOST_KEY_CHANGED = "host-key-changed"
    HOST_KEY_UNKNOWN = "host-key-unknown"
    AUTH_FAILED = "auth-failed"


@dataclass
class NodeFacts:
    """Everything collected from one node."""

    node: Node
    reach: Reach
    reach_error: str | None = None
    results: dict[Probe, CommandResult] = field(default_factory=dict)
    failures: dict[Probe, str] = field(default_factory=dict)
    """Commands that did not finish (timeout), with why."""
    pings: dict[str, CommandResult] = field(default_factory=dict)
    """Ping results towards each peer, by peer node name."""
    ping_failures: dict[str, str] = field(default_factory=dict)

    def output(self, probe: Probe) -> str | None:
        """The command's stdout, or None when it did not run or did not finish."""
        result = self.results.get(probe)
        return None if result is None else result.stdout

    def why_missing(self, probe: Probe) -> str:
        """Plain words for why a probe's output is not there."""
        if self.reach is not Reach.OK:
            return f"{self.node.name} could not be reached ({self.reach_error})"
        if probe in self.failures:
            return f"{probe.value} on {self.node.name}: {self.failures[probe]}"
        result = self.results.get(probe)
        if result is not None:
            said = (result.stderr or result.stdout).strip().splitlines()
            detail = f": {said[-1]}" if said else ""
            return f"`{' '.join(result.argv)}` exited {result.exit_status}{detail}"
        return f"{probe.value} was not collected on {self.node.name}"


@dataclass(frozen=True)
class CounterReading:
    """One interface's counters as an earlier sweep read them (``ip -s -j link`` names)."""

    at: datetime
    counters: dict[str, int]


@dataclass
class ClusterFacts:
    cluster: Cluster
    nodes: dict[str, NodeFacts]
    collected_at: datetime
    journal_window_s: int
    previous_counters: dict[str, dict[str, CounterReading]] = field(default_factory=dict)
    """By node, then interface: the last counters saved before this sweep (none: first sweep)."""

    def reachable(self) -> list[NodeFacts]:
        return [f for f in self.nodes.values() if f.reach is Reach.OK]
