"""Findings for corosync.conf files that parse but that corosync or pmxcfs would not run well."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corosync.conf import ConfDocument, parse_conf
from bot.corosync.validate import ConfFinding, validate
from bot.model import Severity

FIXTURES = Path(__file__).parent.parent / "fixtures"

NODES = (
    "nodelist {\n"
    "  node {\n    name: a\n    nodeid: 1\n    ring0_addr: 192.0.2.1\n  }\n"
    "  node {\n    name: b\n    nodeid: 2\n    ring0_addr: 192.0.2.2\n  }\n"
    "}\n"
)


def findings(text: str) -> list[ConfFinding]:
    doc = parse_conf(text)
    assert isinstance(doc, ConfDocument), doc
    return validate(doc)


def fixture_findings(name: str) -> list[ConfFinding]:
    return findings((FIXTURES / "conf" / name).read_bytes().decode("utf-8"))


def healthy(totem: str = "", nodes: str = NODES, extra: str = "") -> str:
    """A knet file with no findings, plus the given totem lines, nodelist and sections."""
    return f"totem {{\n  version: 2\n  config_version: 1\n{totem}}}\n{nodes}{extra}"


def only(text: str) -> ConfFinding:
    """The single finding for ``text``."""
    found = findings(text)
    assert len(found) == 1, found
    return found[0]


def journal(conf_name: str) -> str:
    """What corosync logged for a captured file (see PROVENANCE.md)."""
    return (FIXTURES / "conf" / conf_name.replace(".conf", ".journal.txt")).read_text()


# --- fixtures ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["lab-3node-knet.conf", "pve-3node.conf", "pve-3node-2links.conf", "pve-3node-crlf.conf"],
)
def test_clean_files_have_no_findings(name: str) -> None:
    """Files corosync and pve-cluster run happily with give no findings at all."""
    assert fixture_findings(name) == []


def test_healthy_template_has_no_findings() -> None:
    """The minimal file the other tests start from is itself clean."""
    assert findings(healthy()) == []


def test_debian_default_only_lacks_config_version() -> None:
    """Debian's packaged file is fine for corosync but has no config_version."""
    assert [f.code for f in fixture_findings("debian-bookworm-default.conf")] == [
        "config-version-missing"
    ]


def test_lab_udpu_with_secauth_is_refused_as_corosync_refused_it() -> None:
    """The lab's udpu+secauth file is critical, with the error corosync logged for it."""
    critical = [f for f in fixture_findings("lab-udpu-secauth.conf") if f.severity.rank >= 4]
    assert [f.code for f in critical] == ["crypto-needs-knet"]
    assert critical[0].corosync_error is not None
    assert critical[0].corosync_error in journal("lab-udpu-secauth.conf")


def test_lab_truncated_file_is_refused_as_corosync_refused_it() -> None:
    """The cut-short file lacks totem.version, with the error corosync logged for it."""
    found = fixture_findings("lab-truncated.conf")
    assert [f.code for f in found] == ["totem-version"]
    assert found[0].corosync_error is not None
    assert found[0].corosync_error in journal("lab-truncated.conf")


def test_pcs_file_warns_about_host_names() -> None:
    """pcs's file uses host names as addresses, which gets a warning per address."""
    found = fixture_findings("pcs-2node-two_node.conf")
    assert [(f.code, f.line) for f in found if f.code == "hostname-address"] == [
        ("hostname-address", 12),
        ("hostname-address", 18),
    ]


def test_legacy_udpu_file_is_accepted() -> None:
    """udpu nodes without nodeids are fine: corosync derives them from IPv4 addresses."""
    assert fixture_findings("udpu-5node-legacy.conf") == []


# --- one test per finding ----------------------------------------------------------------------


def test_key_with_a_no_break_space() -> None:
    """A UTF-8 no-break space before a key makes it a name cmap cannot store (corosync #723)."""
    nodes = NODES.replace("    name: b\n", "    name: b\n   \u00a0quorum_votes: 1\n")
    f = only(healthy(nodes=nodes))
    assert (f.code, f.severity, f.line) == ("invalid-key-name", Severity.CRITICAL, 13)
    assert f.corosync_error == (
        'Can\'t store key "nodelist.node.1.\u00a0quorum_votes" into icmap, '
        "returned error is CS_ERR_NAME_TOO_LONG"
    )


def test_non_numeric_value_quotes_corosync() -> None:
    """'token: 3s' is critical, with corosync's exact 'Value of key' message and line."""
    f = only(healthy("  token: 3s\n"))
    assert (f.code, f.severity, f.line) == ("not-a-number", Severity.CRITICAL, 4)
    assert f.corosync_error == (
        'Value of key "totem.token" is expected to be integer in range (0..4294967295), '
        'but "3s" was given'
    )


