"""Properties of the corosync.conf parser, serializer and edits, over generated input."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.corosync.conf import (
    ConfDocument,
    ConfItem,
    ConfParseError,
    ConfSection,
    parse_conf,
    split_lines,
)
from bot.corosync.conf_edit import (
    add_node,
    bump_config_version,
    remove_node,
    set_ring_addr,
    set_totem_key,
    unified_diff,
)
from bot.corosync.conf_model import CorosyncConf
from bot.corosync.conf_values import U64_MAX

FIXTURES = Path(__file__).parent.parent / "fixtures" / "conf"
FAST = settings(max_examples=200, deadline=None)


def load(name: str) -> ConfDocument:
    doc = parse_conf((FIXTURES / name).read_bytes().decode("utf-8"))
    assert isinstance(doc, ConfDocument)
    return doc


# Every fixture with a totem section and nodes: not the captures cut short by the lab.
EDITABLE = [
    load(p.name)
    for p in sorted(FIXTURES.glob("*.conf"))
    if p.name not in ("lab-truncated.conf", "lab-cut-mid-line.conf")
]
documents = st.sampled_from(EDITABLE)


# --- a generator of valid corosync.conf files --------------------------------------------------


@dataclass(frozen=True)
class Item:
    key: str
    value: str


@dataclass(frozen=True)
class Section:
    name: str
    children: tuple[Item | Section | str, ...]  # str: a comment or blank line, verbatim


names = st.from_regex(r"[a-z_][a-z0-9_]{0,9}", fullmatch=True)
blanks = st.text(alphabet=" \t", max_size=3)
# Values: no '{' (it would open a section), no line breaks or NUL, no blanks at either end
# (corosync strips them, and strips a last UTF-8 byte 0xA0 as in "à" too); anything else,
# including ':', '}', '#' and non-ASCII, reads back as written.
values = (
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="{\n\r\x00"), max_size=30)
    .map(lambda v: v.strip(" \t"))
    .filter(lambda v: not v.encode().endswith(b"\xa0"))
)
trivia = st.one_of(
    blanks,
    # A NUL would end the C string early and read as "Line too long" (tested elsewhere).
    st.builds(
        lambda pad, text: f"{pad}#{text}",
        blanks,
        st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\n\r\x00"), max_size=20),
    ),
)


def sections(depth: int) -> st.SearchStrategy[Section]:
    child: st.SearchStrategy[Item | Section | str] = st.one_of(
        st.builds(Item, names, values), trivia
    )
    if depth > 0:
        child = st.one_of(child, st.deferred(lambda: sections(depth - 1)))
    return st.builds(Section, names, st.lists(child, max_size=5).map(tuple))


@st.composite
def rendered(draw: st.DrawFn) -> tuple[str, list[Section]]:
    """A valid file in a random style (indents, blanks, CRLF) and the tree it was built from."""
    tops = draw(st.lists(sections(2), max_size=4))
    out: list[str] = []

    def eol() -> str:
        return draw(st.sampled_from(["\n", "\n", "\r\n"]))

    def emit(section: Section, depth: int) -> None:
        pad = draw(st.sampled_from(["", "  ", "\t"])) * depth
        out.append(f"{pad}{section.name}{draw(blanks)}{{{draw(blanks)}{eol()}")
        for child in section.children:
            inner = pad + draw(st.sampled_from(["  ", "\t", "    "]))
            if isinstance(child, Item):
                sep = f"{draw(blanks)}:{draw(blanks)}"
                out.append(f"{inner}{child.key}{sep}{child.value}{draw(blanks)}{eol()}")
            elif isinstance(child, Section):
                emit(child, depth + 1)
            else:
                out.append(f"{child}{eol()}")
        out.append(f"{pad}}}{draw(blanks)}{eol()}")

    for top in tops:
        emit(top, 0)
    text = "".join(out)
    if draw(st.booleans()):
        text = text.rstrip("\r\n")  # no final newline
    return text, tops


def shape(children: tuple[Item | Section | str, ...]) -> list[object]:
    return [
        (c.key, c.value) if isinstance(c, Item) else (c.name, shape(c.children))
        for c in children
        if not isinstance(c, str)
    ]


def parsed_shape(section: ConfSection) -> list[object]:
    return [
        (c.key, c.value) if isinstance(c, ConfItem) else (c.name, parsed_shape(c))
        for c in section.children
    ]


# --- parsing and serializing -------------------------------------------------------------------


@FAST
@given(rendered())
def test_valid_files_round_trip_byte_for_byte(case: tuple[str, list[Section]]) -> None:
    """Any file in corosync's grammar, in any style, serializes back to the same bytes."""
    text, _ = case
    doc = parse_conf(text)
    assert isinstance(doc, ConfDocument)
    assert doc.text == text


@FAST
@given(rendered())
def test_valid_files_parse_to_the_tree_they_were_built_from(
    case: tuple[str, list[Section]],
) -> None:
    """Sections, keys and values come out as they were generated, whatever the layout."""
    text, tops = case
    doc = parse_conf(text)
    assert isinstance(doc, ConfDocument)
    assert parsed_shape(doc.root) == shape(tuple(tops))


grammar_noise = st.text(alphabet=list("ab:{}# \t\r\n\x00\xa0àé"), max_size=200)
any_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(exclude_categories=()), max_size=100),
    grammar_noise,
    st.builds(lambda a, n, b: a + "x" * n + b, grammar_noise, st.integers(400, 700), grammar_noise),
)


