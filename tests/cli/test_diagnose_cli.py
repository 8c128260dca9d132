"""`quorumbot diagnose` end to end: the real script, a real database, the lab's real nodes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli.common import EXIT_CANNOT_RUN
from bot.lab.lab import Lab
from tests.cli.test_inventory_cli import env, quorumbot  # noqa: F401 -- shared fixture

pytestmark = pytest.mark.lab


@pytest.fixture
def imported(env: dict[str, str], lab: Lab, tmp_path: Path) -> dict[str, str]:  # noqa: F811
    """A database holding the session lab as cluster qbt, with its trusted keys."""
    status = tmp_path / "lab.json"
    status.write_text(json.dumps(lab.status().model_dump(mode="json")))
    assert quorumbot(env, "inventory", "import", "--lab", str(status)).returncode == 0
    return env


STARVED = ("was not scheduled", "Process pause detected")
"""What corosync logs when the host starves it: 3 lab nodes and the tests share 2 cores."""


def _host_starvation_only(finding: dict[str, Any]) -> bool:
    """A warning that only reports this 2-core host starving corosync (booting labs do that)."""
    evidence = [str(e) for e in finding.get("evidence") or []]
    if finding["check_id"] == "corosync.journal":
        return bool(evidence) and all(any(s in e for s in STARVED) for e in evidence)
    return finding["check_id"] == "totem.timing" and "stalls in the journal" in str(
        finding["summary"]
    )


def test_json_report_of_a_healthy_lab(imported: dict[str, str]) -> None:
    """A healthy lab's JSON report has only ok findings, apart from host CPU starvation."""
    done = quorumbot(imported, "diagnose", "qbt", "--json", "--no-network")
    assert done.returncode in (0, 1), done.stdout + done.stderr
    (report,) = json.loads(done.stdout)
    assert report["cluster"] == "qbt"
    problems = [f for f in report["findings"] if f["severity"] != "ok"]
    assert all(f["severity"] == "warning" and _host_starvation_only(f) for f in problems), problems
    assert done.returncode == (1 if problems else 0)
    assert {f["check_id"] for f in report["findings"]} >= {"ssh.reachable", "conf.consistent"}


def test_a_changed_host_key_is_refused_and_critical(imported: dict[str, str], lab: Lab) -> None:
    """A node presenting another key than the trusted one is not contacted; exit 2 names it."""
    export = quorumbot(imported, "inventory", "export").stdout
    keys = {n.name: n.host_key for n in lab.status().nodes}
    swapped = export.replace(f"host_key: {keys['qbt2']}", f"host_key: {keys['qbt1']}")
    assert (
        quorumbot(imported, "inventory", "import", "--replace", "-", stdin=swapped).returncode == 0
    )
    done = quorumbot(imported, "diagnose", "qbt", "--json", "--no-network")
    assert done.returncode == 2
    (report,) = json.loads(done.stdout)
    (critical,) = [f for f in report["findings"] if f["severity"] == "critical"]
    assert critical["check_id"] == "ssh.reachable"
    assert critical["nodes"] == ["qbt2"]
    assert "DIFFERENT SSH host key" in critical["summary"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("diagnose", "nope"), "no cluster named 'nope'"),
        (("diagnose", "qbt", "--node", "ghost"), "has no node 'ghost'"),
        (("diagnose", "qbt", "--check", "made.up"), "unknown check id: made.up"),
    ],
)
def test_bad_input_exits_3_with_one_line(
    imported: dict[str, str], argv: tuple[str, ...], message: str
) -> None:
    """Unknown cluster, node or check: one error line, exit 3, nothing run."""
    done = quorumbot(imported, *argv)
    assert done.returncode == EXIT_CANNOT_RUN
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
