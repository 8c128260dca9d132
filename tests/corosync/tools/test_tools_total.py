"""Every corosync tool parser is total: any text gives a typed value, never an exception."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from bot.corosync.tools.cfgtool import (
    CfgtoolNodes,
    CfgtoolStatus,
    parse_cfgtool_nodes,
    parse_cfgtool_status,
)
from bot.corosync.tools.cmapctl import CmapDump, parse_cmap, parse_cmap_output
from bot.corosync.tools.pvecm import parse_pvecm_nodes, parse_pvecm_status
from bot.corosync.tools.quorumtool import parse_quorumtool_list, parse_quorumtool_status
from bot.corosync.tools.version import parse_corosync_version

FAST = settings(max_examples=200, deadline=None)
FIXTURES = sorted((Path(__file__).parents[2] / "fixtures" / "tools").glob("*/*.txt"))
SAMPLES = [p.read_bytes().decode() for p in FIXTURES]

Parser = Callable[[str, str, int], BaseModel]
PARSERS: list[Parser] = [
    parse_cfgtool_status,
    parse_cfgtool_nodes,
    parse_quorumtool_status,
    parse_quorumtool_list,
    parse_pvecm_status,
    parse_pvecm_nodes,
    parse_cmap_output,
    lambda text, _stderr, _status: parse_cmap(text),
    lambda text, _stderr, _status: parse_corosync_version(text),
]

# Words the parsers look for, so generated text reaches their deeper branches.
VOCABULARY = st.sampled_from(
    [
        "LINK ID 0",
        "LINK ID 1 udp",
        "\tstatus:",
        "\tstatus\t= n3?d",
        "\t\tnodeid:   1:\tlocalhost",
        "\t\tnode 0:\tlink enabled:1\tlink connected:0",
        "Local node ID 01, transport knet",
        "nodeid: 2 reachable remote",
        "   LINK: 0 udp (a->b) enabled connected mtu: 9",
        "Membership information",
        "    Nodeid      Votes    Qdevice Name",
        "    Nodeid Name",
        "0x00000000          1            Qdevice (votes 2)",
        "       007          1   NA,NV,NM x (local)",
        "Ring ID:          ffffffff.ffffffffffffffff",
        "Quorum:           2 Activity blocked",
        "Node ID:          0x0000001",
        "Cluster information",
        "Config Version:   -1",
        "x.y (u8) = 300",
        "x.y (flt) = inf",
        "stats.knet.node1.link0.enabled (u8) = 1",
        "runtime.members.1.ip (str) = r(0) ip(a) r(1) ip(b",
        "Corosync Cluster Engine, version '3.1.x'",
        "Could not initialize corosync configuration API error 11",
        "Cannot initialize CMAP service",
    ]
)
LINES = st.lists(st.one_of(VOCABULARY, st.text(max_size=40)), max_size=25).map("\n".join)


@st.composite
def mutated_samples(draw: st.DrawFn) -> str:
    """A real fixture with a random slice replaced by random text."""
    text = draw(st.sampled_from(SAMPLES))
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, len(text)))
    return text[:start] + draw(st.one_of(st.text(max_size=20), VOCABULARY)) + text[end:]


TEXTS = st.one_of(st.text(), LINES, mutated_samples())


def exercise(result: BaseModel) -> None:
    """Dump the value and call its helper views: none of them may raise either."""
    result.model_dump()
    if isinstance(result, CfgtoolStatus):
        result.faults()
        for link in result.links:
            link.resolve(range(len(link.by_position)))
            assert isinstance(link.faulty, bool)
    if isinstance(result, CfgtoolNodes):
        result.reachable()
    if isinstance(result, CmapDump):
        result.members()
        result.nodelist()
        result.knet_links()
        result.srp_stats()
        result.config_version()


@FAST
@given(text=TEXTS, stderr=st.one_of(st.just(""), LINES), exit_status=st.integers(-1, 255))
def test_every_parser_accepts_any_text(text: str, stderr: str, exit_status: int) -> None:
    """No parser raises on any stdout/stderr/exit status; each returns a pydantic value."""
    for parse in PARSERS:
        result = parse(text, stderr, exit_status)
        assert isinstance(result, BaseModel)
        exercise(result)


@FAST
@given(text=mutated_samples())
def test_results_are_frozen(text: str) -> None:
    """Results are frozen: assigning to a field fails."""
    result = parse_cfgtool_status(text)
    with pytest.raises(ValidationError):
        result.kind = "x"  # type: ignore[misc, assignment]  # the point is that it fails
