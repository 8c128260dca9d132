"""corosync.conf read exactly as corosync reads it, kept byte for byte so it can be written back.

The grammar is corosync's own line parser, ``parse_section()`` in ``exec/coroparse.c`` (current
main). Every line is one of: ignorable (blank, or ``#`` as the first non-blank character),
``name {``, ``}``, or ``key: value``; the first ``{`` on a line wins over ``:``, and an inline
``# ...`` after a value is part of the value. The few semantic rules that
corosync checks while reading (numbers, ``uidgid`` items, ...) are left to
``bot.corosync.validate``: this module is only the grammar.

corosync 3.1.7 (Debian 12, Proxmox VE 8) differs in two corners, as running its ``corosync -t``
on generated files showed: byte 0xA0 is not yet a blank there (corosync PR #724), and an empty
key is reported as ``Can't store key "" into icmap…`` rather than ``Key name can't be empty``.

The document is a concrete syntax tree: ``ConfDocument.lines`` keeps each original line with its
terminator, so ``doc.text`` is the input unchanged, and the section tree points into those lines.
Parsing never raises: it returns a ``ConfDocument`` or a ``ConfParseError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

# coroparse.c treats these bytes as blanks (0xA0 since PR #724, for pasted no-break spaces); it is
# a *byte*, so a UTF-8 "à" (C3 A0) ending a value loses its second byte. Hence we parse bytes.
_BLANK_BYTES = b" \t\xa0"
# parse_section() reads with fgets(line, 512, fp): at most 511 bytes per read, newline included.
_FGETS_MAX = 511
# ICMAP_KEYNAME_MAXLEN (include/corosync/icmap.h): a dotted path must stay below it.
_KEYNAME_MAXLEN = 255
# parse_section() formats errors into a 384-byte buffer and gives up when they do not fit.
_ERROR_BUFFER = 384


class LineKind(StrEnum):
    """What corosync makes of one line."""

    BLANK = "blank"
    COMMENT = "comment"
    OPEN = "open"
    CLOSE = "close"
    ITEM = "item"


class ConfParseError(BaseModel):
    """Why corosync would refuse the file: the line it stopped at and its own message."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["conf-parse-error"] = "conf-parse-error"
    line: int
    """corosync's line number (1-based) of the line it stopped at."""
    message: str
    """corosync's exact message, e.g. ``Missing closing brace``."""

    def corosync_style(self, filename: str) -> str:
        """The error as corosync logs it: ``parser error: <file>:<line>: <msg>``."""
        text = f"parser error: {filename}:{self.line}: {self.message}"
        if len(_c_bytes(text)) >= _ERROR_BUFFER:
            # snprintf into formated_err[384] would truncate; coroparse.c says this instead.
            return "Can't format parser error message"
        return text


@dataclass(frozen=True, slots=True)
class ConfLine:
    """One physical line of the file, exactly as written, and what corosync saw in it."""

    text: str
    """The line with its terminator (``\\n``, ``\\r\\n`` or none on a last unterminated line)."""
    number: int
    """corosync's line number: position + 1, unless a NUL-led overlong line came before."""
    kind: LineKind
    name: str = ""
    """The section name (``OPEN``) or key (``ITEM``) as corosync stores it."""
    value: str = ""
    """The value (``ITEM``), stripped as corosync strips it."""

    @property
    def eol(self) -> str:
        if self.text.endswith("\r\n"):
            return "\r\n"
        return "\n" if self.text.endswith("\n") else ""

    @property
    def indent(self) -> str:
        """The leading spaces and tabs."""
        return self.text[: len(self.text) - len(self.text.lstrip(" \t"))]


@dataclass(frozen=True, slots=True)
class ConfItem:
    """A ``key: value`` line inside a section."""

    key: str
    value: str
    index: int
    """Position of the line in ``ConfDocument.lines``."""
    number: int
    """corosync's line number."""


