"""The schema of ``runbooks/*.yaml``: pydantic models, immutable, unknown keys refused. Pure.

    Runbook       id, title, description, flavors, parameters, preconditions, steps
    ├── Parameter     (params.py) cluster | node | integer | milliseconds | duration | choice
    ├── Precondition  a predicate (predicates.py) that must hold before the run and every step
    └── Step          check | change, on a target (targets.py), running argv ``commands``
        │             or one built-in file ``action``; ``timeout_s``, ``expect``ed exit status
        ├── Verify        a predicate that must hold within ``within_s`` after the step
        └── Rollback      commands and/or an action that undo a change, or ``none`` and why

Cross-references (placeholders, predicate ids and their arguments, node parameters behind
targets, flavors, step ids) are checked by ``references.py`` when a Runbook is built, so a
Runbook object is always consistent, whether it came from a file or from code.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, Strict, model_validator

from bot.model import Flavor
from bot.runbooks.params import Parameter, ValueText
from bot.runbooks.references import reference_problems
from bot.runbooks.schema import Data, Loc, raise_problems
from bot.runbooks.targets import TargetSpec

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", max_length=64)]
ParameterName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
Text = Annotated[str, Field(min_length=1)]
Seconds = Annotated[int, Strict(), Field(ge=1, le=900)]
Argv = Annotated[tuple[str, ...], Field(min_length=1)]
"""One command: one template per argv element, never a shell string."""
FileMode = Annotated[str, Field(pattern=r"^0[0-7]{3}$")]
TotemKey = Literal[
    # totem keys corosync re-reads on `corosync-cfgtool -R`; crypto, transport, cluster_name
    # and friends are read-only at runtime (exec/main.c icmap_set_ro_access) and need a restart.
    "token",
    "token_coefficient",
    "token_retransmits_before_loss_const",
    "token_warning",
    "consensus",
    "join",
]
ForEach = Literal["peer_address"]
"""Repeat a step's commands for each ring address of each other node: {peer}, {peer_address}."""


def _one_or_many(value: object) -> object:
    return [value] if isinstance(value, int) else value


class Expect(Data):
    """What a finished command must look like: its exit status is one of ``exit_status``."""

    exit_status: Annotated[
        tuple[Annotated[int, Strict(), Field(ge=0, le=255)], ...],
        BeforeValidator(_one_or_many),
        Field(min_length=1),
    ] = (0,)


class CheckRef(Data):
    """A predicate asked of a target (node-scoped predicates) or of the cluster."""

    check: str
    target: TargetSpec | None = None
    args: dict[str, ValueText] = Field(default_factory=dict)


class Precondition(CheckRef):
    because: Text
    """Why it must hold, shown to the operator when it does not."""
    flavors: tuple[Flavor, ...] = ()
    """Only for these flavors; empty: every flavor of the runbook."""

    def applies_to(self, flavor: Flavor) -> bool:
        return not self.flavors or flavor in self.flavors


class Verify(CheckRef):
    """Must hold within ``within_s`` after the step; the target defaults to the step's."""

    within_s: Seconds = 60


class BackupFile(Data):
    """Copy ``path`` to ``backup`` on the target (creating its directory), keeping mode and
    owner; a different file already at ``backup`` is never overwritten."""

    path: str
    backup: str


class InstallFile(Data):
    """Write ``source`` (read on ``from``, default: the target itself) to ``dest`` on the target,
    through a temporary file in the same directory and a rename."""

    from_: TargetSpec | None = Field(default=None, alias="from")
    source: str
    dest: str
    mode: FileMode = "0644"


class EditCorosyncConf(Data):
    """Read ``source``, set totem keys, bump config_version, write ``output`` (never ``source``)."""

    source: str
    output: str
    set_totem: dict[TotemKey, ValueText] = Field(default_factory=dict)
    bump_config_version: Annotated[bool, Strict()] = True


class RestoreCorosyncConf(Data):
    """Install ``backup`` at ``path`` with a config_version above the one ``path`` holds now, so
    corosync and pmxcfs take it as the newer file (pmxcfs ignores a lower version)."""

    backup: str
    path: str


FileAction = BackupFile | InstallFile | EditCorosyncConf | RestoreCorosyncConf


