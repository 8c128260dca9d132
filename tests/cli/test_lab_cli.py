"""The command line answers bad input with one clear line and a usage exit code, changing nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.cli.common import EXIT_CANNOT_RUN

runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    state = tmp_path / "labs"
    monkeypatch.setenv("QUORUMBOT_LAB__STATE_DIR", str(state))
    return state


def test_help_lists_the_command_groups() -> None:
    """`quorumbot --help` shows the lab and config groups."""
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "lab" in result.output
    assert "config" in result.output


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["lab", "up", "--name", "Bad-Name"], "invalid lab name 'Bad-Name'"),
        (["lab", "up", "--nodes", "1"], "invalid node count 1"),
        (["lab", "up", "--nodes", "99"], "invalid node count 99"),
        (["lab", "status", "--name", "nolab"], "no lab named 'nolab' is up"),
        (["lab", "heal", "--name", "nolab"], "no lab named 'nolab' is up"),
        (["lab", "fault", "lab3", "link-down", "--name", "nolab"], "no lab named 'nolab' is up"),
        (["lab", "fault", "lab3", "packet-loss", "--percent", "0"], "--percent"),
    ],
)
def test_bad_lab_input_is_a_usage_error(
    argv: list[str], message: str, isolated_state: Path
) -> None:
    """Each bad call exits with the usage code, names the problem, and creates nothing."""
    result = runner.invoke(app, argv)
    assert result.exit_code == EXIT_CANNOT_RUN, result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert not isolated_state.exists()


def quorumbot(*argv: str) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_unknown_fault_kind_lists_the_choices() -> None:
    """An unknown fault kind is refused with exit 3 (not click's 2), listing the valid kinds."""
    done = quorumbot("lab", "fault", "lab3", "meteor")
    assert done.returncode == EXIT_CANNOT_RUN
    assert "link-down" in done.stderr


def test_missing_arguments_exit_3_without_a_traceback() -> None:
    """A missing argument is a usage message and exit 3."""
    done = quorumbot("lab", "fault")
    assert done.returncode == EXIT_CANNOT_RUN
    assert "Missing" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_our_own_errors_exit_3_from_the_real_script(tmp_path: Path) -> None:
    """A bad value caught by quorumbot itself exits 3 with one line on stderr."""
    done = quorumbot("lab", "up", "--nodes", "1")
    assert done.returncode == EXIT_CANNOT_RUN
    assert done.stderr.strip() == "error: invalid node count 1: a lab has 2 to 32 nodes"


def test_config_check_reports_a_bad_file(tmp_path: Path) -> None:
    """`config check` on a file with a typo exits 2 and names the key."""
    path = tmp_path / "q.toml"
    path.write_text("[lab]\nboot_timeout_s = -5\n")
    result = runner.invoke(app, ["config", "check", "--config", str(path)])
    assert result.exit_code == EXIT_CANNOT_RUN
    assert "lab.boot_timeout_s" in result.output


def test_config_check_accepts_a_good_file(tmp_path: Path) -> None:
    """`config check` on a valid file says so and exits 0."""
    path = tmp_path / "q.yaml"
    path.write_text("log_level: debug\n")
    result = runner.invoke(app, ["config", "check", "--config", str(path)])
    assert result.exit_code == 0
    assert "settings are valid" in result.output


def test_lab_faults_lists_every_kind() -> None:
    """`lab faults` names every fault kind with what it does."""
    result = runner.invoke(app, ["lab", "faults"])
    assert result.exit_code == 0
    for kind in ("link-down", "packet-loss", "pause", "firewall", "corosync-stop",
                 "conf-unparsable", "config-version", "transport", "addr-change",
                 "ntp-unreachable"):  # fmt: skip
        assert kind in result.output