@FAST
@given(any_text)
def test_parse_never_raises_and_round_trips_what_it_accepts(text: str) -> None:
    """Arbitrary text gives a document that serializes back unchanged, or a parse error."""
    result = parse_conf(text)
    if isinstance(result, ConfDocument):
        assert result.text == text
    else:
        assert isinstance(result, ConfParseError)
        # Line numbers count fgets reads: at most one per line plus one per 511 bytes.
        reads = text.count("\n") + 1 + len(text.encode("utf-8", "surrogatepass")) // 511
        assert 1 <= result.line <= reads


# --- edits -------------------------------------------------------------------------------------

safe_values = st.from_regex(
    r"[A-Za-z0-9_./:-]([A-Za-z0-9_ ./:-]{0,20}[A-Za-z0-9_./:-])?", fullmatch=True
)
ipv4 = st.tuples(*[st.integers(1, 254)] * 4).map(lambda t: ".".join(map(str, t)))


def changed_lines(before: ConfDocument, after: ConfDocument) -> list[str]:
    diff = unified_diff(before, after, "f").splitlines()[2:]
    return [line for line in diff if line[:1] in "+-"]


@FAST
@given(documents, names, safe_values)
def test_set_totem_key_reads_back_and_touches_one_line(
    doc: ConfDocument, key: str, value: str
) -> None:
    """After setting a totem key, parsing gives that value and at most one line changed."""
    after = set_totem_key(doc, key, value)
    assert CorosyncConf.from_document(after).totem.raw[key] == value
    assert len([line for line in changed_lines(doc, after) if line[0] == "+"]) <= 1


@FAST
@given(documents, st.data(), st.integers(0, 7), ipv4)
def test_set_ring_addr_reads_back(
    doc: ConfDocument, data: st.DataObject, link: int, addr: str
) -> None:
    """After changing a node's ringX_addr, parsing gives the new address for that node."""
    conf = CorosyncConf.from_document(doc)
    assume(all(addr not in n.ring_addrs.values() for n in conf.nodes))
    node = data.draw(st.sampled_from(conf.nodes))
    ref: str | int = node.nodeid if node.nodeid is not None else node.label
    after = set_ring_addr(doc, ref, link, addr)
    changed = CorosyncConf.from_document(after).nodes[conf.nodes.index(node)]
    assert changed.ring_addr(link) == addr


@FAST
@given(documents, st.integers(100, 2**32 - 1), st.sets(st.integers(1, 7)))
def test_add_then_remove_node_restores_the_file(
    doc: ConfDocument, nodeid: int, more_links: set[int]
) -> None:
    """Adding a node makes it readable; removing it again gives back the original bytes."""
    # 203.0.113.0/24 (RFC 5737) appears in no fixture, so the addresses never clash.
    links = {link: f"203.0.113.{link}" for link in {0, *more_links}}
    added = add_node(doc, f"n{nodeid}", nodeid, links, quorum_votes=1)
    node = next(n for n in CorosyncConf.from_document(added).nodes if n.name == f"n{nodeid}")
    assert (node.nodeid, node.ring_addrs) == (nodeid, dict(sorted(links.items())))
    assert remove_node(added, f"n{nodeid}").text == doc.text


@FAST
@given(documents, st.integers(0, U64_MAX - 1))
def test_bump_config_version_is_monotonic(doc: ConfDocument, version: int) -> None:
    """Bumping sets config_version to exactly one more than before."""
    doc = set_totem_key(doc, "config_version", str(version))
    bumped = bump_config_version(doc)
    assert CorosyncConf.from_document(bumped).totem.config_version == version + 1


# --- diff --------------------------------------------------------------------------------------


def apply_unified_diff(original: str, diff: str) -> str:
    """Apply ``diff`` (as unified_diff writes it) to ``original``, checking every context line."""
    old = split_lines(original)
    hunks: list[tuple[int, int, list[list[str]]]] = []
    for line in split_lines(diff)[2:]:
        if line.startswith("@@"):
            match = re.match(r"@@ -(\d+)(?:,(\d+))? ", line)
            assert match is not None
            hunks.append((int(match.group(1)), int(match.group(2) or 1), []))
        elif line.startswith("\\"):
            hunks[-1][2][-1][1] = hunks[-1][2][-1][1].removesuffix("\n")
        else:
            hunks[-1][2].append([line[0], line[1:]])
    out: list[str] = []
    position = 0
    for start, length, ops in hunks:
        first = start if length == 0 else start - 1
        out += old[position:first]
        position = first
        for tag, text in ops:
            if tag in " -":
                assert old[position] == text
                position += 1
            if tag in " +":
                out.append(text)
    return "".join(out + old[position:])


Edit = Callable[[ConfDocument], ConfDocument]
edits: st.SearchStrategy[list[Edit]] = st.lists(
    st.one_of(
        st.builds(lambda k, v: lambda d: set_totem_key(d, k, v), names, safe_values),
        st.just(bump_config_version),
    ),
    min_size=1,
    max_size=4,
)


@FAST
@given(documents, edits, st.integers(0, 5))
def test_diff_applied_to_before_gives_after(
    doc: ConfDocument, steps: list[Edit], context: int
) -> None:
    """Applying the previewed diff to the old file yields exactly the new file."""
    after = doc
    for step in steps:
        after = step(after)
    diff = unified_diff(doc, after, "/etc/pve/corosync.conf", context=context)
    assert apply_unified_diff(doc.text, diff) == after.text
