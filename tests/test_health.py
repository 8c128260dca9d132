"""cluster_health reads quorum, membership, partitions and links from real lab captures.

Facts come from tests/fixtures/lab (real corosync 3.1.7 output, node 3 faulted; see its
PROVENANCE.md) and the report from running every real check on them.
"""

from __future__ import annotations

from bot.diagnostics.facts import ClusterFacts
from bot.diagnostics.registry import CHECKS
from bot.diagnostics.report import run_checks
from bot.health import TOP_PROBLEMS, ClusterHealth, Partition, cluster_health
from bot.model import Severity
from tests.diagnostics.lab_facts import AT, lab_facts

ALL = ("qbcap1", "qbcap2", "qbcap3")


def health_of(facts: ClusterFacts) -> ClusterHealth:
    return cluster_health(facts, run_checks(facts, CHECKS))


def test_a_healthy_cluster_is_quorate_complete_and_linked() -> None:
    """The healthy capture: quorate with 3/3 votes, every node a member, all six links up."""
    health = health_of(lab_facts("healthy"))
    assert health.quorate is True
    assert (health.total_votes, health.expected_votes, health.quorum) == (3, 3, 2)
    assert health.members == ALL
    assert health.missing == ()
    assert health.partitions == ()
    assert (health.links.up, health.links.down, health.links.unread) == (6, 0, ())
    assert health.worst is Severity.OK
    assert health.top_problems == ()
    assert health.checked_at == AT


def test_a_node_behind_a_dead_link_is_named_missing_and_unreachable() -> None:
    """link-down: qbcap3 is out of the membership, unreachable over SSH, and its links are down."""
    health = health_of(lab_facts("link-down", unreachable=("qbcap3",)))
    assert health.quorate is True
    assert health.members == ("qbcap1", "qbcap2")
    assert health.missing == ("qbcap3",)
    assert health.unreachable == ("qbcap3",)
    assert (health.total_votes, health.expected_votes) == (2, 3)
    assert health.links.down_pairs == ("qbcap1->qbcap3", "qbcap2->qbcap3")
    assert health.links.unread == ("qbcap3",)
    assert health.worst is Severity.CRITICAL


def test_a_firewalled_node_shows_as_a_non_quorate_partition() -> None:
    """firewall: qbcap1+qbcap2 form the quorate side, qbcap3 alone the other."""
    health = health_of(lab_facts("firewall"))
    assert health.partitions == (
        Partition(seen_by=("qbcap1", "qbcap2"), members=("qbcap1", "qbcap2"), quorate=True),
        Partition(seen_by=("qbcap3",), members=("qbcap3",), quorate=False),
    )
    assert health.quorate is True  # the cluster still provides service on the majority side
    assert health.missing == ("qbcap3",)
    assert health.links.down == 4


def test_a_stopped_corosync_leaves_that_nodes_links_unread() -> None:
    """corosync-stop: qbcap3 answers SSH but its link status cannot be read, and it is missing."""
    health = health_of(lab_facts("corosync-stop"))
    assert health.unreachable == ()
    assert health.links.unread == ("qbcap3",)
    assert health.missing == ("qbcap3",)


def test_nothing_reachable_means_unknown_not_ok() -> None:
    """With no node reachable, quorum, votes and membership are unknown (None), not guessed."""
    health = health_of(lab_facts("healthy", unreachable=ALL))
    assert health.quorate is None
    assert health.members is None
    assert health.total_votes is None
    assert health.missing == ()
    assert health.links.unread == ALL
    assert health.unreachable == ALL


def test_counts_cover_every_severity_and_every_finding() -> None:
    """Counts hold all five severities (zeros too) and add up to the report's findings."""
    facts = lab_facts("firewall")
    report = run_checks(facts, CHECKS)
    health = cluster_health(facts, report)
    assert set(health.counts) == set(Severity)
    assert sum(health.counts.values()) == len(report.findings)
    assert health.counts[Severity.CRITICAL] == sum(
        f.severity is Severity.CRITICAL for f in report.findings
    )


def test_top_problems_are_the_worst_few_worst_first() -> None:
    """Top problems are warnings or worse, at most TOP_PROBLEMS, in descending severity."""
    health = health_of(lab_facts("firewall"))
    ranks = [f.severity.rank for f in health.top_problems]
    assert 0 < len(ranks) <= TOP_PROBLEMS
    assert ranks == sorted(ranks, reverse=True)
    assert min(ranks) >= Severity.WARNING.rank


def test_open_incidents_is_set_by_the_caller() -> None:
    """open_incidents starts at 0 and the caller fills it in with model_copy."""
    health = health_of(lab_facts("healthy"))
    assert health.open_incidents == 0
    assert health.model_copy(update={"open_incidents": 2}).open_incidents == 2
