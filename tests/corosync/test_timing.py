"""Effective totem timing worked out from corosync.conf, checked against a real corosync."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.corosync.conf import ConfDocument, parse_conf
from bot.corosync.timing import effective_timing, token_default_ms

FIXTURES = Path(__file__).parent.parent / "fixtures"


def doc(text: str) -> ConfDocument:
    parsed = parse_conf(text)
    assert isinstance(parsed, ConfDocument), parsed
    return parsed


def fixture(name: str) -> ConfDocument:
    return doc((FIXTURES / "conf" / name).read_bytes().decode("utf-8"))


def cluster(nodes: int, totem: str = "", transport: str = "knet") -> ConfDocument:
    """A PVE-like file with ``nodes`` nodes and extra totem lines."""
    node_blocks = "".join(
        f"  node {{\n    name: n{i}\n    nodeid: {i}\n    ring0_addr: 192.0.2.{i}\n  }}\n"
        for i in range(1, nodes + 1)
    )
    return doc(
        f"nodelist {{\n{node_blocks}}}\n"
        f"totem {{\n  version: 2\n  transport: {transport}\n{totem}}}\n"
    )


def test_pve_defaults_with_three_nodes() -> None:
    """No token set and three nodes: 3000 + 650 = 3650 ms token, 4380 ms consensus."""
    t = effective_timing(fixture("pve-3node.conf"))
    assert (t.token_ms, t.effective_token_ms, t.consensus_ms) == (3000, 3650, 4380)
    assert t.token_is_default
    assert t.consensus_is_default


def test_pve_defaults_with_five_nodes() -> None:
    """Five nodes add three coefficients: 4950 ms token, 5940 ms consensus."""
    t = effective_timing(cluster(5))
    assert (t.effective_token_ms, t.consensus_ms) == (4950, 5940)


def test_explicit_coefficient_wins() -> None:
    """pve-cluster ≥ 9.1 writes token_coefficient 125: three nodes give 3125 ms."""
    t = effective_timing(fixture("pve-3node-2links.conf"))
    assert (t.token_coefficient_ms, t.effective_token_ms) == (125, 3125)


def test_coefficient_zero_switches_scaling_off() -> None:
    """token_coefficient 0 is a setting, not a missing value: the token stays as written."""
    t = effective_timing(cluster(7, "  token_coefficient: 0\n"))
    assert t.effective_token_ms == 3000


def test_two_nodes_use_the_plain_token() -> None:
    """The coefficient only applies from three nodes on."""
    assert effective_timing(cluster(2)).effective_token_ms == 3000


def test_corosync_3_0_default_token_is_1000() -> None:
    """Before 3.1 the default token was 1000 ms."""
    t = effective_timing(cluster(3), corosync_version="3.0.4")
    assert (t.token_ms, t.effective_token_ms, t.consensus_ms) == (1000, 1650, 1980)


@pytest.mark.parametrize(("version", "token"), [("3.1.7", 3000), ("3.2", 3000), ("2.4.5", 1000)])
def test_token_default_by_version(version: str, token: int) -> None:
    """corosync 3.1.0 raised the built-in token from 1000 to 3000 ms."""
    assert token_default_ms(version) == token


def test_unknown_version_string_is_refused() -> None:
    """A version that is not 'major.minor…' raises instead of guessing a default."""
    with pytest.raises(ValueError, match="not a corosync version"):
        token_default_ms("latest")


def test_explicit_consensus_wins() -> None:
    """A consensus in the file is used as is, not computed."""
    t = effective_timing(cluster(3, "  consensus: 9000\n"))
    assert (t.consensus_ms, t.consensus_is_default) == (9000, False)


def test_token_zero_means_the_default() -> None:
    """corosync reads token 0 as "use the default", and the explanation says so."""
    t = effective_timing(cluster(2, "  token: 0\n"))
    assert t.token_ms == 3000
    assert "0 means the default" in t.explanation[0]


def test_unreadable_token_falls_back_and_says_why() -> None:
    """A token corosync cannot read is explained rather than raised."""
    t = effective_timing(cluster(2, "  token: 3s\n"))
    assert t.token_ms == 3000
    assert "'3s' is not a number" in t.explanation[0]


def test_knet_ping_timers_derive_from_the_effective_token() -> None:
    """Ping timeout is token_eff / 2 and interval token_eff / 4 (3650 ms -> 1825 / 912)."""
    t = effective_timing(fixture("pve-3node.conf"))
    assert (t.knet_ping_timeout_ms, t.knet_ping_interval_ms) == (1825, 912)


def test_knet_ping_timers_follow_pong_count_and_overrides() -> None:
    """An interface's knet_pong_count changes the divisor; an explicit timeout is kept."""
    totem = "  interface {\n    knet_pong_count: 5\n    knet_ping_timeout: 700\n  }\n"
    t = effective_timing(cluster(2, totem))
    assert (t.knet_ping_timeout_ms, t.knet_ping_interval_ms) == (700, 300)


def test_udpu_has_no_knet_timers() -> None:
    """udpu has no knet links, so there are no ping timers to report."""
    t = effective_timing(fixture("udpu-5node-legacy.conf"))
    assert (t.effective_token_ms, t.knet_ping_interval_ms, t.knet_ping_timeout_ms) == (
        4950,
        None,
        None,
    )


def test_explanation_spells_out_the_arithmetic() -> None:
    """The explanation shows the effective-token sum a human can check."""
    t = effective_timing(fixture("pve-3node.conf"))
    assert "3 nodes: effective token = 3000 + (3 - 2) × 650 = 3650 ms" in t.explanation


def test_matches_what_corosync_3_1_7_computed_in_the_lab() -> None:
    """For the lab's file, the numbers equal runtime.config.* from the running corosync."""
    cmap = (FIXTURES / "conf" / "lab-3node-knet.runtime-config.txt").read_text()

    def runtime(key: str) -> int:
        match = re.search(
            rf"^runtime\.config\.totem\.{re.escape(key)} \(u32\) = (\d+)$", cmap, re.MULTILINE
        )
        assert match is not None, key
        return int(match.group(1))

    t = effective_timing(fixture("lab-3node-knet.conf"), corosync_version="3.1.7")
    assert t.effective_token_ms == runtime("token") == 1650
    assert t.consensus_ms == runtime("consensus") == 1980
    assert t.knet_ping_interval_ms == runtime("interface.0.knet_ping_interval")
    assert t.knet_ping_timeout_ms == runtime("interface.0.knet_ping_timeout")
