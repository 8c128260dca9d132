"""Cross-references inside one runbook, each problem with its key path. Pure.

Checked: exactly one cluster parameter; every ``{placeholder}`` names a declared parameter,
``{run_id}``, or ``{peer}``/``{peer_address}`` in a ``for_each`` step; ``node:<parameter>``
names a node parameter; predicate ids are in the table, with exactly their arguments, of the
right kind, and for flavors they support; paths are absolute; step ids are unique; every flavor
has a step.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from bot.model import Flavor
from bot.runbooks.params import Parameter
from bot.runbooks.predicates import PREDICATES, UNITS, ArgKind, arg_problem, path_problem
from bot.runbooks.schema import Loc
from bot.runbooks.targets import Target
from bot.runbooks.templates import TemplateError, literal_text, placeholders, sole_placeholder

if TYPE_CHECKING:
    from bot.runbooks.model import Action, CheckRef, Runbook, Step

PEER_PLACEHOLDERS = ("peer", "peer_address")
PATH_FIELDS = ("path", "backup", "source", "dest", "output")
"""The fields of built-in file actions that hold paths (absolute, templates allowed)."""
RUN_PLACEHOLDER = "run_id"
"""Every template may use {run_id}: the engine's id for this run, e.g. to name backups."""
_NUMBER_PARAMETERS = ("milliseconds", "integer")


def reference_problems(runbook: Runbook) -> list[tuple[Loc, str]]:
    """Every reference in ``runbook`` that does not resolve, with where it is and why."""
    return _Checker(runbook).run()


