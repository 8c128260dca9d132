"""corosync.conf grammar, typed access, edits and diffs, against real and hand-written files."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corosync.conf import ConfDocument, ConfParseError, LineKind, parse_conf
from bot.corosync.conf_edit import (
    ConfEditError,
    add_node,
    bump_config_version,
    remove_node,
    remove_totem_key,
    set_ring_addr,
    set_totem_key,
    unified_diff,
)
from bot.corosync.conf_model import CorosyncConf

FIXTURES = Path(__file__).parent.parent / "fixtures" / "conf"
REFUSED = ["lab-cut-mid-line.conf"]  # corosync itself refused this capture
ALL_FIXTURES = sorted(p.name for p in FIXTURES.glob("*.conf") if p.name not in REFUSED)


def fixture_text(name: str) -> str:
    # Bytes, then decode: read_text() would translate CRLF and hide what is on disk.
    return (FIXTURES / name).read_bytes().decode("utf-8")


def parsed(text: str) -> ConfDocument:
    doc = parse_conf(text)
    assert isinstance(doc, ConfDocument), doc
    return doc


def fixture(name: str) -> ConfDocument:
    return parsed(fixture_text(name))


def conf(text: str) -> CorosyncConf:
    return CorosyncConf.from_document(parsed(text))


def error(text: str) -> ConfParseError:
    result = parse_conf(text)
    assert isinstance(result, ConfParseError), result
    return result


# --- golden files ------------------------------------------------------------------------------


def test_every_fixture_is_listed_in_provenance() -> None:
    """Each fixture file has a line in PROVENANCE.md saying where it came from."""
    provenance = (FIXTURES / "PROVENANCE.md").read_text()
    names = [p.name for p in FIXTURES.iterdir() if p.name != "PROVENANCE.md"]
    assert [name for name in names if f"`{name}`" not in provenance] == []


def test_file_cut_mid_line_fails_as_corosync_failed() -> None:
    """The lab file cut inside a line gets the very error corosync logged for it."""
    e = error(fixture_text("lab-cut-mid-line.conf"))
    assert (e.line, e.message) == (27, "Line is not opening or closing section or key value")
    logged = (FIXTURES / "lab-cut-mid-line.journal.txt").read_text()
    assert e.corosync_style("/etc/corosync/corosync.conf") in logged


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_fixture_round_trips_byte_for_byte(name: str) -> None:
    """Parsing a fixture and serializing it again gives back exactly the same text."""
    assert fixture(name).text == fixture_text(name)


def test_debian_default_reads_as_packaged() -> None:
    """Debian's packaged file yields its cluster name, crypto, logging and single node."""
    c = CorosyncConf.from_document(fixture("debian-bookworm-default.conf"))
    assert (c.totem.version, c.totem.cluster_name) == (2, "debian")
    assert (c.totem.crypto_cipher, c.totem.crypto_hash) == ("none", "none")
    assert c.sections == ("totem", "logging", "quorum", "nodelist")
    assert c.logging.to_syslog is True
    assert c.logging.logfile == "/var/log/corosync/corosync.log"
    assert c.logging.timestamp is None  # "#timestamp: hires" is a comment
    assert [(n.name, n.nodeid, n.ring_addrs) for n in c.nodes] == [("node1", 1, {0: "127.0.0.1"})]
    assert c.quorum.provider == "corosync_votequorum"


def test_debian_default_keeps_corosync_line_numbers() -> None:
    """Items carry the line number corosync would report for them."""
    c = CorosyncConf.from_document(fixture("debian-bookworm-default.conf"))
    assert c.totem.lines["cluster_name"] == 8
    assert c.nodes[0].line == 52
    assert c.nodes[0].lines["ring0_addr"] == 58


