"""Who may do what: the authorization policy and the one pure decision every request passes.

Deny by default. A Slack command or button click is allowed only when its channel is listed
under ``channels``, the cluster it touches is granted to that channel, and the caller's role is
at least the action's minimum role (``MINIMUM_ROLE``). The terminal is one more scope: the
``local`` section, keyed by unix user name; with no ``local`` section the terminal may do
nothing, and root gets no role it is not given.

The role of a Slack user, for a cluster:
  1. if ``clusters.NAME`` lists users or groups, only that section counts on that cluster;
     otherwise the top-level ``users`` and ``groups`` do;
  2. within the section that counts: the highest of the user's own role and the roles of the
     user groups the user belongs to;
  3. nobody listed there: ``defaults.role`` (no role, unless the policy says viewer or more).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
from functools import total_ordering
from types import MappingProxyType
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, field_validator


@total_ordering
class Role(Enum):
    """What someone may do, each role including every lower one: viewer < … < admin."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    APPROVER = "approver"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Role):
            return NotImplemented
        return self.rank < other.rank

    def __str__(self) -> str:
        return self.value


class Action(StrEnum):
    """Everything the bot can be asked to do, at the grain the policy decides on."""

    VIEW = "view"  # status, nodes, incidents, history, runbook list, help, whoami
    DIAGNOSE = "diagnose"  # read-only checks over SSH: they still cost the nodes work
    ACKNOWLEDGE = "acknowledge"  # acknowledge or silence an incident
    RUN_RUNBOOK = "run_runbook"
    CONFIRM_STEP = "confirm_step"  # a read-only step, or a change step already approved
    CANCEL_RUNBOOK = "cancel_runbook"
    APPROVE_STEP = "approve_step"  # allow a runbook's change step to run
    MANAGE_MAINTENANCE = "manage_maintenance"
    MANAGE_SCHEDULES = "manage_schedules"
    MANAGE_INVENTORY = "manage_inventory"  # clusters, nodes, trusting host keys
    MANAGE_POLICY = "manage_policy"


MINIMUM_ROLE: Mapping[Action, Role] = MappingProxyType(
    {
        Action.VIEW: Role.VIEWER,
        Action.DIAGNOSE: Role.OPERATOR,
        Action.ACKNOWLEDGE: Role.OPERATOR,
        Action.RUN_RUNBOOK: Role.OPERATOR,
        Action.CONFIRM_STEP: Role.OPERATOR,
        Action.CANCEL_RUNBOOK: Role.OPERATOR,
        Action.APPROVE_STEP: Role.APPROVER,
        Action.MANAGE_MAINTENANCE: Role.ADMIN,
        Action.MANAGE_SCHEDULES: Role.ADMIN,
        Action.MANAGE_INVENTORY: Role.ADMIN,
        Action.MANAGE_POLICY: Role.ADMIN,
    }
)
"""The least role each action needs; the only place that says so."""

# How a refusal names the action: "<doing> needs the operator role".
_DOING: Mapping[Action, str] = MappingProxyType(
    {
        Action.VIEW: "viewing status",
        Action.DIAGNOSE: "running diagnostics",
        Action.ACKNOWLEDGE: "acknowledging an incident",
        Action.RUN_RUNBOOK: "starting a runbook",
        Action.CONFIRM_STEP: "confirming a runbook step",
        Action.CANCEL_RUNBOOK: "cancelling a runbook",
        Action.APPROVE_STEP: "approving a change step",
        Action.MANAGE_MAINTENANCE: "changing maintenance windows",
        Action.MANAGE_SCHEDULES: "changing schedules",
        Action.MANAGE_INVENTORY: "changing the inventory",
        Action.MANAGE_POLICY: "changing the policy",
    }
)


