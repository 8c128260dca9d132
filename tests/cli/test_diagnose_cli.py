"""`quorumbot diagnose` end to end: the real script, a real database, the lab's real nodes."""

from __future__ import annotations

import json
from pathlib import Path

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


def test_json_report_of_a_healthy_lab(imported: dict[str, str]) -> None:
    """A healthy lab exits 0 and its JSON report lists only ok findings for cluster qbt."""
    done = quorumbot(imported, "diagnose", "qbt", "--json", "--no-network")
    assert done.returncode == 0, done.stdout + done.stderr
    (report,) = json.loads(done.stdout)
    assert report["cluster"] == "qbt"
    assert {f["severity"] for f in report["findings"]} == {"ok"}
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
