"""Fixtures for the SSH door's lab tests."""

from __future__ import annotations

import pytest

from bot.lab.lab import Lab
from bot.model import Node
from tests.lab.observe import model_nodes


@pytest.fixture
def nodes(lab: Lab) -> dict[str, Node]:
    """The lab's nodes as the inventory holds them, host keys trusted."""
    return model_nodes(lab)