def _shape(pattern: str, what: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return AfterValidator(check)


_CLUSTER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
_CLUSTER_RULE = "use letters, digits, '.', '_' or '-' (at most 63), as in the inventory"
_USER = "a Slack user id; expected U or W then capitals and digits, like U012AB3CD"
_CHANNEL = "a Slack channel id; expected C, G or D then capitals and digits, like C012AB3CD"
_GROUP = "a Slack user group id; expected S then capitals and digits, like S012AB3CD"
_UNIX = "a unix user name; expected lower-case letters, digits, '_' or '-', like root"

UserId = Annotated[str, _shape(r"[UW][A-Z0-9]{2,20}", _USER)]
ChannelId = Annotated[str, _shape(r"[CGD][A-Z0-9]{2,20}", _CHANNEL)]
GroupId = Annotated[str, _shape(r"S[A-Z0-9]{2,20}", _GROUP)]
UnixUser = Annotated[str, _shape(r"[a-z_][a-z0-9_-]{0,31}", _UNIX)]
ClusterName = Annotated[str, _shape(_CLUSTER.pattern, f"a cluster name; {_CLUSTER_RULE}")]

_STRICT = ConfigDict(extra="forbid", frozen=True)


def _cluster_set(value: object) -> object:
    """Either '*' (every cluster) or a non-empty list of distinct cluster names."""
    if value == "*":
        return value
    if not isinstance(value, list | tuple):
        # pydantic reports ValueError as a validation error; a TypeError would escape it.
        raise ValueError("expected a list of cluster names like [pve-prod], or '*' for all")  # noqa: TRY004
    if not value:
        raise ValueError("list at least one cluster, or '*' for all")
    for name in value:
        if name == "*":
            raise ValueError("'*' means every cluster and stands alone: write clusters: '*'")
        if not isinstance(name, str) or not _CLUSTER.fullmatch(name):
            raise ValueError(f"{name!r} is not a cluster name; {_CLUSTER_RULE}")
    if twice := sorted({n for n in value if value.count(n) > 1}):
        raise ValueError(f"listed more than once: {', '.join(twice)}")
    return tuple(value)


class _Grant(BaseModel):
    model_config = _STRICT

    clusters: tuple[str, ...] | Literal["*"]
    """The clusters seen and acted on from here: names, or '*' for every cluster."""

    _clusters = field_validator("clusters", mode="before")(_cluster_set)

    def grants(self, cluster: str) -> bool:
        return self.clusters == "*" or cluster in self.clusters


class ChannelGrant(_Grant):
    """A Slack channel the bot answers in, and the clusters it may see and act on."""

    name: str | None = None
    """For people reading the file; the id is what counts."""
    comment: str | None = None


class LocalGrant(_Grant):
    """The terminal: the clusters it reaches and the role of each unix user allowed to use it."""

    users: dict[UnixUser, Role] = Field(default_factory=dict)


class ClusterRules(BaseModel):
    """One cluster's own roles (replacing the top-level ones there) and two-person rule."""

    model_config = _STRICT

    users: dict[UserId, Role] = Field(default_factory=dict)
    groups: dict[GroupId, Role] = Field(default_factory=dict)
    two_person_rule: StrictBool | None = None
    """None: as ``defaults.two_person_rule`` says."""


class Defaults(BaseModel):
    model_config = _STRICT

    role: Role | None = None
    """The role of anyone in a listed channel whom no entry names; ``none`` denies them."""
    two_person_rule: StrictBool = False
    """Whether whoever asked for a change step is barred from approving it."""

    @field_validator("role", mode="before")
    @classmethod
    def _none(cls, value: object) -> object:
        return None if value == "none" else value


class Policy(BaseModel):
    """The whole policy file; an empty Policy() denies everything."""

    model_config = _STRICT

    channels: dict[ChannelId, ChannelGrant] = Field(default_factory=dict)
    users: dict[UserId, Role] = Field(default_factory=dict)
    groups: dict[GroupId, Role] = Field(default_factory=dict)
    clusters: dict[ClusterName, ClusterRules] = Field(default_factory=dict)
    local: LocalGrant | None = None
    defaults: Defaults = Field(default_factory=Defaults)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks: a Slack user with the user groups it belongs to, or a unix user at the terminal."""

    user_id: str
    """A Slack user id, or for ``kind="cli"`` a unix user name."""
    groups: frozenset[str] = frozenset()
    """Slack user group ids, resolved by the front end; ignored at the terminal."""
    kind: Literal["slack", "cli"] = "slack"

    @classmethod
    def cli(cls, unix_user: str) -> Actor:
        return cls(unix_user, kind="cli")

    def __str__(self) -> str:
        """How actions are attributed: ``slack:U012AB3CD`` or ``cli:root``."""
        return f"{self.kind}:{self.user_id}"


@dataclass(frozen=True, slots=True)
class Decision:
    """Allowed or not, with the role that applied and a reason to show the person who asked."""

    allowed: bool
    role: Role | None
    """The actor's role where it was decided; None when they have none or the scope refused."""
    needed: Role
    """The action's least role (MINIMUM_ROLE)."""
    reason: str
    """One or two sentences for the person who asked, ending with what to do if refused."""


def _scope(policy: Policy, actor: Actor, channel_id: str | None) -> tuple[_Grant | None, str]:
    """The grant the request falls under (None: refused) and where it is, or why it is refused."""
    if actor.kind == "cli":
        if policy.local is None:
            return None, "The terminal is not enabled: the policy has no local section."
        return policy.local, "at the terminal"
    if channel_id is None:
        return None, "quorumbot only answers in channels listed in its policy."
    if (grant := policy.channels.get(channel_id)) is None:
        return None, (
            f"quorumbot is not enabled in <#{channel_id}>. Ask an admin to add this channel "
            "to the policy."
        )
    return grant, f"in <#{channel_id}>"


def _role(policy: Policy, actor: Actor, cluster: str | None) -> Role | None:
    if actor.kind == "cli":
        return policy.local.users.get(actor.user_id) if policy.local else None
    rules = policy.clusters.get(cluster) if cluster is not None else None
    if rules is not None and (rules.users or rules.groups):
        users, groups = rules.users, rules.groups
    else:
        users, groups = policy.users, policy.groups
    found = [groups[g] for g in actor.groups if g in groups]
    if actor.user_id in users:
        found.append(users[actor.user_id])
    return max(found) if found else policy.defaults.role


def role_in(
    policy: Policy, *, actor: Actor, channel_id: str | None, cluster: str | None = None
) -> Role | None:
    """The actor's role here (None: none, or the channel or cluster is not granted)."""
    grant, _ = _scope(policy, actor, channel_id)
    if grant is None or (cluster is not None and not grant.grants(cluster)):
        return None
    return _role(policy, actor, cluster)


def _a(role: Role) -> str:
    return f"{'an' if role.value[0] in 'aeiou' else 'a'} {role}"


def decide(
    policy: Policy,
    *,
    actor: Actor,
    action: Action,
    channel_id: str | None,
    cluster: str | None = None,
) -> Decision:
    """May ``actor`` do ``action`` (on ``cluster``, if it concerns one) from ``channel_id``?

    ``channel_id`` is ignored for terminal actors. Anything the policy does not name is refused.
    """
    needed = MINIMUM_ROLE[action]
    grant, where = _scope(policy, actor, channel_id)
    if grant is None:
        return Decision(False, None, needed, where)
    if cluster is not None and not grant.grants(cluster):
        where = f"Cluster {cluster!r} is not available {where}"
        return Decision(False, None, needed, f"{where}. Ask an admin to grant it there.")
    role = _role(policy, actor, cluster)
    where = f"{f' on cluster {cluster!r}' if cluster is not None else ''} {where}"
    doing = f"{_DOING[action]} needs the {needed} role"
    if role is None:
        ask = "Ask an admin to add you to the policy."
        return Decision(False, None, needed, f"You have no role{where}; {doing}. {ask}")
    if role < needed:
        ask = f"Ask an admin to give you the {needed} role."
        return Decision(False, role, needed, f"You are {_a(role)}{where}; {doing}. {ask}")
    return Decision(True, role, needed, f"You are {_a(role)}{where}; {doing}.")


def two_person_rule(policy: Policy, cluster: str | None) -> bool:
    """Whether change steps on ``cluster`` need an approver other than the requester."""
    rules = policy.clusters.get(cluster) if cluster is not None else None
    if rules is not None and rules.two_person_rule is not None:
        return rules.two_person_rule
    return policy.defaults.two_person_rule


def can_approve(
    policy: Policy,
    *,
    approver: Actor,
    requester: Actor,
    channel_id: str | None,
    cluster: str | None,
) -> Decision:
    """May ``approver`` approve a change step that ``requester`` asked for?"""
    decision = decide(
        policy, actor=approver, action=Action.APPROVE_STEP, channel_id=channel_id, cluster=cluster
    )
    if decision.allowed and two_person_rule(policy, cluster) and str(approver) == str(requester):
        why = "The two-person rule applies: you asked for this change, so another approver must."
        return Decision(False, decision.role, decision.needed, why)
    return decision


def allowed_actions(
    policy: Policy, *, actor: Actor, channel_id: str | None, cluster: str | None = None
) -> list[Action]:
    """The actions ``actor`` may take here, in declaration order (for filtering help)."""
    return [
        action
        for action in Action
        if decide(
            policy, actor=actor, action=action, channel_id=channel_id, cluster=cluster
        ).allowed
    ]


def visible_clusters(
    policy: Policy,
    channel_id: str | None,
    all_clusters: Iterable[str],
    *,
    actor: Actor | None = None,
) -> list[str]:
    """Those of ``all_clusters`` granted to the channel (and that ``actor``, if given, may view)."""
    if actor is not None:
        return [
            c
            for c in all_clusters
            if role_in(policy, actor=actor, channel_id=channel_id, cluster=c) is not None
        ]
    grant = policy.channels.get(channel_id) if channel_id is not None else None
    return [c for c in all_clusters if grant is not None and grant.grants(c)]


def unknown_clusters(policy: Policy, known: set[str]) -> list[str]:
    """Cluster names the policy mentions that ``known`` (the inventory) lacks, for warnings."""
    grants: list[_Grant] = list(policy.channels.values())
    if policy.local is not None:
        grants.append(policy.local)
    named = {c for g in grants if g.clusters != "*" for c in g.clusters} | set(policy.clusters)
    return sorted(named - known)
