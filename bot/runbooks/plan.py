"""What the planner takes besides the runbook (ClusterState) and what it gives (Plan). Pure.

A Plan is concrete: every target is a node name, every command a finished argv tuple, every
path rendered. It is what a dry run shows and what the engine executes, step by step, checking
``preconditions`` again before each one. Plans are plain data and round-trip through JSON.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from bot.model import Flavor
from bot.runbooks.schema import Data

Argv = tuple[str, ...]


class ClusterState(Data):
    """The cluster as the last sweep saw it: enough to resolve roles and decide some predicates.

    Nodes are inventory names; a node in none of the sets is unreachable and not quorate.
    """

    reachable: frozenset[str]
    """Nodes that answer over SSH."""
    quorate: frozenset[str]
    """Nodes whose `corosync-quorumtool -s` says ``Quorate: Yes``."""
    failed: frozenset[str] = frozenset()
    """Nodes that left the membership (corosync down, or partitioned away from the quorate part)."""
    quorum_votes: Annotated[int, Field(ge=1)] | None = None
    """Votes needed for quorum (``Quorum:`` of `corosync-quorumtool -s`); None: a majority of the
    inventory's nodes at one vote each."""


class PlannedCheck(Data):
    """A predicate to ask, with its nodes resolved (none: it is about the whole cluster)."""

    predicate: str
    description: str
    nodes: tuple[str, ...] = ()
    args: dict[str, str] = Field(default_factory=dict)
    because: str = ""
    within_s: int | None = None
    """For verifications: how long the engine keeps asking before the step counts as failed."""
    held_at_plan_time: bool = False
    """The planner could decide it from the ClusterState, and it held then."""


class PlannedBackup(Data):
    action: Literal["backup_file"] = "backup_file"
    path: str
    backup: str


class PlannedInstall(Data):
    action: Literal["install_file"] = "install_file"
    source_node: str
    source: str
    dest: str
    mode: str


class PlannedEdit(Data):
    action: Literal["edit_corosync_conf"] = "edit_corosync_conf"
    source: str
    output: str
    set_totem: dict[str, str]
    bump_config_version: bool


class PlannedRestore(Data):
    action: Literal["restore_corosync_conf"] = "restore_corosync_conf"
    backup: str
    path: str


PlannedAction = Annotated[
    PlannedBackup | PlannedInstall | PlannedEdit | PlannedRestore, Field(discriminator="action")
]


class PlannedRollback(Data):
    """Run ``action`` then ``commands`` on the step's node; or nothing, because ``none``."""

    action: PlannedAction | None = None
    commands: tuple[Argv, ...] = ()
    none: str | None = None


class PlannedStep(Data):
    key: str
    """``<step id>@<node>``: unique in the plan, stable across restarts."""
    step_id: str
    title: str
    explanation: str
    kind: Literal["check", "change"]
    node: str
    commands: tuple[Argv, ...] = ()
    action: PlannedAction | None = None
    timeout_s: int
    expect_exit: tuple[int, ...]
    verify: PlannedCheck | None = None
    rollback: PlannedRollback | None = None


class Plan(Data):
    runbook: str
    run_id: str
    title: str
    cluster: str
    flavor: Flavor
    parameters: dict[str, str]
    """Each parameter's value as substituted (milliseconds and seconds in digits)."""
    roles: dict[str, tuple[str, ...]]
    """The node(s) each role used by the plan resolved to."""
    preconditions: tuple[PlannedCheck, ...]
    steps: tuple[PlannedStep, ...]
