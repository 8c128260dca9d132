"""Policy files are validated whole at start-up, and every error names the key, problem and line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import ConfigError
from bot.policy import Action, Actor, Policy, Role, decide, two_person_rule
from bot.policy_file import load_policy, parse_policy

EXAMPLE = Path(__file__).parent.parent / "deploy" / "policy.example.yaml"


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_policy(text, source="policy.yaml")
    assert caught.value.source == "policy.yaml"
    return caught.value.problems


def test_the_example_file_loads_and_means_what_its_comments_say() -> None:
    """deploy/policy.example.yaml is valid, and its prod rules and terminal section apply."""
    policy = load_policy(EXAMPLE)
    alice, oncall = Actor("U012AB3CD"), Actor("U0NEW0001", frozenset({"S0ONCALL1"}))
    assert decide(
        policy, actor=alice, action=Action.MANAGE_POLICY, channel_id="C0123ABCD", cluster="pve-prod"
    ).allowed
    assert not decide(
        policy, actor=oncall, action=Action.APPROVE_STEP, channel_id="C0123ABCD", cluster="pve-prod"
    ).allowed
    assert two_person_rule(policy, "pve-prod")
    assert policy.local is not None
    assert policy.local.users["root"] is Role.ADMIN
    assert policy.defaults.role is None


def test_a_minimal_policy_is_read() -> None:
    """Ids, roles, a '*' grant, cluster rules and the 'none' default role are all read."""
    policy = parse_policy(
        """
channels:
  C0123ABCD: {clusters: "*", name: ops}
users: {U012AB3CD: operator}
groups: {S012AB3CD: admin}
clusters:
  prod: {two_person_rule: true}