def test_non_numeric_node_key_is_named_by_position() -> None:
    """A bad nodeid is reported under cmap's name for it, nodelist.node.<position>.nodeid."""
    f = only(healthy(nodes=NODES.replace("nodeid: 2", "nodeid: two")))
    assert f.corosync_error is not None
    assert f.corosync_error.startswith('Value of key "nodelist.node.1.nodeid"')


def test_non_numeric_config_version_uses_the_u64_message() -> None:
    """config_version is a u64, and corosync words that error differently."""
    f = only(healthy().replace("config_version: 1", "config_version: v2"))
    assert f.corosync_error == (
        'Value of key "totem.config_version" is expected to be unsigned integer, but "v2" was given'
    )


def test_two_node_must_be_a_number() -> None:
    """quorum.two_node is a number to corosync: 'yes' stops it."""
    assert only(healthy(extra="quorum {\n  two_node: yes\n}\n")).code == "not-a-number"


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("ip_version: ipv5", "Invalid ip_version type"),
        (
            "crypto_hash: sha3",
            "Invalid hash type. Should be none, md5, sha1, sha256, sha384 or sha512",
        ),
    ],
)
def test_invalid_choice(line: str, error: str) -> None:
    """A value outside the set corosync accepts is critical, with corosync's message."""
    f = only(healthy(f"  {line}\n"))
    assert (f.code, f.severity, f.corosync_error) == ("invalid-value", Severity.CRITICAL, error)


def test_invalid_cipher() -> None:
    """An unknown crypto_cipher is critical."""
    assert only(healthy("  crypto_cipher: aes512\n  crypto_hash: sha256\n")).code == "invalid-value"


def test_invalid_link_mode() -> None:
    """link_mode must be active, passive or rr."""
    f = only(healthy("  link_mode: fastest\n"))
    assert (f.code, f.line) == ("invalid-value", 4)


def test_unknown_transport() -> None:
    """A transport other than knet, udpu or udp stops corosync 3.1.7."""
    f = only(healthy("  transport: tcp\n"))
    assert (f.code, f.severity, f.corosync_error) == (
        "unknown-transport",
        Severity.CRITICAL,
        "Invalid transport type. Should be udpu, udp or knet",
    )


def test_missing_totem_version() -> None:
    """Without 'version: 2' corosync does not start."""
    f = only(healthy().replace("  version: 2\n", ""))
    assert (f.code, f.severity) == ("totem-version", Severity.CRITICAL)


def test_no_nodes() -> None:
    """An empty nodelist cannot form a cluster."""
    assert only(healthy(nodes="nodelist {\n}\n")).code == "no-nodes"


def test_node_without_ring0_addr() -> None:
    """A node with no ring0_addr is critical and points at its 'node {' line."""
    f = only(healthy(nodes=NODES.replace("    ring0_addr: 192.0.2.2\n", "")))
    assert (f.code, f.line) == ("missing-ring0-addr", 11)


def test_knet_node_without_nodeid() -> None:
    """knet needs an explicit nodeid on every node."""
    f = only(healthy(nodes=NODES.replace("    nodeid: 2\n", "")))
    assert (f.code, f.corosync_error) == (
        "missing-nodeid",
        "Knet requires an explicit nodeid to be specified for address '192.0.2.2'.",
    )


def test_nodeid_zero_counts_as_missing() -> None:
    """nodeid 0 is reserved and reads as no nodeid."""
    assert only(healthy(nodes=NODES.replace("nodeid: 2", "nodeid: 0"))).code == "missing-nodeid"


def test_udpu_node_with_ipv6_needs_a_nodeid() -> None:
    """udpu can only make up nodeids from IPv4 addresses."""
    nodes = "nodelist {\n  node {\n    ring0_addr: 2001:db8::1\n  }\n}\n"
    f = only(healthy("  transport: udpu\n", nodes=nodes))
    assert f.code == "missing-nodeid"
    assert f.corosync_error == (
        "An IPV6 network requires that a node ID be specified for address '2001:db8::1'."
    )


def test_duplicate_nodeid() -> None:
    """Two nodes with one nodeid is critical, with corosync's message."""
    f = only(healthy(nodes=NODES.replace("nodeid: 2", "nodeid: 1")))
    assert (f.code, f.line, f.corosync_error) == (
        "duplicate-nodeid",
        13,
        "Nodeid 1 appears twice in corosync.conf",
    )


