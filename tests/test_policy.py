"""The policy decides who may do what, refusing everything it does not name, with a reason."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from bot.policy import (
    MINIMUM_ROLE,
    Action,
    Actor,
    Policy,
    Role,
    allowed_actions,
    can_approve,
    decide,
    role_in,
    two_person_rule,
    unknown_clusters,
    visible_clusters,
)

OPS = "C0PS00001"
LAB = "C0LAB0001"
ALICE, BOB, CAROL, DAVE = "U0ALICE01", "U0BOB0001", "U0CAROL01", "U0DAVE001"
ONCALL, LEADS = "S0ONCALL1", "S0LEADS01"

# The specification, written out independently of bot.policy.MINIMUM_ROLE.
LEAST_ROLE = {
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


def policy(**sections: Any) -> Policy:
    base: dict[str, Any] = {
        "channels": {OPS: {"clusters": ["prod"]}, LAB: {"clusters": "*"}},
        "users": {ALICE: "admin", BOB: "viewer"},
        "groups": {ONCALL: "operator", LEADS: "approver"},
    }
    return Policy.model_validate(base | sections)


def one_user(role: Role) -> Policy:
    return Policy.model_validate(
        {"channels": {OPS: {"clusters": ["prod"]}}, "users": {CAROL: role.value}}
    )


def test_the_minimum_roles_are_the_documented_table() -> None:
    """Every action has a minimum role, and the table is the one the docs promise."""
    assert dict(MINIMUM_ROLE) == LEAST_ROLE
    assert set(MINIMUM_ROLE) == set(Action)


def test_roles_are_ordered_from_viewer_to_admin() -> None:
    """viewer < operator < approver < admin, so a higher role includes every lower one."""
    assert Role.VIEWER < Role.OPERATOR < Role.APPROVER < Role.ADMIN
    assert max(Role.OPERATOR, Role.ADMIN, Role.VIEWER) is Role.ADMIN


@pytest.mark.parametrize(("role", "action"), list(itertools.product(Role, Action)))
def test_each_role_may_do_exactly_the_actions_at_or_below_it(role: Role, action: Action) -> None:
    """A role is allowed an action exactly when it is at least the action's least role."""
    decision = decide(
        one_user(role), actor=Actor(CAROL), action=action, channel_id=OPS, cluster="prod"
    )
    assert decision.allowed is (role >= LEAST_ROLE[action])
    assert decision.role is role
    assert decision.needed is LEAST_ROLE[action]
    assert f"needs the {LEAST_ROLE[action]} role" in decision.reason


def test_a_refusal_says_what_you_are_what_is_needed_and_whom_to_ask() -> None:
    """A viewer approving a change step is told their role, the role needed and what to do."""
    decision = decide(
        policy(), actor=Actor(BOB), action=Action.APPROVE_STEP, channel_id=OPS, cluster=None
    )
    assert not decision.allowed
    assert decision.reason == (
        f"You are a viewer in <#{OPS}>; approving a change step needs the approver role. "
        "Ask an admin to give you the approver role."
    )


def test_an_unlisted_channel_is_refused_even_for_an_admin() -> None:
    """A channel the policy does not list gets nothing, whoever asks."""
    decision = decide(
        policy(), actor=Actor(ALICE), action=Action.VIEW, channel_id="C0THER001", cluster=None
    )
    assert (decision.allowed, decision.role) == (False, None)
    assert "not enabled in <#C0THER001>" in decision.reason


def test_a_slack_request_without_a_channel_is_refused() -> None:
    """A Slack actor with no channel cannot be placed in the policy, so it is refused."""
    decision = decide(
        policy(), actor=Actor(ALICE), action=Action.VIEW, channel_id=None, cluster=None
    )
    assert not decision.allowed


def test_a_cluster_not_granted_to_the_channel_is_refused() -> None:
    """An admin in #ops cannot touch a cluster that #ops is not granted."""
    decision = decide(
        policy(), actor=Actor(ALICE), action=Action.VIEW, channel_id=OPS, cluster="lab"
    )
    assert not decision.allowed
    assert "Cluster 'lab' is not available in <#C0PS00001>" in decision.reason


def test_a_star_grant_covers_every_cluster() -> None:
    """A channel granted '*' may act on any cluster name."""
    decision = decide(
        policy(), actor=Actor(ALICE), action=Action.VIEW, channel_id=LAB, cluster="anything"
    )
    assert decision.allowed


def test_an_unlisted_user_has_no_role_by_default() -> None:
    """Someone the policy does not name may not even view, and is told to ask an admin."""
    decision = decide(policy(), actor=Actor(DAVE), action=Action.VIEW, channel_id=OPS, cluster=None)
    assert (decision.allowed, decision.role) == (False, None)
    assert "You have no role in <#C0PS00001>" in decision.reason
    assert "Ask an admin to add you to the policy." in decision.reason


