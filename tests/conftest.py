"""Shared test set-up: the real lab, brought up once per session for tests marked `lab`."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import LabSettings
from bot.lab.lab import Lab
from tests.support import postgres

# Tests get their own state folder so a developer's own `lab` is never touched.
TEST_LAB_STATE = Path("/var/lib/quorumbot/test-labs")
TEST_LAB_NAME = "qbt"


def lab_unavailable_reason() -> str | None:
    """Why lab tests cannot run here, or None when they can."""
    if os.geteuid() != 0:
        return "the lab needs root (network namespaces, bridges, systemd-nspawn)"
    for tool in ("systemd-nspawn", "debootstrap", "nsenter", "chronyd", "ip", "iptables"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (scripts/bootstrap.sh installs it)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = lab_unavailable_reason()
    if reason is None:
        return
    for item in items:
        if "lab" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A private PostgreSQL server for the session (skips where one cannot be started)."""
    reason = postgres.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    with postgres.postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def lab_settings() -> LabSettings:
    return LabSettings(state_dir=TEST_LAB_STATE)


@pytest.fixture(scope="session")
def lab(lab_settings: LabSettings) -> Iterator[Lab]:
    """A healthy 3-node lab for the whole session, removed at the end."""
    the_lab = Lab(lab_settings, TEST_LAB_NAME)
    the_lab.up(nodes=3, token_ms=1000, report=lambda _: None)
    try:
        yield the_lab
    finally:
        the_lab.down(report=lambda _: None)


@pytest.fixture
def healed(lab: Lab) -> Iterator[Lab]:
    """The lab, healthy before the test and healed (and checked whole) after it."""
    lab.wait_healthy(timeout_s=60)
    try:
        yield lab
    finally:
        status = lab.heal(None, wait=True, report=lambda _: None)
        assert status.healthy