def test_lab_capture_reads_as_the_running_cluster() -> None:
    """The lab's captured file gives three knet nodes, token 1000 and config_version 1."""
    c = CorosyncConf.from_document(fixture("lab-3node-knet.conf"))
    assert (c.totem.token, c.totem.config_version, c.totem.transport) == (1000, 1, "knet")
    assert c.totem.secauth == "on"
    assert [i.linknumber for i in c.totem.interfaces] == [0]
    assert [(n.name, n.nodeid, n.quorum_votes) for n in c.nodes] == [
        ("qbcap1", 1, 1),
        ("qbcap2", 2, 1),
        ("qbcap3", 3, 1),
    ]


def test_truncated_lab_file_has_no_totem() -> None:
    """The cut-short capture parses but has neither quorum nor totem."""
    c = CorosyncConf.from_document(fixture("lab-truncated.conf"))
    assert c.sections == ("logging", "nodelist")
    assert c.totem.version is None


def test_pve_two_link_file_reads_links_and_priorities() -> None:
    """Two interface sections and ring1_addr come out per link."""
    c = CorosyncConf.from_document(fixture("pve-3node-2links.conf"))
    assert [(i.linknumber, i.knet_link_priority) for i in c.totem.interfaces] == [(0, 20), (1, 10)]
    assert c.totem.token_coefficient == 125
    assert c.nodes[2].ring_addrs == {0: "192.0.2.23", 1: "198.51.100.23"}


def test_pcs_file_reads_two_node_and_host_names() -> None:
    """pcs's two-node file gives two_node 1 and host names as ring0_addr."""
    c = CorosyncConf.from_document(fixture("pcs-2node-two_node.conf"))
    assert c.quorum.two_node == 1
    assert [n.ring_addr(0) for n in c.nodes] == ["node-a", "node-b"]
    assert c.totem.raw["cluster_uuid"] == "8e6e2c4b3f0a4d9c9a1b2c3d4e5f6a7b"


def test_udpu_legacy_file_reads_nodes_without_ids() -> None:
    """The udpu file gives five nodes known only by ring0_addr."""
    c = CorosyncConf.from_document(fixture("udpu-5node-legacy.conf"))
    assert c.totem.effective_transport == "udpu"
    assert [n.nodeid for n in c.nodes] == [None] * 5
    assert c.nodes[4].label == "10.20.0.5"


def test_crlf_file_values_carry_no_carriage_return() -> None:
    """CRLF line endings and trailing blanks are not part of any value."""
    c = CorosyncConf.from_document(fixture("pve-3node-crlf.conf"))
    assert (c.totem.secauth, c.totem.version, c.totem.cluster_name) == ("on", 2, "prod")


# --- grammar details ---------------------------------------------------------------------------


def test_inline_comment_is_part_of_the_value() -> None:
    """corosync has no inline comments: '# ms' stays in the value, so token is not a number."""
    c = conf("totem {\n\ttoken: 3000 # ms\n}\n")
    assert c.totem.raw["token"] == "3000 # ms"
    assert c.totem.token is None


def test_whole_line_comment_may_be_indented() -> None:
    """A line whose first non-blank character is '#' is a comment, however indented."""
    doc = parsed("totem {\n   \t# version: 3\n\tversion: 2\n}\n")
    assert doc.lines[1].kind is LineKind.COMMENT
    assert CorosyncConf.from_document(doc).totem.version == 2


def test_key_and_value_are_stripped_of_blanks() -> None:
    """Blanks around the key, the colon and the value do not belong to either."""
    doc = parsed("totem {\n  cluster_name \t:   two words  \n}\n")
    assert (doc.lines[1].name, doc.lines[1].value) == ("cluster_name", "two words")


def test_only_the_first_colon_splits() -> None:
    """Colons after the first one belong to the value (IPv6 addresses rely on it)."""
    c = conf("nodelist {\n node {\n  ring0_addr: fd00::1\n }\n}\n")
    assert c.nodes[0].ring_addr(0) == "fd00::1"


def test_section_name_drops_a_trailing_colon() -> None:
    """'totem: {' opens a section named totem, as remove_whitespace() strips the colon."""
    assert parsed("totem: {\n}\n").sections()[0].name == "totem"