@dataclass(frozen=True, slots=True)
class ConfSection:
    """A ``name { ... }`` block; the document itself is the root section with an empty name."""

    name: str
    path: str
    """Dotted cmap-style path, e.g. ``totem.interface``."""
    open_index: int
    """Position of the ``name {`` line; -1 for the root."""
    close_index: int
    """Position of the ``}`` line; -1 for the root."""
    number: int
    """corosync's line number of the ``name {`` line; 0 for the root."""
    children: tuple[ConfItem | ConfSection, ...]

    @property
    def items(self) -> tuple[ConfItem, ...]:
        return tuple(c for c in self.children if isinstance(c, ConfItem))

    def sections(self, name: str | None = None) -> tuple[ConfSection, ...]:
        """Direct sub-sections, all or only those called ``name``."""
        return tuple(
            c for c in self.children if isinstance(c, ConfSection) and name in (None, c.name)
        )

    def last_item(self, key: str) -> ConfItem | None:
        """The item corosync uses for ``key``: the last one, as later keys overwrite earlier."""
        found = [i for i in self.items if i.key == key]
        return found[-1] if found else None

    def get(self, key: str) -> str | None:
        item = self.last_item(key)
        return None if item is None else item.value


@dataclass(frozen=True, slots=True)
class ConfDocument:
    """A parsed corosync.conf: every original line plus the section tree over them."""

    lines: tuple[ConfLine, ...]
    root: ConfSection

    @property
    def text(self) -> str:
        """The file exactly as parsed (or as edited)."""
        return "".join(line.text for line in self.lines)

    def sections(self, name: str | None = None) -> tuple[ConfSection, ...]:
        """Top-level sections, all or only those called ``name``."""
        return self.root.sections(name)


def parse_conf(text: str) -> ConfDocument | ConfParseError:
    """Parse corosync.conf text the way corosync does; never raises."""
    parser = _Parser()
    physical = _physical_lines(text)
    for position, line_text in enumerate(physical):
        is_last = position == len(physical) - 1
        error = parser.feed(line_text, is_last)
        if error is not None:
            return error
    return parser.finish()


def split_lines(text: str) -> list[str]:
    """Split on ``\\n`` only (as fgets does), keeping terminators; ``"".join`` restores the text."""
    return _physical_lines(text)