def test_duplicate_generated_nodeid_on_udpu() -> None:
    """On udpu, clear_node_high_bit can make two generated nodeids collide."""
    nodes = (
        "nodelist {\n  node {\n    ring0_addr: 10.0.0.1\n  }\n"
        "  node {\n    ring0_addr: 138.0.0.1\n  }\n}\n"
    )
    found = findings(healthy("  transport: udpu\n  clear_node_high_bit: yes\n", nodes=nodes))
    assert [(f.code, f.corosync_error) for f in found] == [
        (
            "duplicate-nodeid",
            "Nodeid 167772161(autogenerated from 138.0.0.1) appears twice in corosync.conf",
        )
    ]


def test_duplicate_node_name() -> None:
    """Two nodes with one name is critical."""
    assert only(healthy(nodes=NODES.replace("name: b", "name: a"))).code == "duplicate-node-name"


def test_duplicate_address() -> None:
    """Two nodes on one address is critical, at the second node's line."""
    f = only(healthy(nodes=NODES.replace("192.0.2.2", "192.0.2.1")))
    assert (f.code, f.severity, f.line) == ("duplicate-address", Severity.CRITICAL, 14)


def test_duplicate_ipv6_address_in_another_spelling() -> None:
    """IPv6 addresses are compared as addresses, not as text."""
    nodes = NODES.replace("192.0.2.1", "2001:db8::1").replace("192.0.2.2", "2001:DB8:0::1")
    assert only(healthy(nodes=nodes)).code == "duplicate-address"


def test_host_name_instead_of_address() -> None:
    """A host name in ringX_addr is a warning at its line."""
    f = only(healthy(nodes=NODES.replace("192.0.2.2", "node-b.example")))
    assert (f.code, f.severity, f.line) == ("hostname-address", Severity.WARNING, 14)


def test_second_link_on_udpu() -> None:
    """udpu has one ring; a ring1_addr is critical."""
    nodes = NODES.replace("192.0.2.1\n", "192.0.2.1\n    ring1_addr: 198.51.100.1\n").replace(
        "192.0.2.2\n", "192.0.2.2\n    ring1_addr: 198.51.100.2\n"
    )
    f = only(healthy("  transport: udpu\n", nodes=nodes))
    assert (f.code, f.corosync_error) == (
        "too-many-links",
        "parse error in config: 2 is too many configured interfaces for non-Knet transport.",
    )


def test_nodes_with_different_links() -> None:
    """With two links, a node missing one of them is critical."""
    nodes = NODES.replace("192.0.2.1\n", "192.0.2.1\n    ring1_addr: 198.51.100.1\n")
    f = only(healthy(nodes=nodes))
    assert (f.code, f.line) == ("link-count-mismatch", 12)


def test_multi_link_node_without_name() -> None:
    """With two links every node needs a name."""
    nodes = (
        NODES.replace("    name: b\n", "")
        .replace("192.0.2.1\n", "192.0.2.1\n    ring1_addr: 198.51.100.1\n")
        .replace("192.0.2.2\n", "192.0.2.2\n    ring1_addr: 198.51.100.2\n")
    )
    assert only(healthy(nodes=nodes)).code == "multilink-without-name"


def test_cipher_without_hash() -> None:
    """Encryption without a hash is refused by corosync."""
    f = only(healthy("  crypto_cipher: aes256\n  crypto_hash: none\n"))
    assert f.corosync_error == "crypto_cipher requires crypto_hash with value other than none"


def test_crypto_on_udpu() -> None:
    """crypto_cipher/crypto_hash only work with knet."""
    f = only(healthy("  transport: udpu\n  crypto_cipher: aes256\n  crypto_hash: sha256\n"))
    assert (f.code, f.line) == ("crypto-needs-knet", 5)


def test_crypto_none_on_udpu_is_fine() -> None:
    """Explicitly switching crypto off is what udpu wants."""
    assert findings(healthy("  transport: udp\n  crypto_cipher: none\n  crypto_hash: none\n")) == []


def test_knet_option_on_udpu_is_ignored() -> None:
    """knet_* and link_mode keys do nothing on udpu: a warning."""
    f = only(healthy("  transport: udpu\n  knet_mtu: 1400\n"))
    assert (f.code, f.severity) == ("knet-option-ignored", Severity.WARNING)


def test_link_priority_on_udpu_is_refused() -> None:
    """A knet_link_priority other than 1 stops corosync on udpu."""
    totem = "  transport: udpu\n  interface {\n    knet_link_priority: 5\n  }\n"
    f = only(healthy(totem))
    assert (f.code, f.severity) == ("knet-option-ignored", Severity.CRITICAL)