def test_a_default_role_applies_to_unlisted_users_in_listed_channels() -> None:
    """defaults.role: viewer lets anyone in a listed channel view, and no more."""
    p = policy(defaults={"role": "viewer"})
    actor = Actor(DAVE)
    assert decide(p, actor=actor, action=Action.VIEW, channel_id=OPS, cluster="prod").allowed
    assert not decide(p, actor=actor, action=Action.DIAGNOSE, channel_id=OPS, cluster=None).allowed
    assert not decide(
        p, actor=actor, action=Action.VIEW, channel_id="C0THER001", cluster=None
    ).allowed


def test_an_empty_policy_refuses_everything() -> None:
    """Policy() is deny-all: no channel, no terminal, no role."""
    for action, actor in itertools.product(Action, [Actor(ALICE), Actor.cli("root")]):
        assert not decide(
            Policy(), actor=actor, action=action, channel_id=OPS, cluster=None
        ).allowed


@pytest.mark.parametrize(
    ("user_role", "groups", "expected"),
    [
        (None, {ONCALL}, Role.OPERATOR),
        ("viewer", {ONCALL}, Role.OPERATOR),
        ("viewer", {ONCALL, LEADS}, Role.APPROVER),
        ("admin", {ONCALL}, Role.ADMIN),
        ("viewer", {"S0UNKNOWN"}, Role.VIEWER),
        (None, {"S0UNKNOWN"}, None),
    ],
)
def test_the_role_is_the_highest_of_the_users_and_their_groups(
    user_role: str | None, groups: set[str], expected: Role | None
) -> None:
    """A user's role is the highest of their own entry and the entries of their user groups."""
    p = policy(users={CAROL: user_role} if user_role else {})
    assert role_in(p, actor=Actor(CAROL, frozenset(groups)), channel_id=OPS) is expected


def test_a_cluster_section_with_roles_replaces_the_top_level_roles_there() -> None:
    """On a cluster that lists its own roles only those count: an admin elsewhere can be lowered."""
    p = policy(clusters={"prod": {"users": {ALICE: "viewer"}, "groups": {ONCALL: "approver"}}})
    alice, oncall = Actor(ALICE), Actor(CAROL, frozenset({ONCALL}))
    assert role_in(p, actor=alice, channel_id=OPS, cluster="prod") is Role.VIEWER
    assert role_in(p, actor=oncall, channel_id=OPS, cluster="prod") is Role.APPROVER
    assert role_in(p, actor=Actor(BOB), channel_id=OPS, cluster="prod") is None
    assert role_in(p, actor=alice, channel_id=LAB, cluster="lab") is Role.ADMIN
    assert role_in(p, actor=alice, channel_id=OPS, cluster=None) is Role.ADMIN


def test_a_cluster_section_without_roles_keeps_the_top_level_roles() -> None:
    """A cluster section that only sets two_person_rule changes nobody's role."""
    p = policy(clusters={"prod": {"two_person_rule": True}})
    assert role_in(p, actor=Actor(ALICE), channel_id=OPS, cluster="prod") is Role.ADMIN


def test_the_terminal_is_refused_without_a_local_section() -> None:
    """With no local section nobody, not even root, may use the terminal."""
    decision = decide(
        policy(), actor=Actor.cli("root"), action=Action.VIEW, channel_id=None, cluster=None
    )
    assert not decision.allowed
    assert "no local section" in decision.reason


def test_terminal_users_have_only_the_roles_the_local_section_gives() -> None:
    """Listed unix users get their role at the terminal; root gets nothing unless listed."""
    p = policy(local={"clusters": ["prod"], "users": {"ops": "operator"}})
    ops, root = Actor.cli("ops"), Actor.cli("root")
    assert decide(p, actor=ops, action=Action.DIAGNOSE, channel_id=None, cluster="prod").allowed
    assert not decide(
        p, actor=ops, action=Action.APPROVE_STEP, channel_id=None, cluster="prod"
    ).allowed
    assert not decide(p, actor=ops, action=Action.VIEW, channel_id=None, cluster="lab").allowed
    assert not decide(p, actor=root, action=Action.VIEW, channel_id=None, cluster=None).allowed


def test_a_terminal_actor_is_not_given_a_slack_users_role() -> None:
    """A unix user named like a Slack id gains nothing from the Slack users table."""
    p = policy(local={"clusters": "*", "users": {}})
    assert role_in(p, actor=Actor.cli(ALICE), channel_id=OPS) is None


