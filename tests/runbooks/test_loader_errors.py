"""A malformed runbook never loads, and each problem names its key path, the reason and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.runbooks.errors import RunbookInvalid
from bot.runbooks.loader import load_runbook, load_runbooks, parse_runbook
from bot.runbooks.predicates import PREDICATES

VALID = """\
id: demo
title: Demo
description: A runbook for tests.
flavors: [corosync]
parameters:
  cluster: {type: cluster, help: the cluster}
  node: {type: node, help: the node}
steps:
  - id: restart
    title: Restart corosync
    explanation: Because it is stuck.
    kind: change
    target: "node:node"
    commands:
      - [systemctl, restart, corosync.service]
    verify: {check: node_is_member}
    rollback: {none: nothing to undo here}
"""
KNOWN = ", ".join(PREDICATES)
TOP_KEYS = "id, title, description, flavors, parameters, preconditions, steps"
STEP_KEYS = (
    "id, title, explanation, kind, target, flavors, for_each, commands, action, timeout_s, "
    "expect, verify, rollback"
)


def problems(text: str) -> list[str]:
    with pytest.raises(RunbookInvalid) as caught:
        parse_runbook(text, source="runbooks/demo.yaml")
    assert caught.value.source == "runbooks/demo.yaml"
    return caught.value.problems


def edited(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new, 1)


def test_the_valid_base_loads() -> None:
    """The document the other tests break is itself valid."""
    assert parse_runbook(VALID).id == "demo"


def test_a_runbook_error_is_a_config_error() -> None:
    """RunbookInvalid is a ConfigError, so the CLI answers it like any bad configuration."""
    with pytest.raises(ConfigError, match=r"invalid configuration in runbooks/demo\.yaml"):
        parse_runbook("id: [", source="runbooks/demo.yaml")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "title: Demo\n",
            "title: Demo\ntitle: Again\n",
            "title: duplicate key (lines 2 and 3); give it once",
            id="duplicate-key",
        ),
        pytest.param(
            '    target: "node:node"\n',
            '    on: "node:node"\n',
            "steps[0].on: a key named 'on' is read as the boolean true by YAML 1.1, so runbooks "
            "never use it (where a step runs is its `target`) (line 13)",
            id="on-key",
        ),
        pytest.param(
            "    kind: change\n",
            "    kind: change\n    yes: 1\n",
            "steps[0].yes: YAML 1.1 reads the key 'yes' as a bool, not text; quote it or rename "
            "it (line 13)",
            id="boolean-key",
        ),
        pytest.param(
            "    kind: change\n",
            "    kind: change\n    timeout: 30\n",
            f"steps[0].timeout: unknown key (did you mean 'timeout_s'?); expected one of: "
            f"{STEP_KEYS} (line 13)",
            id="unknown-key",
        ),
        pytest.param(
            "title: Demo\n",
            "",
            "title: missing; this key is required (line 1)",
            id="missing-key",
        ),
        pytest.param(
            "[systemctl, restart, corosync.service]",
            '[systemctl, restart, "{unit}"]',
            "steps[0].commands[0][2]: unknown placeholder {unit}; declared parameters: "
            "cluster, node (line 15)",
            id="undeclared-placeholder",
        ),
        pytest.param(
            "[systemctl, restart, corosync.service]",
            '[iptables, -s, "{peer_address}"]',
            "steps[0].commands[0][2]: unknown placeholder {peer_address}; declared parameters: "
            "cluster, node; {peer_address} exists only in steps with for_each: peer_address "
            "(line 15)",
            id="peer-placeholder-outside-for-each",
        ),
        pytest.param(
            "[systemctl, restart, corosync.service]",
            '[systemctl, restart, "{node"]',
            "steps[0].commands[0][2]: stray '{' at position 0; write '{{' for a literal (line 15)",
            id="stray-brace",
        ),
        pytest.param(
            "[systemctl, restart, corosync.service]",
            '[echo, "{node!r}"]',
            "steps[0].commands[0][1]: {node!r} is not a placeholder: use {parameter} with a "
            "lower-case name, no spaces, format specs or conversions (line 15)",
            id="conversion-in-placeholder",
        ),
        pytest.param(
            "[systemctl, restart, corosync.service]",
            "[date, -d, 22:30]",
            "steps[0].commands[0][2]: expected text, got the number 1350: YAML 1.1 reads the "
            "unquoted 22:30 as a number; quote it (line 15)",
            id="sexagesimal-number",
        ),
        pytest.param(
            "[systemctl, restart, corosync.service]",
            "systemctl restart corosync",
            "steps[0].commands[0]: expected a list, got the text 'systemctl restart corosync' "
            "(line 15)",
            id="shell-string",
        ),
        pytest.param(
            "{check: node_is_member}",
            "{check: node_is_membr}",
            f"steps[0].verify.check: unknown predicate 'node_is_membr' (did you mean "
            f"'node_is_member'?); known: {KNOWN} (line 16)",
            id="unknown-predicate",
        ),
        pytest.param(
            "{check: node_is_member}",
            "{check: runtime_token_at_least}",
            "steps[0].verify.args: runtime_token_at_least needs the argument 'token_ms' "
            "(milliseconds) (line 16)",
            id="missing-predicate-argument",
        ),
        pytest.param(
            "{check: node_is_member}",
            '{check: runtime_token_at_least, args: {token_ms: "{node}"}}',
            "steps[0].verify.args.token_ms: {node} is a node parameter, not a number (line 16)",
            id="argument-of-the-wrong-type",
        ),
        pytest.param(
            "{check: node_is_member}",
            "{check: node_is_member, args: {node: pve1}}",
            "steps[0].verify.args.node: node_is_member takes no 'node' (it takes: none) (line 16)",
            id="unknown-predicate-argument",
        ),
        pytest.param(
            "{check: node_is_member}",
            '{check: cluster_quorate, target: "node:node"}',
            "steps[0].verify.target: cluster_quorate is about the whole cluster: no target "
            "(line 16)",
            id="target-on-a-cluster-predicate",
        ),
        pytest.param(
            "{check: node_is_member}",
            "{check: etc_pve_writable}",
            "steps[0].verify.check: etc_pve_writable cannot be asked on corosync clusters; "
            "limit it with flavors: (line 16)",
            id="predicate-of-another-flavor",
        ),
        pytest.param(
            '    target: "node:node"\n',
            '    target: "node:cluster"\n',
            "steps[0].target: 'cluster' is a cluster parameter, not a node parameter (line 13)",
            id="target-names-a-non-node-parameter",
        ),
        pytest.param(
            '    target: "node:node"\n',
            '    target: "host:pve1"\n',
            "steps[0].target: 'host:pve1' is not a target; expected node:<parameter> or "
            "role:failed_node|healthy_quorate_node|all_nodes (line 13)",
            id="malformed-target",
        ),
        pytest.param(
            "    rollback: {none: nothing to undo here}\n",
            "",
            "steps[0]: a change step needs a rollback (or `rollback: {none: <reason>}`) (line 9)",
            id="change-without-rollback",
        ),
        pytest.param(
            "    verify: {check: node_is_member}\n",
            "",
            "steps[0]: a change step that runs commands needs a verify predicate (line 9)",
            id="change-without-verify",
        ),
        pytest.param(
            "    kind: change\n",
            "    kind: write\n",
            "steps[0].kind: Input should be 'check' or 'change' (got the text 'write') (line 12)",
            id="unknown-kind",
        ),
        pytest.param(
            "  cluster: {type: cluster, help: the cluster}\n",
            "",
            "parameters: declare exactly one parameter of type cluster, the cluster to run on "
            "(line 6)",
            id="no-cluster-parameter",
        ),
        pytest.param(
            "  node: {type: node, help: the node}\n",
            "  node: {type: node, help: the node, min: 1}\n",
            "parameters.node.min: a node parameter has no bounds (line 7)",
            id="bounds-on-a-node-parameter",
        ),
        pytest.param(
            "  node: {type: node, help: the node}\n",
            (
                "  node: {type: node, help: the node}\n"
                "  mode: {type: choice, help: how, choices: [-rf]}\n"
            ),
            "parameters.mode.choices[0]: '-rf' cannot be a choice: use letters, digits and "
            "._:/=+- (not first: '-', which would read as an option) (line 8)",
            id="choice-that-reads-as-an-option",
        ),
        pytest.param(
            "    commands:\n      - [systemctl, restart, corosync.service]\n",
            "    action: {install_file: {source: etc/corosync.conf, dest: /etc/corosync.conf}}\n",
            "steps[0].action.install_file.source: 'etc/corosync.conf' is not an absolute path "
            "(line 14)",
            id="relative-path",
        ),
        pytest.param(
            "    commands:\n      - [systemctl, restart, corosync.service]\n",
            "    action: {install_file: {source: /etc/corosync.conf, dest: /etc/../shadow}}\n",
            "steps[0].action.install_file.dest: '/etc/../shadow' is not a plain path: no '..', "
            "'.', '//' or trailing '/' (line 14)",
            id="dot-dot-in-path",
        ),
        pytest.param(
            "    commands:\n      - [systemctl, restart, corosync.service]\n",
            (
                "    action: {backup_file: {path: /a, backup: /b},"
                " install_file: {source: /a, dest: /b}}\n"
            ),
            "steps[0].action: name exactly one action (backup_file, install_file, "
            "edit_corosync_conf, restore_corosync_conf) (line 14)",
            id="two-actions",
        ),
        pytest.param(
            "    commands:\n      - [systemctl, restart, corosync.service]\n",
            "    action: {edit_corosync_conf: {source: /e/c.conf, output: /e/c.conf}}\n",
            "steps[0].action.edit_corosync_conf.output: must differ from source: never edit in "
            "place (line 14)",
            id="edit-in-place",
        ),
        pytest.param(
            "    commands:\n      - [systemctl, restart, corosync.service]\n",
            (
                "    action: {edit_corosync_conf: {source: /a, output: /b,"
                ' set_totem: {transport: "udpu"}}}\n'
            ),
            "steps[0].action.edit_corosync_conf.set_totem.transport: Input should be 'token', "
            "'token_coefficient', 'token_retransmits_before_loss_const', 'token_warning', "
            "'consensus' or 'join' (got the text 'transport') (line 14)",
            id="totem-key-a-reload-does-not-apply",
        ),
        pytest.param(
            "id: demo\n",
            "id: Demo_1\n",
            "id: 'Demo_1' is not an id: lower-case letters and digits in words joined by '-' "
            "(line 1)",
            id="malformed-id",
        ),
    ],
)
def test_each_malformed_runbook_is_refused_precisely(old: str, new: str, expected: str) -> None:
    """The problem names the key path, the reason and the line of the offending key."""
    assert problems(edited(old, new)) == [expected]


def test_every_problem_of_a_file_is_listed_at_once() -> None:
    """Two independent mistakes are both reported, in document order."""
    text = edited("kind: change", "kind: write").replace("title: Demo\n", "title: Demo\nfoo: 1\n")
    assert problems(text) == [
        f"foo: unknown key; expected one of: {TOP_KEYS} (line 3)",
        "steps[0].kind: Input should be 'check' or 'change' (got the text 'write') (line 13)",
    ]


def test_references_are_checked_once_the_structure_holds() -> None:
    """An unknown predicate is reported after the structural mistakes are fixed, not before."""
    text = edited("{check: node_is_member}", "{check: nope}")
    assert problems(text.replace("title: Demo\n", "title: Demo\nfoo: 1\n")) == [
        f"foo: unknown key; expected one of: {TOP_KEYS} (line 3)",
    ]
    assert problems(text) == [
        f"steps[0].verify.check: unknown predicate 'nope'; known: {KNOWN} (line 16)"
    ]


def test_a_step_for_a_flavor_the_runbook_lacks_is_refused() -> None:
    """A step limited to proxmox in a corosync-only runbook is refused, and so is a runbook
    left without any step for one of its flavors."""
    assert problems(edited("    kind: change\n", "    kind: change\n    flavors: [proxmox]\n")) == [
        "steps: no step applies to flavor corosync (line 9)",
        "steps[0].flavors[0]: proxmox is not a flavor of this runbook (corosync) (line 13)",
    ]


def test_duplicate_step_ids_are_refused() -> None:
    """Two steps with one id are refused at the second."""
    step = VALID[VALID.index("  - id: restart") :]
    assert problems(VALID + step) == ["steps[1].id: 'restart' is already steps[0] (line 18)"]


def test_invalid_yaml_names_line_and_column() -> None:
    """A tab where YAML wants spaces is reported with its line and column."""
    assert problems("id: demo\n\ttitle: x\n") == [
        "line 2, column 1: not valid YAML: found character '\\t' that cannot start any token"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty; see docs/runbooks.md"),
        ("- a\n", "(top level): expected a mapping; see docs/runbooks.md"),
    ],
    ids=["empty", "a-list"],
)
def test_a_document_that_is_no_runbook_is_refused(text: str, expected: str) -> None:
    """An empty file or a top-level list is not a runbook."""
    assert problems(text) == [expected]


def test_the_file_name_must_be_the_id(tmp_path: Path) -> None:
    """runbooks/<id>.yaml: a file named otherwise is refused, so ids can be found by name."""
    path = tmp_path / "other.yaml"
    path.write_text(VALID)
    with pytest.raises(RunbookInvalid) as caught:
        load_runbook(path)
    assert caught.value.problems == ["id: 'demo' must match the file name ('other')"]


def test_ids_are_unique_across_directories(tmp_path: Path) -> None:
    """The same id in two directories is refused, naming the file that had it first."""
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        folder.mkdir()
        (folder / "demo.yaml").write_text(VALID)
    with pytest.raises(RunbookInvalid) as caught:
        load_runbooks([first, second])
    assert caught.value.problems == [
        f"{second / 'demo.yaml'}: id: 'demo' is already the id of {first / 'demo.yaml'}"
    ]


def test_problems_of_several_files_are_reported_together(tmp_path: Path) -> None:
    """Validating a directory lists every bad file's problems, each prefixed with its file."""
    (tmp_path / "demo.yaml").write_text(edited("kind: change", "kind: write"))
    (tmp_path / "other.yaml").write_text("")
    (tmp_path / "notes.txt").write_text("not a runbook, not read")
    with pytest.raises(RunbookInvalid) as caught:
        load_runbooks([tmp_path])
    assert caught.value.problems == [
        (
            f"{tmp_path / 'demo.yaml'}: steps[0].kind: Input should be 'check' or 'change' "
            "(got the text 'write') (line 12)"
        ),
        f"{tmp_path / 'other.yaml'}: the file is empty; see docs/runbooks.md",
    ]


def test_an_unreadable_file_is_reported(tmp_path: Path) -> None:
    """A missing file is a problem with that file, not a traceback."""
    with pytest.raises(RunbookInvalid) as caught:
        load_runbook(tmp_path / "gone.yaml")
    assert caught.value.problems == ["cannot read the file: No such file or directory"]
