"""bot.slack.blocks renders health, reports, nodes and replies as Block Kit Slack accepts.

Reports come from running every real check on the real lab captures in tests/fixtures/lab (see
its PROVENANCE.md); extreme and hostile input comes from hypothesis. Every rendered message is
checked twice: by bot.slack.limits.problems and by slack_sdk's own models as an oracle.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.diagnostics.registry import CHECKS
from bot.diagnostics.report import Report, run_checks
from bot.health import ClusterHealth, LinkSummary, Partition, cluster_health
from bot.model import Cluster, Finding, Node, Severity
from bot.slack.blocks import (
    RUNBOOK_START_ACTION,
    SEVERITY_STYLES,
    CommandHelp,
    Message,
    RunbookRequest,
    diagnose_message,
    error_message,
    help_message,
    home_view,
    nodes_message,
    plain_text_report,
    status_message,
    text_message,
    working_message,
)
from bot.slack.limits import MAX_BLOCKS, MESSAGE_TEXT_MAX, Surface, problems
from tests.diagnostics.lab_facts import lab_facts

HOSTILE = ("```", "<!channel>", "<!here>", "<@U024BE7LH>", "&", ">", "`", "*", "_", "\n", "&amp;")
EXTREME = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def report_of(scenario: str, unreachable: tuple[str, ...] = ()) -> Report:
    return run_checks(lab_facts(scenario, unreachable=unreachable), CHECKS)


def health_of(scenario: str, unreachable: tuple[str, ...] = ()) -> ClusterHealth:
    facts = lab_facts(scenario, unreachable=unreachable)
    return cluster_health(facts, run_checks(facts, CHECKS))


def assert_slack_accepts(blocks: Sequence[dict[str, Any]], surface: Surface = "message") -> None:
    """The blocks pass our limits and slack_sdk's validators; ids are unique; text is defanged."""
    assert problems(blocks, surface=surface) == []
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()
    block_ids = [b["block_id"] for b in blocks]
    assert len(set(block_ids)) == len(block_ids)
    action_ids = [e["action_id"] for e in elements(blocks) if "action_id" in e]
    assert len(set(action_ids)) == len(action_ids)
    for text in mrkdwn_texts(blocks):
        assert not re.search(r"<[!@#](?!date\^)", text), text  # no live mention or link
        assert text.count("```") % 2 == 0, text  # every code block is closed


def assert_message_ok(message: Message) -> None:
    assert 0 < len(message.text) <= MESSAGE_TEXT_MAX
    assert "<!channel>" not in message.text
    assert_slack_accepts(message.blocks)


