"""corosync -v read into a version tuple and the build's features."""

from __future__ import annotations

from pathlib import Path

from bot.corosync.tools.version import CorosyncVersion, parse_corosync_version
from bot.corosync.unparsed import Unparsed

TOOLS = Path(__file__).parents[2] / "fixtures" / "tools" / "version"
COMPRESSION = ("zlib", "lz4", "lz4hc", "lzo2", "lzma", "bzip2", "zstd")


def version(name: str) -> CorosyncVersion:
    parsed = parse_corosync_version((TOOLS / name).read_bytes().decode())
    assert isinstance(parsed, CorosyncVersion), parsed
    return parsed


def test_lab_3_1_7() -> None:
    """Debian 12's corosync 3.1.7: version, copyright, features and models."""
    assert version("3.1.7-lab.txt") == CorosyncVersion(
        version=(3, 1, 7),
        version_text="3.1.7",
        copyright="Copyright (c) 2006-2021 Red Hat, Inc.",
        features=(
            "dbus",
            "monitoring",
            "watchdog",
            "augeas",
            "systemd",
            "xmlconf",
            "vqsim",
            "nozzle",
            "snmp",
            "pie",
            "relro",
            "bindnow",
        ),
        crypto_models=("nss", "openssl"),
        compression_models=COMPRESSION,
    )


def test_empty_version_is_unknown_not_an_error() -> None:
    """A build printing version '' gives version None and keeps everything else."""
    parsed = version("empty-version.txt")
    assert (parsed.version, parsed.version_text) == (None, "")
    assert parsed.compression_models == COMPRESSION
    assert parsed.at_least(3, 1) is None


def test_2_x_two_lines() -> None:
    """corosync 2.x printed only the version and copyright lines."""
    assert version("2.x.txt") == CorosyncVersion(
        version=(2, 4, 5),
        version_text="2.4.5",
        copyright="Copyright (c) 2006-2009 Red Hat, Inc.",
    )


def test_1_x_svn_revision() -> None:
    """corosync 1.x's SVN revision suffix does not hide the version."""
    assert version("1.x-svn.txt").version == (1, 2, 0)


def test_at_least_compares_tuples() -> None:
    """at_least compares numerically: 3.1.7 is at least 3.1.5 and below 3.1.10."""
    parsed = version("3.1.7-lab.txt")
    assert parsed.at_least(3, 1, 5)
    assert not parsed.at_least(3, 1, 10)


def test_git_build_version_keeps_leading_numbers() -> None:
    """A git-describe version keeps its dotted numbers and its full text."""
    parsed = parse_corosync_version("Corosync Cluster Engine, version '3.1.8.12-a1b2'\n")
    assert isinstance(parsed, CorosyncVersion)
    assert (parsed.version, parsed.version_text) == ((3, 1, 8, 12), "3.1.8.12-a1b2")


def test_unknown_lines_are_kept() -> None:
    """A line corosync -v does not print is kept in unparsed_lines."""
    text = (TOOLS / "2.x.txt").read_text() + "Built by someone\n"
    parsed = parse_corosync_version(text)
    assert isinstance(parsed, CorosyncVersion)
    assert parsed.unparsed_lines == ("Built by someone",)


def test_no_version_line_is_unparsed() -> None:
    """Output without the version line (e.g. 'command not found') is Unparsed."""
    parsed = parse_corosync_version("bash: corosync: command not found\n")
    assert isinstance(parsed, Unparsed)
    assert parsed.tool == "corosync -v"