def _physical_lines(text: str) -> list[str]:
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _c_bytes(text: str) -> bytes:
    """The bytes corosync would read; lone surrogates from undecodable input map back to bytes."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def _c_str(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _fgets_records(data: bytes, at_eof: bool) -> Iterator[tuple[bytes, bool]]:
    """What successive fgets(…, 512, …) calls return for one line, and feof() after each."""
    pos = 0
    while pos < len(data):
        chunk = data[pos : pos + _FGETS_MAX]
        newline = chunk.find(b"\n")
        if newline != -1:
            chunk = chunk[: newline + 1]
        pos += len(chunk)
        # feof() only turns true when fgets ran into the end of the file before filling the
        # buffer; a full 511-byte read stops short of it even when nothing follows.
        hit_eof = at_eof and pos == len(data) and not chunk.endswith(b"\n")
        yield chunk, hit_eof and len(chunk) < _FGETS_MAX


def _remove_whitespace(data: bytes, strip_colon_and_brace: bool) -> bytes:
    """coroparse.c remove_whitespace(), including its refusal to shorten a 1-byte string."""
    if not data:
        return b""
    rest = data.lstrip(_BLANK_BYTES)
    if not rest:
        return b""
    strip = _BLANK_BYTES + (b":{" if strip_colon_and_brace else b"")
    end = len(rest) - 1
    while end > 0 and rest[end] in strip:
        end -= 1
    return rest[: end + 1]


def _split_at(line: bytes, marker: bytes) -> tuple[bytes, bytes]:
    """strchr_rs() plus ``*(loc-1) = '\\0'``: the text before and after ``marker``.

    corosync skips blanks after the marker and then cuts one byte *before* where it landed, so
    the "before" part keeps the marker whenever blanks followed it (``a: b`` -> ``a:``), and
    remove_whitespace() strips it again unless it is the only byte left (``: b`` -> key ``:``).
    """
    loc = line.index(marker) + 1
    while loc < len(line) and line[loc] in _BLANK_BYTES:
        loc += 1
    return line[: loc - 1], line[loc:]


@dataclass
class _Open:
    name: str
    path: bytes
    open_index: int
    number: int
    children: list[ConfItem | ConfSection]


class _Parser:
    """parse_section() unrolled into a loop over lines, with an explicit stack of sections."""

    def __init__(self) -> None:
        self.lines: list[ConfLine] = []
        self.number = 0
        self.stack: list[_Open] = [_Open("", b"", -1, 0, [])]

    def feed(self, line_text: str, is_last: bool) -> ConfParseError | None:
        records = list(_fgets_records(_c_bytes(line_text), at_eof=is_last))
        for position, (record, hit_eof) in enumerate(records):
            self.number += 1
            outcome = self._record(record, hit_eof, line_text)
            if isinstance(outcome, ConfParseError):
                return outcome
            # Only a record whose C string is empty (a NUL first) can precede another record
            # of the same line without being "Line too long"; it is ignored like a blank line.
            if position == len(records) - 1:
                self._accept(outcome)
        return None

    def finish(self) -> ConfDocument | ConfParseError:
        if len(self.stack) > 1:
            return ConfParseError(line=self.number, message="Missing closing brace")
        root = self.stack[0]
        return ConfDocument(
            lines=tuple(self.lines),
            root=ConfSection("", "", -1, -1, 0, tuple(root.children)),
        )

    def _error(self, message: str) -> ConfParseError:
        return ConfParseError(line=self.number, message=message)

    def _record(self, record: bytes, hit_eof: bool, line_text: str) -> ConfLine | ConfParseError:
        line = record.split(b"\0", 1)[0]  # C string functions stop at the first NUL
        if line:
            if not line.endswith(b"\n") and not hit_eof:
                return self._error("Line too long")
            line = line.removesuffix(b"\n").removesuffix(b"\r")
        line = line.rstrip(_BLANK_BYTES)
        content = line.lstrip(_BLANK_BYTES)
        if not content:
            return ConfLine(line_text, self.number, LineKind.BLANK)
        if content.startswith(b"#"):
            return ConfLine(line_text, self.number, LineKind.COMMENT)
        if b"{" in line:
            return self._open(line, line_text)
        if b":" in line:
            return self._item(line, line_text)
        if b"}" in line:
            if _remove_whitespace(line, False) != b"}":
                return self._error("Extra characters before or after closing bracket '}'")
            if len(self.stack) == 1:
                return self._error("Unexpected closing brace")
            return ConfLine(line_text, self.number, LineKind.CLOSE)
        return self._error("Line is not opening or closing section or key value")

    def _open(self, line: bytes, line_text: str) -> ConfLine | ConfParseError:
        before, after = _split_at(line, b"{")
        section = _remove_whitespace(before, True)
        if not section:
            return self._error("Missing section name before opening bracket '{'")
        if _remove_whitespace(after, False):
            return self._error("Extra characters after opening bracket '{'")
        if len(self.stack[-1].path) + len(section) + 1 >= _KEYNAME_MAXLEN:
            return self._error("Start of section makes total cmap path too long")
        return ConfLine(line_text, self.number, LineKind.OPEN, name=_c_str(section))

    def _item(self, line: bytes, line_text: str) -> ConfLine | ConfParseError:
        before, after = _split_at(line, b":")
        key = _remove_whitespace(before, True)
        value = _remove_whitespace(after, False)
        if not key:
            return self._error("Key name can't be empty")
        if len(self.stack[-1].path) + len(key) + 1 >= _KEYNAME_MAXLEN:
            return self._error("New key makes total cmap path too long")
        return ConfLine(
            line_text, self.number, LineKind.ITEM, name=_c_str(key), value=_c_str(value)
        )

    def _accept(self, line: ConfLine) -> None:
        index = len(self.lines)
        self.lines.append(line)
        top = self.stack[-1]
        if line.kind is LineKind.ITEM:
            top.children.append(ConfItem(line.name, line.value, index, line.number))
        elif line.kind is LineKind.OPEN:
            name = _c_bytes(line.name)
            path = top.path + b"." + name if top.path else name
            self.stack.append(_Open(line.name, path, index, line.number, []))
        elif line.kind is LineKind.CLOSE:
            done = self.stack.pop()
            self.stack[-1].children.append(
                ConfSection(
                    done.name,
                    _c_str(done.path),
                    done.open_index,
                    index,
                    done.number,
                    tuple(done.children),
                )
            )