def test_a_lone_colon_before_blanks_is_a_key() -> None:
    """': v' has the key ':' in corosync: remove_whitespace() never empties a 1-byte string."""
    assert parsed(": v\n").lines[0].name == ":"


def test_trailing_nbsp_byte_is_stripped_as_corosync_does() -> None:
    """corosync strips byte 0xA0, so a final UTF-8 'à' loses its second byte."""
    assert parsed("k: voilà\n").lines[0].value == "voil\udcc3"


def test_missing_final_newline_round_trips() -> None:
    """A last line without a newline is parsed and written back without one."""
    text = "totem {\n\tversion: 2\n}"
    assert parsed(text).text == text


def test_repeated_top_level_sections_add_up() -> None:
    """Two totem sections merge key by key, the later value winning, as in cmap."""
    c = conf("totem {\n version: 2\n token: 1000\n}\ntotem {\n token: 5000\n}\n")
    assert (c.totem.version, c.totem.token) == (2, 5000)


def test_empty_text_is_an_empty_document() -> None:
    """An empty file parses to a document with no sections."""
    assert parsed("").sections() == ()


# --- parser errors, one per message ------------------------------------------------------------


def test_missing_closing_brace_is_reported_at_the_last_line() -> None:
    """An unclosed section is reported at the last line read, as corosync does at EOF."""
    e = error("totem {\n\tversion: 2\n\n")
    assert (e.line, e.message) == (3, "Missing closing brace")


def test_unexpected_closing_brace() -> None:
    """A '}' at top level is 'Unexpected closing brace'."""
    e = error("totem {\n}\n}\n")
    assert (e.line, e.message) == (3, "Unexpected closing brace")


def test_extra_characters_after_opening_bracket() -> None:
    """Anything after '{' on the same line is refused."""
    e = error("logging {\n}\ntotem { version: 2 }\n")
    assert (e.line, e.message) == (3, "Extra characters after opening bracket '{'")


def test_extra_characters_around_closing_bracket() -> None:
    """A '}' line must hold nothing else."""
    e = error("totem {\n  version 2 }\n")
    assert (e.line, e.message) == (2, "Extra characters before or after closing bracket '}'")


def test_missing_section_name() -> None:
    """A '{' with nothing before it is refused."""
    e = error("\n  {\n}\n")
    assert (e.line, e.message) == (2, "Missing section name before opening bracket '{'")


def test_line_that_is_nothing_corosync_knows() -> None:
    """A line without '{', ':' or '}' is refused."""
    e = error("totem {\n\tversion 2\n}\n")
    assert (e.line, e.message) == (2, "Line is not opening or closing section or key value")


def test_empty_key_name() -> None:
    """':value' (colon first, no blank after it) has an empty key."""
    e = error("totem {\n:2\n}\n")
    assert (e.line, e.message) == (2, "Key name can't be empty")


def test_line_too_long() -> None:
    """A line of 511 bytes before its newline does not fit fgets' 512-byte buffer."""
    e = error("# ok\n" + "#" * 511 + "\n")
    assert (e.line, e.message) == (2, "Line too long")


def test_longest_line_that_fits() -> None:
    """510 bytes plus the newline still fit in one read."""
    assert isinstance(parse_conf("#" * 510 + "\n"), ConfDocument)


def test_unterminated_last_line_has_one_byte_less_room() -> None:
    """Without a newline, a 511-byte last line fills fgets' buffer before EOF: too long."""
    assert isinstance(parse_conf("#" * 510), ConfDocument)
    assert error("#" * 511).message == "Line too long"


def test_line_length_counts_bytes_not_characters() -> None:
    """A line of 300 two-byte characters is 600 bytes and too long."""
    assert error("# " + "é" * 300 + "\n").message == "Line too long"