def test_without_the_two_person_rule_a_requester_may_approve_their_own_change() -> None:
    """The two-person rule is off unless the policy turns it on."""
    alice = Actor(ALICE)
    p = policy()
    assert not two_person_rule(p, "prod")
    decision = can_approve(p, approver=alice, requester=alice, channel_id=OPS, cluster="prod")
    assert decision.allowed


def test_with_the_two_person_rule_the_requester_cannot_approve_their_own_change() -> None:
    """When the rule is on, the requester is refused and another approver is allowed."""
    p = policy(defaults={"two_person_rule": True})
    alice, lead = Actor(ALICE), Actor(CAROL, frozenset({LEADS}))
    own = can_approve(p, approver=alice, requester=alice, channel_id=OPS, cluster="prod")
    assert (own.allowed, own.role) == (False, Role.ADMIN)
    assert "two-person rule" in own.reason
    assert can_approve(p, approver=lead, requester=alice, channel_id=OPS, cluster="prod").allowed


@pytest.mark.parametrize(
    ("default", "on_prod", "expected"),
    [(False, True, True), (True, False, False), (True, None, True), (False, None, False)],
)
def test_a_clusters_two_person_rule_overrides_the_default(
    default: bool, on_prod: bool | None, expected: bool
) -> None:
    """clusters.NAME.two_person_rule wins over defaults.two_person_rule when it is set."""
    rules = {"prod": {"two_person_rule": on_prod}} if on_prod is not None else {}
    p = policy(defaults={"two_person_rule": default}, clusters=rules)
    assert two_person_rule(p, "prod") is expected
    assert two_person_rule(p, None) is default


def test_an_approver_without_the_role_is_refused_for_the_role_not_the_rule() -> None:
    """Someone below approver is told about the role they lack, two-person rule or not."""
    p = policy(defaults={"two_person_rule": True})
    bob = Actor(BOB)
    decision = can_approve(p, approver=bob, requester=bob, channel_id=OPS, cluster="prod")
    assert not decision.allowed
    assert "needs the approver role" in decision.reason


def test_the_rule_compares_people_not_their_groups() -> None:
    """The same user with other group memberships is still the requester."""
    p = policy(defaults={"two_person_rule": True})
    before, after = Actor(CAROL, frozenset({LEADS})), Actor(CAROL, frozenset({LEADS, ONCALL}))
    assert not can_approve(
        p, approver=after, requester=before, channel_id=OPS, cluster=None
    ).allowed


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        (Actor(BOB), [Action.VIEW]),
        (
            Actor(CAROL, frozenset({ONCALL})),
            [a for a, r in LEAST_ROLE.items() if r <= Role.OPERATOR],
        ),
        (Actor(ALICE), list(Action)),
        (Actor(DAVE), []),
    ],
)
def test_allowed_actions_lists_what_the_caller_may_do(actor: Actor, expected: list[Action]) -> None:
    """allowed_actions gives, in declaration order, the actions help should show the caller."""
    assert allowed_actions(policy(), actor=actor, channel_id=OPS) == expected


def test_visible_clusters_are_the_channels_grant_in_inventory_order() -> None:
    """A channel sees the granted clusters among those that exist, and an unknown channel none."""
    everything = ["lab", "prod", "staging"]
    assert visible_clusters(policy(), OPS, everything) == ["prod"]
    assert visible_clusters(policy(), LAB, everything) == everything
    assert visible_clusters(policy(), "C0THER001", everything) == []
    assert visible_clusters(policy(), None, everything) == []


def test_visible_clusters_for_an_actor_leaves_out_clusters_they_have_no_role_on() -> None:
    """Given an actor, only clusters where that actor has a role are visible."""
    p = policy(clusters={"prod": {"users": {ALICE: "admin"}}})
    assert visible_clusters(p, LAB, ["lab", "prod"], actor=Actor(BOB)) == ["lab"]
    assert visible_clusters(p, LAB, ["lab", "prod"], actor=Actor(ALICE)) == ["lab", "prod"]
    assert visible_clusters(p, OPS, ["lab", "prod"], actor=Actor(DAVE)) == []


def test_unknown_clusters_are_the_names_the_inventory_lacks() -> None:
    """Names in channel grants, the local section and cluster sections are checked; '*' is not."""
    p = policy(
        local={"clusters": ["edge"], "users": {}}, clusters={"old": {"two_person_rule": True}}
    )
    assert unknown_clusters(p, {"prod"}) == ["edge", "old"]
    assert unknown_clusters(p, {"prod", "edge", "old"}) == []


def test_actions_are_attributed_to_the_slack_user_or_the_unix_user() -> None:
    """str(actor) is what audit records carry: slack:<user id> or cli:<unix user>."""
    assert str(Actor(ALICE, frozenset({ONCALL}))) == f"slack:{ALICE}"
    assert str(Actor.cli("root")) == "cli:root"
