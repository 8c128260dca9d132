"""Runbook + parameter values + inventory + cluster state -> Plan, or every reason not to. Pure.

The planner refuses rather than guesses: a role no node fits or several fit, a step on a node
SSH cannot reach, a precondition the cluster state already contradicts (the target is the last
quorate node), a peer without ring addresses. Each reason names the step or precondition, the
node and what is wrong. Values reach commands only through ``templates.render``: one template,
one argv element, whatever the value holds.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from bot.model import Cluster, Node
from bot.runbooks.errors import PlanRefused
from bot.runbooks.model import (
    Action,
    BackupFile,
    CheckRef,
    EditCorosyncConf,
    InstallFile,
    Precondition,
    Rollback,
    Runbook,
    Step,
)
from bot.runbooks.params import NAME_VALUE, parse_values
from bot.runbooks.plan import (
    Argv,
    ClusterState,
    Plan,
    PlannedAction,
    PlannedBackup,
    PlannedCheck,
    PlannedEdit,
    PlannedInstall,
    PlannedRestore,
    PlannedRollback,
    PlannedStep,
)
from bot.runbooks.predicates import PREDICATES, arg_problem, path_problem
from bot.runbooks.references import PATH_FIELDS, RUN_PLACEHOLDER
from bot.runbooks.targets import Target
from bot.runbooks.templates import render


def plan_runbook(
    runbook: Runbook,
    values: Mapping[str, str],
    cluster: Cluster,
    state: ClusterState,
    *,
    run_id: str,
) -> Plan:
    """The concrete plan for running ``runbook`` on ``cluster`` now, as run ``run_id``.

    ``values`` are parameter values as typed (text); ``run_id`` is substituted for ``{run_id}``
    (the engine's id of the run; a dry run may pass ``dry-run``). Raises InvalidParameters for
    values the runbook cannot use, PlanRefused for a plan that would be ambiguous or unsafe in
    ``state``.
    """
    if NAME_VALUE.fullmatch(run_id) is None:
        raise ValueError(f"run id {run_id!r}: letters, digits, '.', '_', '-' only")
    if cluster.flavor not in runbook.flavors:
        flavors = ", ".join(f.value for f in runbook.flavors)
        raise PlanRefused(
            runbook.id,
            [f"it is for {flavors} clusters; {cluster.name} is {cluster.flavor.value}"],
        )
    parameters = parse_values(runbook.id, runbook.parameters, values, cluster)
    planner = _Planner(runbook, cluster, state, {**parameters.texts, RUN_PLACEHOLDER: run_id})
    preconditions = tuple(
        planner.precondition(index, p)
        for index, p in enumerate(runbook.preconditions)
        if p.applies_to(cluster.flavor)
    )
    steps = tuple(
        planned
        for index, step in enumerate(runbook.steps)
        if step.applies_to(cluster.flavor)
        for planned in planner.step(index, step)
    )
    if planner.refusals:
        raise PlanRefused(runbook.id, list(dict.fromkeys(planner.refusals)))
    return Plan(
        runbook=runbook.id,
        title=runbook.title,
        cluster=cluster.name,
        flavor=cluster.flavor,
        run_id=run_id,
        parameters=dict(parameters.texts),
        roles=planner.roles,
        preconditions=preconditions,
        steps=steps,
    )


class _Planner:
    def __init__(
        self, runbook: Runbook, cluster: Cluster, state: ClusterState, values: dict[str, str]
    ) -> None:
        self.runbook = runbook
        self.cluster = cluster
        self.state = state
        self.values = values
        self.refusals: list[str] = []
        self.roles: dict[str, tuple[str, ...]] = {}
        self.names = tuple(n.name for n in cluster.nodes)
        unknown = sorted((state.reachable | state.quorate | state.failed) - set(self.names))
        if unknown:
            self.refusals.append(
                f"the cluster state names nodes the inventory of {cluster.name} does not have: "
                f"{', '.join(unknown)}"
            )
        if both := sorted(state.failed & state.quorate):
            self.refusals.append(
                f"the cluster state has {', '.join(both)} both failed and quorate; sweep again"
            )

    # -- targets -------------------------------------------------------------------------

    def nodes(self, target: Target) -> tuple[str, ...]:
        if target.param is not None:
            return (self.values[target.param],)
        assert target.role is not None  # noqa: S101 -- a Target has a param or a role
        if target.role not in self.roles:
            self.roles[target.role] = self._resolve_role(target.role)
        return self.roles[target.role]

    def _resolve_role(self, role: str) -> tuple[str, ...]:
        if role == "all_nodes":
            return self.names
        if role == "failed_node":
            failed = [n for n in self.names if n in self.state.failed]
            if len(failed) != 1:
                self.refusals.append(
                    "role:failed_node needs exactly one failed node; "
                    + (f"{len(failed)} have failed ({', '.join(failed)})" if failed else "none has")
                )
            return tuple(failed[:1])
        named = [self.values[n] for n, p in self.runbook.parameters.items() if p.type == "node"]
        healthy = [
            n
            for n in self.names
            if n in self.state.reachable
            and n in self.state.quorate
            and n not in self.state.failed
            and n not in named
        ]
        if not healthy:
            self.refusals.append(
                "role:healthy_quorate_node: no node is reachable, quorate and not failed"
                + (f" besides {', '.join(named)}" if named else "")
                + f" (reachable: {_listed(self.state.reachable)}; "
                f"quorate: {_listed(self.state.quorate)})"
            )
        return tuple(healthy[:1])

    # -- preconditions and verifications ---------------------------------------------------

    def precondition(self, index: int, precondition: Precondition) -> PlannedCheck:
        because = precondition.because
        check = self._check(precondition, None, within_s=None, because=because)
        predicate = PREDICATES[check.predicate]
        if not predicate.known_at_plan_time:
            return check
        failures = [
            reason
            for node in check.nodes or (None,)
            if (reason := self._decide(check.predicate, node)) is not None
        ]
        for reason in failures:
            self.refusals.append(
                f"preconditions[{index}] {check.predicate}: {reason}"
                + (f" ({because})" if because else "")
            )
        return check.model_copy(update={"held_at_plan_time": not failures})

    def _check(
        self, ref: CheckRef, default_node: str | None, within_s: int | None, because: str = ""
    ) -> PlannedCheck:
        predicate = PREDICATES[ref.check]
        nodes: tuple[str, ...] = ()
        if predicate.scope == "node":
            nodes = self.nodes(ref.target) if ref.target else (default_node or "",)
        args = {name: render(template, self.values) for name, template in ref.args.items()}
        for name, text in args.items():
            if (wrong := arg_problem(predicate.args[name], text)) is not None:
                self.refusals.append(f"{ref.check} argument {name}: {wrong}")
        return PlannedCheck(
            predicate=ref.check,
            description=predicate.description,
            nodes=nodes,
            args=args,
            because=because,
            within_s=within_s,
        )

    def _decide(self, predicate: str, node: str | None) -> str | None:
        """Why ``predicate`` does not hold for ``node`` in the cluster state, or None if it does."""
        state = self.state
        if predicate == "cluster_quorate":
            return None if state.quorate else "no node is quorate: the cluster has no quorum"
        if predicate == "node_reachable" and node not in state.reachable:
            return f"{node} does not answer over SSH"
        if predicate == "node_quorate" and node not in state.quorate:
            return f"{node} is not quorate"
        if predicate == "node_not_last_quorate" and node in state.quorate:
            others = len(state.quorate - {node})
            needed = state.quorum_votes or len(self.names) // 2 + 1
            if others == 0:
                return f"{node} is the last quorate node"
            if others < needed:
                return (
                    f"taking {node} down leaves {others} quorate node(s) "
                    f"where quorum needs {needed} votes"
                )
        return None

    # -- steps -----------------------------------------------------------------------------

    def step(self, index: int, step: Step) -> list[PlannedStep]:
        planned = []
        for node in self.nodes(step.target):
            if node not in self.state.reachable:
                self.refusals.append(
                    f"steps[{index}] {step.id} runs on {node}, which SSH cannot reach"
                )
            loops = self._loops(step, node)
            verify = step.verify
            planned.append(
                PlannedStep(
                    key=f"{step.id}@{node}",
                    step_id=step.id,
                    title=step.title,
                    explanation=step.explanation,
                    kind=step.kind,
                    node=node,
                    commands=self._commands(step.commands, loops),
                    action=self._action(step.action, node),
                    timeout_s=step.timeout_s,
                    expect_exit=step.expect.exit_status,
                    verify=self._check(verify, node, verify.within_s) if verify else None,
                    rollback=self._rollback(step.rollback, node, loops),
                )
            )
        return planned

    def _loops(self, step: Step, node: str) -> list[dict[str, str]]:
        """The placeholder values each repetition of the step's commands adds (one: none)."""
        if step.for_each is None:
            return [{}]
        loops = []
        for peer in self.cluster.nodes:
            if peer.name == node:
                continue
            if not peer.ring_addrs:
                self.refusals.append(
                    f"{step.id} needs the ring addresses of {peer.name}, and the inventory has "
                    "none: rediscover the cluster (quorumbot inventory)"
                )
            loops += [{"peer": peer.name, "peer_address": a} for a in self._addresses(peer)]
        return loops

    def _addresses(self, peer: Node) -> list[str]:
        """The peer's ring addresses, each an IP address or a host name; refuses anything else."""
        good = []
        for address in peer.ring_addrs:
            try:
                ipaddress.ip_address(address)
            except ValueError:
                if NAME_VALUE.fullmatch(address) is None:
                    self.refusals.append(f"{peer.name} ring address {address!r} is not an address")
                    continue
            good.append(address)
        return good

    def _commands(
        self, commands: tuple[Argv, ...], loops: list[dict[str, str]]
    ) -> tuple[Argv, ...]:
        return tuple(
            tuple(render(element, {**self.values, **loop}) for element in argv)
            for loop in loops
            for argv in commands
        )

    def _rollback(
        self, rollback: Rollback | None, node: str, loops: list[dict[str, str]]
    ) -> PlannedRollback | None:
        if rollback is None:
            return None
        return PlannedRollback(
            action=self._action(rollback.action, node),
            commands=self._commands(rollback.commands, loops),
            none=rollback.none,
        )

    def _action(self, action: Action | None, node: str) -> PlannedAction | None:
        if action is None:
            return None
        chosen, name = action.chosen, action.name
        paths = {
            key: self._path(name, key, value)
            for key, value in chosen.model_dump().items()
            if key in PATH_FIELDS
        }
        if isinstance(chosen, BackupFile):
            return PlannedBackup(**paths)
        if isinstance(chosen, InstallFile):
            # An unresolved role was refused already; the plan is never returned then.
            source_node = (self.nodes(chosen.from_) or ("",))[0] if chosen.from_ else node
            return PlannedInstall(source_node=source_node, mode=chosen.mode, **paths)
        if isinstance(chosen, EditCorosyncConf):
            settings = {key: render(value, self.values) for key, value in chosen.set_totem.items()}
            for key, value in settings.items():
                if (wrong := arg_problem("milliseconds", value)) is not None:
                    self.refusals.append(f"{name} set_totem.{key}: {wrong}")
            return PlannedEdit(
                set_totem=settings, bump_config_version=chosen.bump_config_version, **paths
            )
        return PlannedRestore(**paths)

    def _path(self, action: str, key: str, template: str) -> str:
        path = render(template, self.values)
        if (wrong := path_problem(path)) is not None:
            self.refusals.append(f"{action} {key}: {wrong}")
        return path


def _listed(names: frozenset[str]) -> str:
    return ", ".join(sorted(names)) or "none"
