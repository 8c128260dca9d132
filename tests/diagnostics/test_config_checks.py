"""The corosync.conf checks on real lab captures and on small hand-made variations."""

from __future__ import annotations

from bot.diagnostics.checks import config
from bot.diagnostics.commands import Probe
from bot.model import Flavor, Severity
from tests.diagnostics.lab_facts import lab_facts


def severities(findings: list) -> set[Severity]:  # type: ignore[type-arg]
    return {f.severity for f in findings}


def test_a_healthy_lab_has_valid_identical_confs() -> None:
    """Healthy captures: valid, identical, one transport, nothing above ok."""
    facts = lab_facts("healthy")
    for check in (config.check_valid, config.check_consistent, config.check_transport):
        assert severities(list(check(facts))) == {Severity.OK}


def test_an_unparsable_conf_is_critical_with_corosyncs_own_words() -> None:
    """The truncated file is reported as corosync would report it, pointing at the runbook."""
    findings = list(config.check_valid(lab_facts("conf-unparsable")))
    (critical,) = [f for f in findings if f.severity is Severity.CRITICAL]
    assert critical.nodes == ("qbcap3",)
    assert critical.evidence[0].startswith("parser error: /etc/corosync/corosync.conf:")
    assert "Line is not opening or closing section or key value" in critical.evidence[0]
    assert critical.runbook == "repair-corosync-conf"


def test_a_raised_config_version_names_the_odd_node_and_shows_the_change() -> None:
    """The node with config_version 11 is named, with both versions and the changed lines."""
    (odd,) = list(config.check_consistent(lab_facts("config-version")))
    assert odd.severity is Severity.CRITICAL
    assert "config_version" in odd.summary
    assert "-  config_version: 1" in odd.evidence or "+  config_version: 1" in odd.evidence
    assert any("config_version: 11" in line for line in odd.evidence)
    assert odd.runbook == "repair-corosync-conf"


def test_a_transport_change_is_a_transport_mismatch() -> None:
    """udpu on one node and knet on the other is critical and names both sides."""
    (mismatch,) = list(config.check_transport(lab_facts("transport")))
    assert mismatch.severity is Severity.CRITICAL
    assert any("udpu" in line for line in mismatch.evidence)
    assert any("knet" in line for line in mismatch.evidence)


def test_an_unreachable_node_is_unknown_not_ok() -> None:
    """When a node cannot be asked, the conf checks say so instead of passing it."""
    facts = lab_facts("link-down", unreachable=("qbcap3",))
    findings = list(config.check_valid(facts))
    unknown = [f for f in findings if f.severity is Severity.UNKNOWN]
    assert unknown
    assert unknown[0].nodes == ("qbcap3",)
    assert "could not read corosync.conf on qbcap3" in unknown[0].summary


def test_proxmox_copies_that_differ_are_flagged_with_the_reason() -> None:
    """A local copy newer than /etc/pve is named, with why pmxcfs will not fix it."""
    facts = lab_facts("healthy")
    facts = facts.__class__(
        cluster=facts.cluster.model_copy(update={"flavor": Flavor.PROXMOX}),
        nodes=facts.nodes,
        collected_at=facts.collected_at,
        journal_window_s=facts.journal_window_s,
    )
    node = facts.nodes["qbcap1"]
    local = node.results[Probe.LOCAL_CONF]
    node.results[Probe.PVE_CONF] = local
    node.results[Probe.LOCAL_CONF] = local.model_copy(
        update={"stdout": local.stdout.replace("config_version: 1", "config_version: 5")}
    )
    findings = list(config.check_pve_copy(facts))
    flagged = [f for f in findings if f.severity is Severity.WARNING]
    assert flagged[0].nodes == ("qbcap1",)
    assert "NEWER" in flagged[0].summary