class Action(Data):
    """A built-in file action, written as a mapping with exactly one key: the action's name."""

    backup_file: BackupFile | None = None
    install_file: InstallFile | None = None
    edit_corosync_conf: EditCorosyncConf | None = None
    restore_corosync_conf: RestoreCorosyncConf | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Action:
        if len(self._given()) != 1:
            names = ", ".join(type(self).model_fields)
            raise_problems([((), f"name exactly one action ({names})")])
        return self

    def _given(self) -> list[str]:
        return [name for name in type(self).model_fields if getattr(self, name) is not None]

    @property
    def name(self) -> str:
        return self._given()[0]

    @property
    def chosen(self) -> FileAction:
        chosen = getattr(self, self.name)
        assert chosen is not None  # noqa: S101 -- guaranteed by _exactly_one
        return chosen  # type: ignore[no-any-return]  # getattr on one of our own fields


class Rollback(Data):
    """How to undo a change step: an action, then commands; or ``none`` with the reason."""

    action: Action | None = None
    commands: tuple[Argv, ...] = ()
    none: Annotated[str, Field(min_length=10)] | None = None

    @model_validator(mode="after")
    def _something_or_none(self) -> Rollback:
        undoes = self.action is not None or bool(self.commands)
        if self.none is not None and undoes:
            raise_problems(
                [(("none",), "give either a rollback or `none` with a reason, not both")]
            )
        if self.none is None and not undoes:
            raise_problems([((), "give commands, an action, or `none` with the reason")])
        return self


class Step(Data):
    id: Id
    title: Text
    explanation: Text
    kind: Literal["check", "change"]
    target: TargetSpec
    flavors: tuple[Flavor, ...] = ()
    """Only for these flavors; empty: every flavor of the runbook."""
    for_each: ForEach | None = None
    commands: tuple[Argv, ...] = ()
    action: Action | None = None
    timeout_s: Seconds = 30
    """For each command (or the action) on each node."""
    expect: Expect = Expect()
    verify: Verify | None = None
    rollback: Rollback | None = None

    def applies_to(self, flavor: Flavor) -> bool:
        return not self.flavors or flavor in self.flavors

    @model_validator(mode="after")
    def _shape_fits_kind(self) -> Step:
        problems: list[tuple[Loc, str]] = []
        if self.commands and self.action is not None:
            problems.append((("action",), "give commands or an action, not both"))
        if self.kind == "check":
            if self.action is not None:
                problems.append((("action",), "actions change files; use kind: change"))
            if self.rollback is not None:
                problems.append((("rollback",), "a check changes nothing, so it has no rollback"))
            if not self.commands and self.verify is None:
                problems.append(((), "a check step needs commands or a verify predicate"))
        else:
            if not self.commands and self.action is None:
                problems.append(((), "a change step needs commands or an action"))
            if self.rollback is None:
                problems.append(
                    ((), "a change step needs a rollback (or `rollback: {none: <reason>}`)")
                )
            if self.commands and self.verify is None:
                # Built-in actions check their own result (read back, compare); commands cannot.
                problems.append(((), "a change step that runs commands needs a verify predicate"))
        if self.for_each is not None and not self.commands:
            problems.append((("for_each",), "for_each repeats commands; this step has none"))
        raise_problems(problems)
        return self


class Runbook(Data):
    id: Id
    title: Text
    description: Text
    flavors: Annotated[tuple[Flavor, ...], Field(min_length=1)]
    parameters: dict[ParameterName, Parameter]
    preconditions: tuple[Precondition, ...] = ()
    steps: Annotated[tuple[Step, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _references_resolve(self) -> Runbook:
        raise_problems(reference_problems(self))
        return self

    @property
    def cluster_parameter(self) -> str:
        """The name of the parameter naming the cluster (exactly one, checked at load)."""
        return next(n for n, p in self.parameters.items() if p.type == "cluster")

    @property
    def usage(self) -> str:
        """``rejoin-node cluster=<cluster> node=<node> [mode=reload]``, for lists and help."""
        words = [self.id]
        for name, parameter in self.parameters.items():
            if parameter.default is None:
                words.append(f"{name}=<{parameter.type}>")
            else:
                words.append(f"[{name}={parameter.default}]")
        return " ".join(words)

    def steps_for(self, flavor: Flavor) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.applies_to(flavor))
