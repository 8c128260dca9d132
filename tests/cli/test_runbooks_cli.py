"""`quorumbot runbooks list` and `validate`: the shipped runbooks, and precise errors for bad files."""

from __future__ import annotations

from pathlib import Path

from bot.cli.common import EXIT_CANNOT_RUN
from tests.cli.test_inventory_cli import env, quorumbot  # noqa: F401 -- shared fixture

SHIPPED = ("rejoin-node", "repair-corosync-conf", "raise-totem-timeouts", "open-firewall-ports")


def test_the_shipped_runbooks_validate(env: dict[str, str]) -> None:  # noqa: F811
    """The four runbooks in runbooks/ load without a problem."""
    done = quorumbot(env, "runbooks", "validate")
    assert done.returncode == 0, done.stderr
    assert all(name in done.stdout for name in SHIPPED)


def test_a_bad_runbook_is_refused_with_file_key_and_line(
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    """A runbook using an undeclared placeholder exits 3 naming the file, the key path and the line."""
    shipped = Path(__file__).parents[2] / "runbooks" / "open-firewall-ports.yaml"
    broken = tmp_path / "open-firewall-ports.yaml"
    broken.write_text(shipped.read_text().replace('"{peer_address}"', '"{peer_adress}"', 1))
    done = quorumbot(env, "runbooks", "validate", str(broken))
    assert done.returncode == EXIT_CANNOT_RUN
    assert str(broken) in done.stderr
    assert "unknown placeholder {peer_adress}" in done.stderr
    assert "(line " in done.stderr


def test_list_shows_how_to_call_each_runbook(env: dict[str, str]) -> None:  # noqa: F811
    """list names every runbook with its usage."""
    done = quorumbot(env, "runbooks", "list")
    assert done.returncode == 0, done.stderr
    assert "rejoin-node" in done.stdout