class _Checker:
    def __init__(self, runbook: Runbook) -> None:
        self.runbook = runbook
        self.parameters: Mapping[str, Parameter] = runbook.parameters
        self.problems: list[tuple[Loc, str]] = []

    def problem(self, loc: Loc, text: str) -> None:
        self.problems.append((loc, text))

    def run(self) -> list[tuple[Loc, str]]:
        self._parameters()
        for index, precondition in enumerate(self.runbook.preconditions):
            loc: Loc = ("preconditions", index)
            flavors = self._flavors(loc, precondition.flavors)
            self._check_ref(loc, precondition, flavors, step_target=None)
        seen: dict[str, int] = {}
        for index, step in enumerate(self.runbook.steps):
            if step.id in seen:
                self.problem(
                    ("steps", index, "id"), f"{step.id!r} is already steps[{seen[step.id]}]"
                )
            seen.setdefault(step.id, index)
            self._step(("steps", index), step)
        for flavor in self.runbook.flavors:
            if not self.runbook.steps_for(flavor):
                self.problem(("steps",), f"no step applies to flavor {flavor.value}")
        return self.problems

    def _parameters(self) -> None:
        clusters = [n for n, p in self.parameters.items() if p.type == "cluster"]
        if len(clusters) != 1:
            found = f" (found: {', '.join(clusters)})" if clusters else ""
            self.problem(
                ("parameters",),
                f"declare exactly one parameter of type cluster, the cluster to run on{found}",
            )
        for name in (*PEER_PLACEHOLDERS, RUN_PLACEHOLDER):
            if name in self.parameters:
                self.problem(
                    ("parameters", name), f"{{{name}}} is a built-in placeholder; rename it"
                )

    def _flavors(self, loc: Loc, flavors: tuple[Flavor, ...]) -> tuple[Flavor, ...]:
        for index, flavor in enumerate(flavors):
            if flavor not in self.runbook.flavors:
                allowed = ", ".join(f.value for f in self.runbook.flavors)
                self.problem(
                    (*loc, "flavors", index),
                    f"{flavor.value} is not a flavor of this runbook ({allowed})",
                )
        return flavors or self.runbook.flavors

    def _step(self, loc: Loc, step: Step) -> None:
        flavors = self._flavors(loc, step.flavors)
        self._target((*loc, "target"), step.target)
        loop = PEER_PLACEHOLDERS if step.for_each else ()
        self._commands((*loc, "commands"), step.commands, loop)
        if step.action is not None:
            self._action((*loc, "action"), step.action)
        if step.verify is not None:
            self._check_ref((*loc, "verify"), step.verify, flavors, step_target=step.target)
        if step.rollback is not None:
            if step.rollback.action is not None:
                self._action((*loc, "rollback", "action"), step.rollback.action)
            self._commands((*loc, "rollback", "commands"), step.rollback.commands, loop)

    def _commands(
        self, loc: Loc, commands: Iterable[tuple[str, ...]], loop: tuple[str, ...]
    ) -> None:
        for j, argv in enumerate(commands):
            for k, element in enumerate(argv):
                self._template((*loc, j, k), element, loop)

    def _target(self, loc: Loc, target: Target, *, one_node: bool = False) -> None:
        if target.param is not None:
            parameter = self.parameters.get(target.param)
            if parameter is None:
                self.problem(loc, f"{target} names no parameter; {self._declared()}")
            elif parameter.type != "node":
                self.problem(
                    loc, f"{target.param!r} is a {parameter.type} parameter, not a node parameter"
                )
        elif one_node and target.role == "all_nodes":
            self.problem(loc, "role:all_nodes is several nodes; this needs exactly one")

    def _template(self, loc: Loc, text: str, loop: tuple[str, ...] = ()) -> tuple[str, ...] | None:
        """The template's placeholder names, each checked; None (reported) if it is malformed."""
        try:
            names = placeholders(text)
        except TemplateError as exc:
            self.problem(loc, str(exc))
            return None
        for name in names:
            if name in self.parameters or name in loop or name == RUN_PLACEHOLDER:
                continue
            hint = (
                f"; {{{name}}} exists only in steps with for_each: peer_address"
                if name in PEER_PLACEHOLDERS
                else ""
            )
            self.problem(loc, f"unknown placeholder {{{name}}}; {self._declared()}{hint}")
        return names

    def _declared(self) -> str:
        return f"declared parameters: {', '.join(self.parameters) or 'none'}"

    def _action(self, loc: Loc, action: Action) -> None:
        loc = (*loc, action.name)
        fields = action.chosen.model_dump(by_alias=True)
        for key in PATH_FIELDS:
            if isinstance(fields.get(key), str):
                self._path((*loc, key), fields[key])
        if isinstance(source := getattr(action.chosen, "from_", None), Target):
            self._target((*loc, "from"), source, one_node=True)
        for key, value in fields.get("set_totem", {}).items():
            self._argument((*loc, "set_totem", key), "milliseconds", value)
        pairs = {"backup_file": ("path", "backup"), "edit_corosync_conf": ("source", "output")}
        if action.name in pairs:
            first, second = pairs[action.name]
            if fields[first] == fields[second]:
                self.problem((*loc, second), f"must differ from {first}: never edit in place")

    def _path(self, loc: Loc, text: str) -> None:
        names = self._template(loc, text)
        if names is None:
            return
        if not text.startswith("/"):
            self.problem(loc, f"{text!r} is not an absolute path")
        elif not names and (wrong := path_problem(_literal(text))) is not None:
            self.problem(loc, wrong)

    def _argument(self, loc: Loc, kind: ArgKind, text: str) -> None:
        if kind == "path":
            self._path(loc, text)
            return
        names = self._template(loc, text)
        if names is None:
            return
        sole = sole_placeholder(text) if names else None
        if names and sole is None:
            self.problem(loc, f"write a literal value or a single {{parameter}}, not {text!r}")
        elif sole is not None and (parameter := self.parameters.get(sole)) is not None:
            if kind == "milliseconds" and parameter.type not in _NUMBER_PARAMETERS:
                self.problem(loc, f"{{{sole}}} is a {parameter.type} parameter, not a number")
            if kind == "unit" and (parameter.type != "choice" or set(parameter.choices) - {*UNITS}):
                self.problem(loc, f"{{{sole}}} must be a choice among {', '.join(UNITS)}")
        elif not names and (wrong := arg_problem(kind, _literal(text))) is not None:
            self.problem(loc, wrong)

    def _check_ref(
        self, loc: Loc, ref: CheckRef, flavors: tuple[Flavor, ...], step_target: Target | None
    ) -> None:
        predicate = PREDICATES.get(ref.check)
        if predicate is None:
            close = difflib.get_close_matches(ref.check, PREDICATES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            known = ", ".join(PREDICATES)
            self.problem((*loc, "check"), f"unknown predicate {ref.check!r}{hint}; known: {known}")
            return
        if predicate.scope == "cluster" and ref.target is not None:
            self.problem((*loc, "target"), f"{ref.check} is about the whole cluster: no target")
        elif ref.target is not None:
            self._target((*loc, "target"), ref.target)
        elif predicate.scope == "node" and step_target is None:
            self.problem(loc, f"{ref.check} is about a node: give a target")
        unsupported = [f.value for f in flavors if f not in predicate.flavors]
        if unsupported:
            self.problem(
                (*loc, "check"),
                f"{ref.check} cannot be asked on {', '.join(unsupported)} clusters; "
                "limit it with flavors:",
            )
        for name in ref.args:
            if name not in predicate.args:
                takes = ", ".join(predicate.args) or "none"
                self.problem(
                    (*loc, "args", name), f"{ref.check} takes no {name!r} (it takes: {takes})"
                )
        for name, kind in predicate.args.items():
            if name not in ref.args:
                self.problem((*loc, "args"), f"{ref.check} needs the argument {name!r} ({kind})")
            else:
                self._argument((*loc, "args", name), kind, ref.args[name])


def _literal(text: str) -> str:
    """The text of a template with no placeholders (checked before), braces unescaped."""
    return literal_text(text) or ""