def test_nul_inside_a_line_reads_as_too_long() -> None:
    """fgets keeps reading past a NUL but strlen stops at it, so the newline looks missing."""
    e = error("totem {\n  token: 1\x0000\n}\n")
    assert (e.line, e.message) == (2, "Line too long")


def test_section_path_too_long() -> None:
    """A section whose cmap path would reach 255 bytes is refused."""
    e = error("a" * 254 + " {\n}\n")
    assert (e.line, e.message) == (1, "Start of section makes total cmap path too long")


def test_key_path_too_long() -> None:
    """A key whose dotted path would reach 255 bytes is refused."""
    e = error("totem {\n" + "k" * 249 + ": 1\n}\n")
    assert (e.line, e.message) == (2, "New key makes total cmap path too long")


def test_error_formats_like_corosync() -> None:
    """corosync_style() prints 'parser error: <file>:<line>: <msg>'."""
    e = error("}\n")
    assert e.corosync_style("/etc/corosync/corosync.conf") == (
        "parser error: /etc/corosync/corosync.conf:1: Unexpected closing brace"
    )


def test_error_too_long_to_format() -> None:
    """A message that would overflow corosync's 384-byte buffer is replaced like corosync does."""
    assert error("}\n").corosync_style("/" + "d" * 400) == "Can't format parser error message"


# --- edits -------------------------------------------------------------------------------------

PATH = "/etc/pve/corosync.conf"


def test_set_totem_key_rewrites_only_the_value() -> None:
    """Changing a value keeps the key, indentation and everything else on disk."""
    before = fixture("lab-3node-knet.conf")
    after = set_totem_key(before, "token", "3000")
    assert after.text == before.text.replace("  token: 1000\n", "  token: 3000\n")


def test_set_totem_key_keeps_trailing_blanks_and_crlf() -> None:
    """Trailing blanks and CRLF around a replaced value stay as they were."""
    before = fixture("pve-3node-crlf.conf")
    after = set_totem_key(before, "secauth", "off")
    assert after.text == before.text.replace("secauth: on  \r\n", "secauth: off  \r\n")


def test_set_totem_key_inserts_in_sorted_place_in_pve_files() -> None:
    """A new key lands where pve-cluster's sorted writer would put it, two spaces deep."""
    after = set_totem_key(fixture("pve-3node.conf"), "token", "5000")
    assert "  secauth: on\n  token: 5000\n  version: 2\n" in after.text


def test_set_totem_key_appends_after_last_key_in_unsorted_files() -> None:
    """In Debian's unsorted totem the new key follows the last key, tab-indented."""
    after = set_totem_key(fixture("debian-bookworm-default.conf"), "token", "5000")
    assert "\tcrypto_hash: none\n\ttoken: 5000\n}\n" in after.text


def test_set_totem_key_in_crlf_file_writes_crlf() -> None:
    """A line added to a CRLF file ends in CRLF like its neighbours."""
    after = set_totem_key(fixture("pve-3node-crlf.conf"), "token", "5000")
    assert "  token: 5000\r\n" in after.text


def test_set_totem_key_changes_the_effective_occurrence() -> None:
    """With a key given twice, the last one (the one corosync uses) is changed."""
    before = parsed("totem {\n token: 1\n token: 2\n}\n")
    assert set_totem_key(before, "token", "9").text == "totem {\n token: 1\n token: 9\n}\n"


@pytest.mark.parametrize("value", ["a{b", "two\nlines", " padded", "padded\t"])
def test_set_totem_key_refuses_values_corosync_would_misread(value: str) -> None:
    """Values with '{', newlines or surrounding blanks would not read back, so they are refused."""
    with pytest.raises(ConfEditError):
        set_totem_key(fixture("pve-3node.conf"), "token", value)


def test_set_totem_key_refuses_a_value_corosync_would_cut() -> None:
    """A value ending in 'à' would lose its last byte to corosync, so the edit is refused."""
    with pytest.raises(ConfEditError, match="would not read back"):
        set_totem_key(fixture("pve-3node.conf"), "cluster_name", "voilà")