def elements(blocks: Sequence[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for block in blocks:
        yield from block.get("elements", [])
        if "accessory" in block:
            yield block["accessory"]


def mrkdwn_texts(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            yield node["text"]
        for value in node.values():
            yield from mrkdwn_texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from mrkdwn_texts(item)


def all_text(message: Message) -> str:
    return json.dumps(message.blocks, ensure_ascii=False)


def buttons(message: Message) -> list[dict[str, Any]]:
    return [e for e in elements(message.blocks) if e.get("type") == "button"]


def finding(summary: str = "something is wrong", **fields: Any) -> Finding:
    values: dict[str, Any] = {"check_id": "x.y", "severity": Severity.WARNING, "cluster": "c"}
    return Finding(summary=summary, **{**values, **fields})


# -- status -------------------------------------------------------------------------------------


def test_status_of_a_healthy_cluster_says_so_at_a_glance() -> None:
    """Healthy: green headline, quorate, 3/3 members and votes, no problems."""
    message = status_message(health_of("healthy"))
    assert_message_ok(message)
    assert message.blocks[0]["text"]["text"] == ":large_green_circle: qbcap: healthy"
    text = all_text(message)
    assert "quorate" in text
    assert "3 of 3 expected, quorum 2" in text
    assert "*Members*\\n3/3" in text
    assert "No problems found." in text


def test_status_names_the_missing_node_and_the_worst_problems() -> None:
    """link-down: members 2/3 with qbcap3 named missing and unreachable; top 3 problems shown."""
    health = health_of("link-down", unreachable=("qbcap3",))
    message = status_message(health)
    assert_message_ok(message)
    text = all_text(message)
    assert message.blocks[0]["text"]["text"].startswith(":red_circle: qbcap")
    assert "*Members*\\n2/3\\nmissing: qbcap3" in text
    assert "*SSH unreachable*\\nqbcap3" in text
    assert "2 of 3 expected" in text
    for top in health.top_problems[:3]:
        assert top.summary.replace(">", "&gt;") in text
    assert "missing qbcap3" in message.text  # the notification says it too


def test_status_shows_both_sides_of_a_partition() -> None:
    """firewall: the partition section names which side is quorate."""
    text = all_text(status_message(health_of("firewall")))
    assert "qbcap1, qbcap2 see qbcap1, qbcap2: quorate" in text
    assert "qbcap3 sees qbcap3: *NOT quorate*" in text


def test_status_shows_open_incidents_and_when_it_was_checked() -> None:
    """The caller's open incident count and the sweep time (with a UTC fallback) are shown."""
    health = health_of("healthy").model_copy(update={"open_incidents": 4})
    message = status_message(health)
    text = all_text(message)
    assert "*Open incidents*\\n4" in text
    assert "|2026-11-25 07:15 UTC>" in json.dumps(message.blocks[-1])


def test_unknown_quorum_is_not_shown_as_healthy() -> None:
    """With every node unreachable, quorum and votes read unknown and the headline is critical."""
    health = health_of("healthy", unreachable=("qbcap1", "qbcap2", "qbcap3"))
    message = status_message(health)
    assert_message_ok(message)
    text = all_text(message)
    assert "quorum unknown" in text
    assert "*Votes*\\nunknown" in text
    assert "healthy" not in message.blocks[0]["text"]["text"]


def test_a_block_that_changes_gets_a_new_block_id() -> None:
    """A block whose content changed gets a new block id, as Slack asks of an updated message."""
    before = status_message(health_of("healthy")).blocks
    after = status_message(health_of("link-down", unreachable=("qbcap3",))).blocks
    changed = [
        (old["block_id"], new["block_id"])
        for old, new in zip(before, after, strict=False)
        if {**old, "block_id": ""} != {**new, "block_id": ""}
    ]
    assert changed
    assert all(old != new for old, new in changed)


# -- diagnose -----------------------------------------------------------------------------------


def test_a_healthy_diagnosis_fits_whole_and_lists_every_ok_result() -> None:
    """Healthy: no attachment needed, every OK summary listed, no runbook buttons."""
    report = report_of("healthy")
    message, full = diagnose_message(report)
    assert_message_ok(message)
    assert full is None
    text = all_text(message)
    assert "Nothing needs attention" in text
    assert "full report" not in text
    for f in report.findings:
        assert f.summary in text
    assert buttons(message) == []


def test_runbook_buttons_carry_the_runbook_cluster_and_node() -> None:
    """firewall: one button opens the firewall ports on qbcap3, one rejoins qbcap3."""
    message, _ = diagnose_message(report_of("firewall"))
    assert_message_ok(message)
    requests = [RunbookRequest.decode(b["value"]) for b in buttons(message)]
    assert RunbookRequest(runbook="open-firewall-ports", cluster="qbcap", node="qbcap3") in requests
    assert RunbookRequest(runbook="rejoin-node", cluster="qbcap", node="qbcap3") in requests
    assert len(requests) == len(set(requests))  # the same runbook for the same node: one button
    assert all(RUNBOOK_START_ACTION.match(b["action_id"]) for b in buttons(message))


def test_findings_are_grouped_worst_first_with_evidence_in_code_blocks() -> None:
    """Critical comes before warning, and a finding's evidence is shown in a code block."""
    message, _ = diagnose_message(report_of("firewall"))
    text = all_text(message)
    assert text.index("Critical (6)") < text.index("Warning (5)") < text.index("OK (12)")
    rule = "-A INPUT -p udp -m udp --dport 5405:5412 -m comment --comment quorumbot-lab-fault"
    assert f"```\\n{rule} -j DROP\\n```" in text


def test_long_evidence_is_cut_with_a_count_and_the_full_report_attached() -> None:
    """firewall: quorumtool's 19 lines show 10 and say 9 more; the full text holds them all."""
    report = report_of("firewall")
    message, full = diagnose_message(report)
    text = all_text(message)
    assert "_9 more lines in the full report_" in text
    assert "full report attached in the thread" in json.dumps(message.blocks[-1])
    assert full is not None
    quorum = next(f for f in report.findings if f.check_id == "quorum.state" and f.nodes)
    for line in quorum.evidence:
        assert line in full


def test_a_tight_budget_keeps_the_worst_findings_and_says_how_many_are_left_out() -> None:
    """Under a small block-text budget, critical findings stay, the rest are counted."""
    report = report_of("firewall")
    message, full = diagnose_message(report, full_report_limit=2_500)
    assert_message_ok(message)
    text = all_text(message)
    assert "qbcap3's firewall blocks corosync" in text
    assert re.search(r"…and \d+ more\* \(", text)
    assert full == plain_text_report(report)


def test_hostile_evidence_cannot_break_out_of_its_code_block_or_ping_anyone() -> None:
    """``` and <!channel> in remote text are defanged: one code block, no live mention."""
    evil = finding(
        "<!channel> & friends",
        evidence=("```", "<!channel> ``` *bold* `", "````"),
        runbook="rejoin-node",
        nodes=("n1",),
    )
    message, _ = diagnose_message(Report(cluster="c", findings=(evil,)))
    assert_message_ok(message)
    section = next(t for t in mrkdwn_texts(message.blocks) if "friends" in t)
    assert section.count("```") == 2
    assert "&lt;!channel&gt; &amp; friends" in section


def test_a_report_without_findings_still_renders() -> None:
    """No findings: a valid message saying there is nothing to judge, and no attachment."""
    message, full = diagnose_message(Report(cluster="c", findings=()))
    assert_message_ok(message)
    assert full is None
    assert "nothing to judge" in all_text(message)


def test_the_plain_text_report_holds_every_finding_worst_first() -> None:
    """The plain report lists every summary, runbook and evidence line, critical first."""
    report = report_of("link-down", unreachable=("qbcap3",))
    text = plain_text_report(report)
    for f in report.findings:
        assert f.summary in text
        for line in f.evidence:
            assert line in text
    assert text.index("CRITICAL (4)") < text.index("UNKNOWN (1)") < text.index("WARNING (5)")
    assert "runbook: rejoin-node" in text


# -- nodes, help, replies, home -----------------------------------------------------------------


def test_nodes_are_listed_with_addresses_and_host_key_trust() -> None:
    """Each node's name, nodeid, ring address, SSH target and host key trust form a table row."""
    cluster = lab_facts("healthy").cluster
    trusted = cluster.nodes[0].model_copy(update={"host_key": "ssh-ed25519 AAAA"})
    cluster = cluster.model_copy(update={"nodes": (trusted, *cluster.nodes[1:])})
    message = nodes_message(cluster)
    assert_message_ok(message)
    rows = message.blocks[1]["text"]["text"].splitlines()
    assert re.fullmatch(r"qbcap1 +1 +198\.18\.0\.11 +root@198\.18\.0\.11:22 +yes", rows[2])
    assert re.fullmatch(r"qbcap3 +3 +198\.18\.0\.13 +root@198\.18\.0\.13:22 +no", rows[4])


def test_help_lists_the_allowed_commands_with_usage_escaped() -> None:
    """Each command shows its usage (placeholders escaped, not read as links) and description."""
    message = help_message(
        [CommandHelp(name="status", usage="/quorum status <cluster>", description="one glance")]
    )
    assert_message_ok(message)
    assert "`/quorum status &lt;cluster&gt;`\\none glance" in all_text(message)


def test_help_with_no_allowed_command_says_so() -> None:
    """An empty (filtered) command list tells the user they may run nothing here."""
    message = help_message([])
    assert_message_ok(message)
    assert "ask an admin" in message.text


def test_errors_and_placeholders_are_short_escaped_answers() -> None:
    """error_message warns, working_message says it is working, text_message escapes."""
    error = error_message("no cluster named <x>")
    assert error.blocks[0]["text"]["text"] == ":warning: no cluster named &lt;x&gt;"
    working = working_message("diagnosing qbcap")
    assert "Working… diagnosing qbcap" in working.text
    plain = text_message("use `/quorum status` & relax")
    assert plain.text == "use `/quorum status` &amp; relax"
    for message in (error, working, plain):
        assert_message_ok(message)


def test_home_lists_clusters_worst_first() -> None:
    """The Home tab is a home view with the critical cluster above the healthy one."""
    healthy = health_of("healthy").model_copy(update={"cluster": "a-healthy"})
    broken = health_of("firewall").model_copy(update={"cluster": "z-broken"})
    view = home_view([healthy, broken])
    assert view["type"] == "home"
    assert_slack_accepts(view["blocks"], surface="home")
    View(**view).validate_json()
    text = json.dumps(view["blocks"])
    assert text.index("z-broken") < text.index("a-healthy")
    assert "missing qbcap3" in text


def test_home_with_very_many_clusters_stays_within_100_blocks() -> None:
    """200 clusters: at most 100 blocks, and the rest counted."""
    health = health_of("healthy")
    view = home_view([health.model_copy(update={"cluster": f"c{i}"}) for i in range(200)])
    assert len(view["blocks"]) <= MAX_BLOCKS["home"]
    assert_slack_accepts(view["blocks"], surface="home")
    assert "more" in json.dumps(view["blocks"][-1])


def test_every_severity_has_one_style() -> None:
    """The severity table covers every severity, with the emoji the renderers use."""
    assert set(SEVERITY_STYLES) == set(Severity)
    assert SEVERITY_STYLES[Severity.CRITICAL].emoji == ":red_circle:"
    assert SEVERITY_STYLES[Severity.OK].emoji == ":large_green_circle:"
    emojis = [s.emoji for s in SEVERITY_STYLES.values()]
    assert len(set(emojis)) == len(emojis)


# -- extreme and hostile input (hypothesis) -----------------------------------------------------

piece = st.one_of(
    st.text(max_size=40),
    st.sampled_from(HOSTILE),
    st.builds(lambda s, n: s * n, st.sampled_from((*HOSTILE, "x", "é ")), st.integers(1, 1500)),
)
texts = st.lists(piece, max_size=6).map("".join)
names = st.lists(texts, max_size=30)
findings = st.builds(
    Finding,
    check_id=texts,
    severity=st.sampled_from(Severity),
    cluster=texts,
    nodes=names.map(tuple),
    summary=texts,
    evidence=st.lists(texts, max_size=15).map(tuple),
    runbook=st.none() | texts,
)


@EXTREME
@given(st.lists(findings, max_size=80), texts)
def test_any_report_renders_within_limits(many: list[Finding], cluster: str) -> None:
    """Any findings (many, huge, hostile, none) give a valid message; cut ones go to the file."""
    report = Report(cluster=cluster, findings=tuple(many))
    message, full = diagnose_message(report, checked_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert_message_ok(message)
    for button in buttons(message):
        assert len(button["value"]) <= 2000
        assert RunbookRequest.decode(button["value"]).runbook
    if full is not None:
        assert full == plain_text_report(report, checked_at=datetime(2026, 1, 1, tzinfo=UTC))
        assert "full report attached" in json.dumps(message.blocks[-1])


healths = st.builds(
    ClusterHealth,
    cluster=texts,
    checked_at=st.datetimes(timezones=st.just(UTC)),
    quorate=st.none() | st.booleans(),
    expected_votes=st.none() | st.integers(0, 10**6),
    total_votes=st.none() | st.integers(0, 10**6),
    quorum=st.none() | st.integers(0, 10**6),
    inventory=names.map(tuple),
    members=st.none() | names.map(tuple),
    missing=names.map(tuple),
    strangers=st.lists(st.integers(0, 2**32), max_size=50).map(tuple),
    unreachable=names.map(tuple),
    partitions=st.lists(
        st.builds(Partition, seen_by=names.map(tuple), members=names.map(tuple)), max_size=20
    ).map(tuple),
    links=st.builds(
        LinkSummary,
        up=st.integers(0, 10**4),
        down=st.integers(0, 10**4),
        down_pairs=names.map(tuple),
        unread=names.map(tuple),
    ),
    worst=st.sampled_from(Severity),
    counts=st.dictionaries(st.sampled_from(Severity), st.integers(0, 10**6)),
    top_problems=st.lists(findings, max_size=8).map(tuple),
    open_incidents=st.integers(0, 10**6),
)


@EXTREME
@given(healths)
def test_any_health_renders_a_valid_status(health: ClusterHealth) -> None:
    """Any health, however long its lists and names, gives a valid status message."""
    assert_message_ok(status_message(health))


@EXTREME
@given(st.lists(healths, max_size=60))
def test_any_healths_render_a_valid_home(many: list[ClusterHealth]) -> None:
    """Any number of clusters gives a valid Home view."""
    view = home_view(many)
    assert_slack_accepts(view["blocks"], surface="home")
    View(**view).validate_json()


nodes = st.builds(
    Node,
    cluster=st.just("c"),
    name=texts,
    nodeid=st.none() | st.integers(0, 2**32),
    address=texts,
    ring_addrs=names.map(tuple),
    user=texts,
    host_key=st.none() | st.just("ssh-ed25519 AAAA"),
    jump=st.none() | texts,
)


@EXTREME
@given(texts, st.lists(nodes, max_size=300))
def test_any_nodes_render_a_valid_table(name: str, many: list[Node]) -> None:
    """Any number of nodes with any names gives a valid message, counting those not shown."""
    message = nodes_message(Cluster(name=name, nodes=tuple(many)))
    assert_message_ok(message)
    shown = sum(t.count("\n") - 2 for t in mrkdwn_texts(message.blocks) if t.startswith("```"))
    if shown < len(many):
        assert f"…and {len(many) - shown} more nodes" in all_text(message)


@EXTREME
@given(st.lists(st.builds(CommandHelp, name=texts, usage=texts, description=texts), max_size=80))
def test_any_help_renders_valid(commands: list[CommandHelp]) -> None:
    """Any command list gives a valid help message."""
    assert_message_ok(help_message(commands))


@EXTREME
@given(texts)
def test_any_error_or_placeholder_renders_valid(text: str) -> None:
    """Error, text and working replies stay valid for any text, even 50,000 characters."""
    for message in (error_message(text * 3), text_message(text), working_message(text)):
        assert_message_ok(message)