def test_consensus_below_1_2_token() -> None:
    """A consensus below 1.2 × the effective token is a warning (3650 ms → 4380 ms needed)."""
    nodes = NODES.replace(
        "}\n}\n", "}\n  node {\n    name: c\n    nodeid: 3\n    ring0_addr: 192.0.2.3\n  }\n}\n"
    )
    f = only(healthy("  consensus: 4000\n", nodes=nodes))
    assert (f.code, f.severity) == ("consensus-too-small", Severity.WARNING)
    assert "4380 ms" in f.message


def test_token_below_minimum() -> None:
    """An effective token under 30 ms stops corosync, with its message."""
    f = next(f for f in findings(healthy("  token: 10\n")) if f.code == "token-too-small")
    assert (f.line, f.corosync_error) == (
        4,
        "parse error in config: The token timeout parameter (10 ms) may not be less than (30 ms).",
    )


def test_token_too_small_for_its_retransmit_timeout() -> None:
    """token 100 leaves 23 ms to retransmit, under 30 ms: corosync refuses it."""
    f = only(healthy("  token: 100\n"))
    assert f.code == "token-too-small"
    assert f.corosync_error == (
        "parse error in config: Not appropriate token or token_retransmits_before_loss_const "
        "value set"
    )


def test_consensus_below_join() -> None:
    """A consensus shorter than join stops corosync."""
    found = findings(healthy("  consensus: 40\n"))
    f = next(f for f in found if f.code == "consensus-below-minimum")
    assert f.corosync_error == (
        "parse error in config: The consensus timeout parameter (40 ms) may not be less than "
        "join timeout (50 ms)."
    )


def test_consensus_below_absolute_minimum() -> None:
    """Under 30 ms corosync names its absolute minimum rather than join."""
    found = findings(healthy("  consensus: 20\n  join: 10\n"))
    assert [f.corosync_error for f in found if f.code == "consensus-below-minimum"] == [
        "parse error in config: The consensus timeout parameter (20 ms) may not be less than (30 ms)."
    ]


def test_join_below_minimum() -> None:
    """A join under 30 ms stops corosync."""
    f = only(healthy("  join: 10\n"))
    assert (f.code, f.corosync_error) == (
        "join-too-small",
        "parse error in config: The join timeout parameter (10 ms) may not be less than (30 ms).",
    )


def test_computed_consensus_below_join() -> None:
    """A short token and a long join fail even when consensus is left to corosync."""
    f = only(healthy("  token: 150\n  join: 200\n"))
    assert f.corosync_error == (
        "parse error in config: The consensus timeout parameter (180 ms) may not be less than "
        "join timeout (200 ms)."
    )


def test_two_node_with_three_nodes() -> None:
    """two_node is meant for exactly two nodes."""
    nodes = NODES.replace(
        "}\n}\n", "}\n  node {\n    name: c\n    nodeid: 3\n    ring0_addr: 192.0.2.3\n  }\n}\n"
    )
    f = only(healthy(nodes=nodes, extra="quorum {\n  two_node: 1\n}\n"))
    assert (f.code, f.line) == ("two-node-with-more-nodes", 23)


def test_config_version_zero() -> None:
    """config_version 0 is as good as missing for pmxcfs."""
    f = only(healthy().replace("config_version: 1", "config_version: 0"))
    assert (f.code, f.line) == ("config-version-zero", 3)


def test_long_cluster_name() -> None:
    """A cluster name longer than Proxmox VE allows is information, not a problem for corosync."""
    f = only(healthy("  cluster_name: a-very-long-cluster-name\n"))
    assert (f.code, f.severity) == ("cluster-name-long", Severity.INFO)


def test_unknown_top_level_section() -> None:
    """A section corosync 3 does not know is information."""
    f = only(healthy(extra="amf {\n  mode: disabled\n}\n"))
    assert (f.code, f.severity) == ("unknown-section", Severity.INFO)


def test_repeated_top_level_section() -> None:
    """Two quorum sections get one warning."""
    f = only(healthy(extra="quorum {\n}\nquorum {\n}\n"))
    assert (f.code, f.severity) == ("duplicate-section", Severity.WARNING)


def test_key_given_twice() -> None:
    """A key set twice in one section is a warning at the line that wins."""
    f = only(healthy("  token: 3000\n  token: 5000\n"))
    assert (f.code, f.line) == ("duplicate-key", 5)
    assert "totem.token is set 2 times (lines 4, 5)" in f.message


def test_findings_are_ordered_by_line() -> None:
    """Findings come out in file order, file-wide ones first."""
    text = healthy("  token: 3s\n  token: 4s\n", nodes="nodelist {\n}\n")
    lines = [f.line or 0 for f in findings(text)]
    assert lines == sorted(lines)