def test_set_totem_key_refuses_a_line_too_long() -> None:
    """A value that makes the line too long for corosync is refused with its reason."""
    with pytest.raises(ConfEditError, match="Line too long"):
        set_totem_key(fixture("pve-3node.conf"), "cluster_name", "x" * 600)


def test_set_totem_key_needs_a_totem_section() -> None:
    """Without a totem section there is nowhere sensible to put the key."""
    with pytest.raises(ConfEditError, match="no totem section"):
        set_totem_key(fixture("lab-truncated.conf"), "token", "3000")


def test_edits_leave_the_input_document_alone() -> None:
    """An edit returns a new document; the one passed in still has its old text."""
    before = fixture("pve-3node.conf")
    text = before.text
    set_totem_key(before, "token", "5000")
    assert before.text == text


def test_remove_totem_key_removes_every_occurrence() -> None:
    """Removing a key drops all its lines, so no earlier one takes over."""
    before = parsed("totem {\n token: 1\n version: 2\n token: 2\n}\n")
    assert remove_totem_key(before, "token").text == "totem {\n version: 2\n}\n"


def test_remove_missing_totem_key_changes_nothing() -> None:
    """Removing a key that is not there gives the same text back."""
    before = fixture("pve-3node.conf")
    assert remove_totem_key(before, "token").text == before.text


def test_set_ring_addr_by_name() -> None:
    """A node found by name gets its ring0_addr replaced in place."""
    after = set_ring_addr(fixture("pve-3node.conf"), "pve2", 0, "192.0.2.42")
    assert unified_diff(fixture("pve-3node.conf"), after, PATH).count("192.0.2.42") == 1
    assert CorosyncConf.from_document(after).nodes[1].ring_addr(0) == "192.0.2.42"


def test_set_ring_addr_by_nodeid_adds_a_link() -> None:
    """A node found by nodeid gets a new ring1_addr right after ring0_addr."""
    after = set_ring_addr(fixture("pve-3node.conf"), 3, 1, "198.51.100.13")
    assert "    ring0_addr: 192.0.2.13\n    ring1_addr: 198.51.100.13\n  }\n" in after.text


def test_set_ring_addr_on_unknown_node() -> None:
    """An unknown node is an error naming what was looked for."""
    with pytest.raises(ConfEditError, match="no node with name 'pve9'"):
        set_ring_addr(fixture("pve-3node.conf"), "pve9", 0, "192.0.2.99")


def test_set_ring_addr_on_ambiguous_node() -> None:
    """Two nodes with the same name are not guessed between."""
    doc = parsed("nodelist {\n node {\n  name: a\n }\n node {\n  name: a\n }\n}\n")
    with pytest.raises(ConfEditError, match="2 nodes have name 'a'"):
        set_ring_addr(doc, "a", 0, "192.0.2.1")


def test_add_node_copies_pve_style() -> None:
    """A node added to a pve-cluster file looks exactly like the ones pve-cluster writes."""
    before = fixture("pve-3node.conf")
    after = add_node(before, "pve4", 4, {0: "192.0.2.14"}, quorum_votes=1)
    assert unified_diff(before, after, PATH) == (
        f"--- {PATH}\n"
        f"+++ {PATH}\n"
        "@@ -22,6 +22,12 @@\n"
        "     quorum_votes: 1\n"
        "     ring0_addr: 192.0.2.13\n"
        "   }\n"
        "+  node {\n"
        "+    name: pve4\n"
        "+    nodeid: 4\n"
        "+    quorum_votes: 1\n"
        "+    ring0_addr: 192.0.2.14\n"
        "+  }\n"
        " }\n"
        " \n"
        " quorum {\n"
    )


