"""Every lab fault kind is diagnosed from its real capture: right node, right cause, right runbook.

Facts come from tests/fixtures/lab (real corosync 3.1.7 output under each `quorumbot lab fault`
on node 3); "unreachable" marks what SSH could not reach while the link was down.
"""

from __future__ import annotations

from bot.diagnostics.registry import CHECKS
from bot.diagnostics.report import Report, exit_code, run_checks
from bot.model import Finding, Severity
from tests.diagnostics.lab_facts import lab_facts

FAULTED = "qbcap3"


def diagnose(scenario: str, unreachable: tuple[str, ...] = ()) -> Report:
    return run_checks(lab_facts(scenario, unreachable=unreachable), CHECKS)


def has(
    report: Report,
    check_id: str,
    severity: Severity,
    *,
    runbook: str | None = None,
    node: str | None = FAULTED,
) -> Finding:
    """The finding of ``check_id`` at ``severity`` that names ``node``; fails listing what was found."""
    for f in report.findings:
        same = f.check_id == check_id and f.severity is severity
        same = same and (node is None or node in f.nodes)
        if same and (runbook is None or f.runbook == runbook):
            return f
    found = "\n".join(
        f"{f.severity.value} {f.check_id} {f.nodes} {f.runbook}: {f.summary}"
        for f in report.problems()
    )
    raise AssertionError(f"no {severity.value} {check_id} naming {node} ({runbook}) in:\n{found}")


def test_a_healthy_cluster_reports_no_warning_or_critical() -> None:
    """The healthy capture: every check ok, exit code 0."""
    report = diagnose("healthy")
    assert report.problems() == []
    assert exit_code([report]) == 0
    assert {f.check_id for f in report.findings} >= {c.id for c in CHECKS} - {"conf.pve-copy"}


def test_link_down() -> None:
    """Node 3 unreachable and out of the membership; rejoin it."""
    report = diagnose("link-down", unreachable=(FAULTED,))
    has(report, "ssh.reachable", Severity.CRITICAL)
    has(report, "membership.inventory", Severity.CRITICAL, runbook="rejoin-node")
    assert exit_code([report]) == 2


def test_corosync_stop() -> None:
    """corosync inactive on node 3, which left the membership; rejoin it."""
    report = diagnose("corosync-stop")
    has(report, "corosync.service", Severity.CRITICAL, runbook="rejoin-node")
    has(report, "membership.inventory", Severity.CRITICAL, runbook="rejoin-node")


def test_firewall() -> None:
    """The INPUT rule on node 3 is named; open the ports; node 3 is a non-quorate partition."""
    report = diagnose("firewall")
    found = has(report, "ports.firewall", Severity.CRITICAL, runbook="open-firewall-ports")
    assert "--dport 5405:5412" in found.evidence[0]
    assert "NOT quorate" in has(report, "membership.partition", Severity.CRITICAL).summary


def test_conf_unparsable() -> None:
    """corosync's parser error on node 3; repair corosync.conf."""
    report = diagnose("conf-unparsable")
    found = has(report, "conf.valid", Severity.CRITICAL, runbook="repair-corosync-conf")
    assert found.evidence[0].startswith("parser error: /etc/corosync/corosync.conf:")


def test_config_version() -> None:
    """Node 3's config_version differs from the majority's; repair corosync.conf."""
    report = diagnose("config-version")
    found = has(report, "conf.consistent", Severity.CRITICAL, runbook="repair-corosync-conf")
    assert "config_version 11 here, 1 on" in found.summary


def test_transport() -> None:
    """Node 3 runs udpu while the others run knet; repair corosync.conf."""
    report = diagnose("transport")
    found = has(report, "conf.transport", Severity.CRITICAL, runbook="repair-corosync-conf")
    assert found.nodes == (FAULTED,)


def test_addr_change() -> None:
    """Node 3's ring0 address is not on its interfaces; repair (or restore the address)."""
    report = diagnose("addr-change")
    found = has(report, "net.ring-address", Severity.CRITICAL, runbook="repair-corosync-conf")
    assert "198.18.0.13" in found.summary


def test_ntp_unreachable() -> None:
    """Node 3's clock is unsynchronised, and nothing else is wrong."""
    report = diagnose("ntp-unreachable")
    has(report, "time.sync", Severity.WARNING)
    assert {f.check_id for f in report.problems()} == {"time.sync"}


def test_packet_loss_names_the_dropping_rule() -> None:
    """Random drops of corosync's UDP on node 3 are named as the cause, not tight timeouts."""
    report = diagnose("packet-loss")
    found = has(report, "ports.firewall", Severity.CRITICAL, runbook="open-firewall-ports")
    assert "60%" in found.summary
    assert "--probability 0.6" in found.evidence[0]
    assert not [f for f in report.findings if f.runbook == "raise-totem-timeouts"]


def test_pauses_longer_than_the_token_suggest_raising_the_timeouts() -> None:
    """A corosync pause beyond the token, with every node back: raise the totem timeouts."""
    report = diagnose("pause")
    timeouts = [
        f
        for f in report.findings
        if f.check_id == "corosync.journal" and f.runbook == "raise-totem-timeouts"
    ]
    assert timeouts, [f.summary for f in report.problems()]
    assert all(f.severity in (Severity.WARNING, Severity.CRITICAL) for f in timeouts)
    advice = has(
        report, "totem.timing", Severity.WARNING, node=None, runbook="raise-totem-timeouts"
    )
    assert "Suggest token:" in advice.summary