local: {clusters: [prod], users: {root: admin}}
defaults: {role: none, two_person_rule: false}
"""
    )
    assert policy.channels["C0123ABCD"].clusters == "*"
    assert policy.users == {"U012AB3CD": Role.OPERATOR}
    assert policy.groups == {"S012AB3CD": Role.ADMIN}
    assert policy.local is not None
    assert policy.local.clusters == ("prod",)
    assert policy.defaults.role is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "users:\n  U123: superuser\n",
            (
                "users.U123: 'superuser' is not a role; "
                "expected one of viewer, operator, approver, admin (line 2)"
            ),
        ),
        (
            "users:\n  U123: ~\n",
            "users.U123: nothing (null) is not a role; expected one of viewer, operator, approver, admin",
        ),
        (
            "users:\n  u123: viewer\n",
            "users.u123: 'u123' is not a Slack user id; expected U or W then capitals and digits",
        ),
        ("users: {12345: viewer}\n", "users.12345: expected text, got a number 12345 (line 1)"),
        (
            "groups:\n  U0123ABC: viewer\n",
            "groups.U0123ABC: 'U0123ABC' is not a Slack user group id; expected S then capitals",
        ),
        (
            "channels:\n  '#ops': {clusters: [a]}\n",
            "channels.#ops: '#ops' is not a Slack channel id; expected C, G or D then capitals",
        ),
        (
            "channels:\n  C123: {clusters: []}\n",
            "channels.C123.clusters: list at least one cluster, or '*' for all (line 2)",
        ),
        (
            "channels:\n  C123: {clusters: prod}\n",
            "channels.C123.clusters: expected a list of cluster names like [pve-prod], or '*' for all",
        ),
        (
            "channels:\n  C123: {clusters: [a, b, a]}\n",
            "channels.C123.clusters: listed more than once: a",
        ),
        (
            "channels:\n  C123: {clusters: [a, '*']}\n",
            "channels.C123.clusters: '*' means every cluster and stands alone",
        ),
        (
            "channels:\n  C123: {clusters: ['prod cluster']}\n",
            "channels.C123.clusters: 'prod cluster' is not a cluster name; use letters, digits",
        ),
        (
            "channels:\n  C123: {clusters: [a], colour: red}\n",
            "channels.C123.colour: unknown key; expected one of clusters, name, comment (line 2)",
        ),
        (
            "channels:\n  C123: {name: ops}\n",
            "channels.C123.clusters: missing; this key is required",
        ),
        ("channels:\n  C123: [a]\n", "channels.C123: expected a mapping (key: value), got a list"),
        (
            "usres: {}\n",
            "usres: unknown key; expected one of channels, users, groups, clusters, local, defaults",
        ),
        (
            "clusters:\n  prod: {users: {U123: admin}, approvers: []}\n",
            "clusters.prod.approvers: unknown key; expected one of users, groups, two_person_rule",
        ),
        (
            "clusters:\n  'bad name': {two_person_rule: true}\n",
            "clusters.bad name: 'bad name' is not a cluster name",
        ),
        (
            "clusters:\n  prod: {two_person_rule: 'yes'}\n",
            "clusters.prod.two_person_rule: expected true or false, got text 'yes'",
        ),
        (
            "local:\n  clusters: '*'\n  users: {Root: admin}\n",
            "local.users.Root: 'Root' is not a unix user name; expected lower-case letters",
        ),
        (
            "local:\n  users: {root: admin}\n",
            "local.clusters: missing; this key is required (line 1)",
        ),
        (
            "defaults: {role: god}\n",
            "defaults.role: 'god' is not a role; expected one of viewer, operator, approver, admin",
        ),
        (
            "defaults: {shout: true}\n",
            "defaults.shout: unknown key; expected one of role, two_person_rule",
        ),
    ],
)
def test_each_mistake_is_named_by_key_path_and_expectation(text: str, expected: str) -> None:
    """A wrong value, key or id shape is reported at its key path with what was expected."""
    assert any(expected in problem for problem in problems(text)), problems(text)


def test_the_line_of_a_deep_mistake_is_given() -> None:
    """The line number points at the offending key inside a nested section."""
    text = "channels:\n  C123:\n    clusters: [a]\n  C456:\n    clusters: [b]\n    bogus: 1\n"
    assert problems(text) == [
        "channels.C456.bogus: unknown key; expected one of clusters, name, comment (line 6)"
    ]


def test_every_problem_is_reported_at_once() -> None:
    """Several mistakes give several problems, so one start-up shows them all."""
    found = problems("users: {U123: root}\ngroups: {G1: viewer}\ndefaults: {role: god}\n")
    assert [p.split(":")[0] for p in found] == ["users.U123", "groups.G1", "defaults.role"]


def test_a_duplicate_key_is_refused_with_its_path_and_both_lines() -> None:
    """A key given twice is an error naming both lines, not a silent last-one-wins."""
    text = "users:\n  U0123ABC: viewer\n  U0123ABC: admin\n"
    assert problems(text) == [
        "users.U0123ABC: duplicate key (lines 2 and 3); each key may appear once"
    ]


def test_a_nested_duplicate_key_is_found() -> None:
    """Duplicate keys deep inside a section are found too."""
    text = "channels:\n  C123:\n    clusters: [a]\n    clusters: '*'\n"
    assert problems(text) == [
        "channels.C123.clusters: duplicate key (lines 3 and 4); each key may appear once"
    ]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_an_empty_file_is_refused(text: str) -> None:
    """A file with no document is a mistake, never a silent deny-all or allow-all."""
    assert problems(text) == ["the file is empty; see deploy/policy.example.yaml"]


def test_an_empty_mapping_is_refused() -> None:
    """`{}` grants nothing, which is never what someone meant to write."""
    assert problems("{}") == ["(top level): the policy is empty; see deploy/policy.example.yaml"]


@pytest.mark.parametrize(
    ("text", "got"), [("- a\n", "a list"), ("just text\n", "text 'just text'")]
)
def test_a_top_level_that_is_not_a_mapping_is_refused(text: str, got: str) -> None:
    """The top level must be the mapping of sections; the error lists them."""
    (problem,) = problems(text)
    assert problem.startswith("(top level): expected a mapping of sections (channels, users,")
    assert f"got {got}" in problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("users: [unclosed", "line 1, column 17: not valid YAML: expected ',' or ']'"),
        ("a: 1\n--- \nb: 2\n", "line 2, column 1: not valid YAML"),
        ("x: !!python/object:os.system {}\n", "not valid YAML: could not determine a constructor"),
        ("when: 2024-13-45\n", "not valid YAML: month must be in 1..12"),
        ("? [a]\n: b\n", "not valid YAML: found unhashable key"),
    ],
)
def test_text_that_is_not_yaml_is_refused_with_its_position(text: str, expected: str) -> None:
    """Syntax errors, several documents, unsafe tags and bad dates are reported, not raised raw."""
    assert any(expected in problem for problem in problems(text)), problems(text)


def test_loading_a_missing_file_names_the_file(tmp_path: Path) -> None:
    """load_policy on a path that does not exist raises ConfigError naming that path."""
    missing = tmp_path / "policy.yaml"
    with pytest.raises(ConfigError, match="cannot read the policy file") as caught:
        load_policy(missing)
    assert caught.value.source == str(missing)


def test_loading_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 give a ConfigError, not a UnicodeDecodeError."""
    path = tmp_path / "policy.yaml"
    path.write_bytes(b"users: {U123: \xff}\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_policy(path)


def test_errors_from_a_file_name_the_file(tmp_path: Path) -> None:
    """The ConfigError message starts with the file's path."""
    path = tmp_path / "policy.yaml"
    path.write_text("users: {U123: superuser}\n")
    with pytest.raises(ConfigError, match=f"invalid configuration in {path}"):
        load_policy(path)


def _outcome(text: str) -> Policy | ConfigError:
    try:
        return parse_policy(text)
    except ConfigError as error:
        return error


def _is_a_policy_or_explained(outcome: Policy | ConfigError) -> bool:
    if isinstance(outcome, Policy):
        return True
    return bool(outcome.problems) and all(outcome.problems)


@given(st.text(max_size=400))
def test_any_text_gives_a_policy_or_a_config_error(text: str) -> None:
    """parse_policy returns a Policy or raises ConfigError for any text: nothing else escapes."""
    assert _is_a_policy_or_explained(_outcome(text))


_KEYS = st.sampled_from(
    ["channels", "users", "groups", "clusters", "local", "defaults", "role", "two_person_rule"]
) | st.sampled_from(["C0123ABCD", "U012AB3CD", "S012AB3CD", "root", "prod", "*", "name", "x y"])
_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from(["viewer", "admin", "none", "*", "prod", "", "superuser"])
)


@given(
    st.recursive(
        _LEAVES,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=5),
        max_leaves=20,
    )
)
def test_any_policy_shaped_document_gives_a_policy_or_a_config_error(document: object) -> None:
    """Documents built from the policy's own keys and values never escape as other exceptions."""
    assert _is_a_policy_or_explained(_outcome(yaml.safe_dump(document)))