def test_add_node_copies_tab_style() -> None:
    """A node added to Debian's file is tab-indented like node1."""
    after = add_node(fixture("debian-bookworm-default.conf"), "node2", 2, {0: "10.0.0.2"})
    assert "\t}\n\tnode {\n\t\tname: node2\n\t\tnodeid: 2\n\t\tring0_addr: 10.0.0.2\n\t}\n" in (
        after.text
    )


@pytest.mark.parametrize(
    ("name", "nodeid", "address", "reason"),
    [
        ("pve1", 9, "192.0.2.99", "a node named 'pve1' already exists"),
        ("pve9", 2, "192.0.2.99", "nodeid 2 is already used by pve2"),
        ("pve9", 9, "192.0.2.13", "address 192.0.2.13 is already used by pve3"),
    ],
)
def test_add_node_refuses_clashes(name: str, nodeid: int, address: str, reason: str) -> None:
    """A new node may not reuse a name, nodeid or address of an existing node."""
    with pytest.raises(ConfEditError, match=reason):
        add_node(fixture("pve-3node.conf"), name, nodeid, {0: address})


def test_remove_node_removes_its_block_only() -> None:
    """Removing a node deletes exactly its 'node { … }' lines."""
    before = fixture("pve-3node.conf")
    after = remove_node(before, "pve2")
    block = "  node {\n    name: pve2\n    nodeid: 2\n    quorum_votes: 1\n"
    assert after.text == before.text.replace(block + "    ring0_addr: 192.0.2.12\n  }\n", "")


def test_bump_config_version_adds_one() -> None:
    """config_version 3 becomes 4 and nothing else changes."""
    before = fixture("pve-3node.conf")
    after = bump_config_version(before)
    assert after.text == before.text.replace("config_version: 3\n", "config_version: 4\n")


def test_bump_config_version_adds_a_missing_one_as_1() -> None:
    """A file without config_version gets 'config_version: 1'."""
    after = bump_config_version(fixture("debian-bookworm-default.conf"))
    assert CorosyncConf.from_document(after).totem.config_version == 1


def test_bump_config_version_refuses_a_value_it_cannot_read() -> None:
    """A config_version corosync cannot read is not guessed at."""
    with pytest.raises(ConfEditError, match="cannot read as a number"):
        bump_config_version(parsed("totem {\n config_version: 3a\n}\n"))


def test_bump_config_version_refuses_to_wrap() -> None:
    """At the largest u64 there is no higher version; '-1' is that value to strtoull()."""
    with pytest.raises(ConfEditError, match="largest possible value"):
        bump_config_version(parsed("totem {\n config_version: -1\n}\n"))


def test_bump_config_version_beyond_64_bits_is_refused() -> None:
    """A version past 2**64 - 1 is unreadable to corosync and refused."""
    with pytest.raises(ConfEditError, match="cannot read"):
        bump_config_version(parsed(f"totem {{\n config_version: {2**64}\n}}\n"))


# --- diff --------------------------------------------------------------------------------------


def test_diff_shows_the_bump_exactly() -> None:
    """The preview of a bump is the unified diff of the two files, with three lines of context."""
    before = fixture("pve-3node.conf")
    assert unified_diff(before, bump_config_version(before), PATH) == (
        f"--- {PATH}\n"
        f"+++ {PATH}\n"
        "@@ -30,7 +30,7 @@\n"
        " \n"
        " totem {\n"
        "   cluster_name: prod\n"
        "-  config_version: 3\n"
        "+  config_version: 4\n"
        "   interface {\n"
        "     linknumber: 0\n"
        "   }\n"
    )


def test_diff_of_identical_files_is_empty() -> None:
    """Nothing to change means an empty preview."""
    doc = fixture("pve-3node.conf")
    assert unified_diff(doc, doc, PATH) == ""


def test_diff_marks_a_missing_final_newline() -> None:
    """A last line without newline is marked the way GNU diff marks it."""
    before = fixture("pve-3node-crlf.conf")
    after = parsed(before.text + "\r\n")
    assert unified_diff(before, after, PATH).endswith("-}\n\\ No newline at end of file\n+}\r\n")
