"""``corosync-quorumtool -s`` / ``-siH`` / ``-l`` read into typed values, never raising.

Formats are ``display_quorum_data()`` and ``display_nodes_data()`` in corosync's
``tools/corosync-quorumtool.c``. What matters for parsing:

- ``-s`` prints "Quorum information", then (with votequorum) "Votequorum information", then the
  membership table; ``-l`` prints only the table, preceded by an empty line.
- ``Node ID:`` and the Nodeid column are ``%u`` (right-aligned in 10 columns) or ``0x%08x``
  with ``-H``. ``Ring ID:`` is ``%x.%lx`` (hex) in 3.x; 2.x printed ``%d/%lu``.
- ``Quorum:`` is ``"%d %s"`` with ``" "`` when quorate (two trailing blanks) and
  ``"Activity blocked"`` when not; every flag on ``Flags:`` is followed by a blank.
- A Qdevice column (``A|NA,V|NV,MW|NMW`` or ``NR``) appears when a qdevice is registered or with
  ``-p``; the qdevice itself is a last row with nodeid 0, an empty Qdevice cell and
  ``" (votes N)"`` after its name when it does not cast its vote.
- Exit status of ``-s`` in 3.x (seen on 3.1.7): 0 quorate, 2 not quorate, 1 error; when
  corosync is not there ``init_all()`` writes ``Cannot initialize CMAP service`` (or QUORUM, or
  ``Cannot initialise CFG|VOTEQUORUM service``) to stderr and exits 1. corosync 2.x's
  ``show_status()`` returned ``is_quorate`` (1 when quorate), so the text wins over the exit
  status when both are there.

``CorosyncNotRunning`` lives here because quorumtool is the tool asked first; cfgtool, cmapctl
and pvecm parsers return the same value for their own "cannot connect" messages.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.corosync.unparsed import Unparsed

NodeidFormat = Literal["decimal", "hex"]


class CorosyncNotRunning(BaseModel):
    """A corosync tool could not reach the daemon: corosync is stopped, crashed or starting.

    quorumtool prints the same words when the caller lacks the rights to corosync's IPC (not
    root); cfgtool and cmapctl print the CS error code, and only ``CS_ERR_LIBRARY`` (no socket)
    becomes this value.
    """

    model_config = ConfigDict(frozen=True)

    kind: Literal["corosync-not-running"] = "corosync-not-running"
    tool: str
    message: str
    """The tool's own line, e.g. ``Cannot initialize CMAP service``."""
    error: str | None = None
    """``CS_ERR_LIBRARY`` or ``2`` when printed: the IPC socket was not there."""
    exit_status: int | None = None


class RingId(BaseModel):
    """The membership ring: representative node and sequence number."""

    model_config = ConfigDict(frozen=True)

    rep_nodeid: int | None
    """None when quorumtool ran without votequorum and printed only the sequence."""
    seq: int
    text: str
    """As printed, e.g. ``1.25`` (3.x, hex) or ``1/24`` (2.x, decimal)."""


class QdeviceState(BaseModel):
    """One member's view of the quorum device, the ``A,V,NMW`` cell."""

    model_config = ConfigDict(frozen=True)

    registered: bool
    """False for ``NR``: no qdevice registered on that node."""
    alive: bool = False
    casts_vote: bool = False
    master_wins: bool = False
    text: str


class QuorumMember(BaseModel):
    """One row of the membership table."""

    model_config = ConfigDict(frozen=True)

    nodeid: int
    votes: int | None
    """None when the table has no Votes column (quorum provider is not votequorum)."""
    qdevice: QdeviceState | None
    """None when the table has no Qdevice column."""
    name: str
    """Node name, or its address(es) with ``-i`` (``a, b`` with ``-a``); may be empty."""
    local: bool


class QdeviceRow(BaseModel):
    """The quorum device's own row (nodeid 0) at the end of the table."""

    model_config = ConfigDict(frozen=True)

    votes: int
    """Votes counted now: 0 when this node's qdevice does not cast its vote."""
    name: str
    configured_votes: int | None = None
    """The ``(votes N)`` suffix, printed only when the device does not cast its vote."""


class QuorumList(BaseModel):
    """The membership table: ``corosync-quorumtool -l`` or the end of ``-s``."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["quorumtool-list"] = "quorumtool-list"
    nodeid_format: NodeidFormat
    columns: tuple[str, ...]
    """The header words, e.g. ``("Nodeid", "Votes", "Qdevice", "Name")``."""
    members: tuple[QuorumMember, ...]
    qdevice: QdeviceRow | None = None
    unparsed_lines: tuple[str, ...] = ()

    def local(self) -> QuorumMember | None:
        """The row marked ``(local)``."""
        return next((m for m in self.members if m.local), None)

    def nodeids(self) -> tuple[int, ...]:
        return tuple(sorted(m.nodeid for m in self.members))


class VotequorumInfo(BaseModel):
    """The "Votequorum information" block."""

    model_config = ConfigDict(frozen=True)

    expected_votes: int | None = None
    highest_expected: int | None = None
    total_votes: int | None = None
    quorum: int | None = None
    activity_blocked: bool = False
    """``Activity blocked`` after the quorum number: this partition may not act."""
    flags: tuple[str, ...] = ()
    """As printed: 2Node Quorate WaitForAll LastManStanding AutoTieBreaker AllowDownscale
    Qdevice."""

    def has_flag(self, flag: str) -> bool:
        return flag in self.flags


class QuorumStatus(BaseModel):
    """``corosync-quorumtool -s`` (or ``-siH``)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["quorumtool-status"] = "quorumtool-status"
    date: str | None = None
    """ctime() of the node, in its own time zone: kept as text."""
    provider: str | None = None
    """``corosync_votequorum``, or ``Not configured``."""
    nodes: int | None = None
    local_nodeid: int | None = None
    nodeid_format: NodeidFormat = "decimal"
    ring_id: RingId | None = None
    quorate: bool | None = None
    votequorum: VotequorumInfo | None = None
    membership: QuorumList | None = None
    exit_status: int = 0
    unparsed_lines: tuple[str, ...] = ()

    @property
    def quorate_by_exit(self) -> bool | None:
        """What the exit status says (3.x): 0 quorate, 2 not quorate, anything else unknown."""
        return {0: True, 2: False}.get(self.exit_status)

    @property
    def is_quorate(self) -> bool | None:
        """The ``Quorate:`` line, else the exit status."""
        return self.quorate if self.quorate is not None else self.quorate_by_exit


# tools/corosync-quorumtool.c init_all(); cfgtool and cmapctl have their own wording.
_NOT_RUNNING = re.compile(
    r"^(Cannot initiali[sz]e (?:CMAP|QUORUM|CFG|VOTEQUORUM) service)\s*$", re.MULTILINE
)
_MEMBERSHIP = "Membership information"
_HEADINGS = frozenset({"Quorum information", "Votequorum information", _MEMBERSHIP})
_KEYS = frozenset(
    {
        "Date",
        "Quorum provider",
        "Nodes",
        "Node ID",
        "Ring ID",
        "Quorate",
        "Expected votes",
        "Highest expected",
        "Total votes",
        "Quorum",
        "Flags",
    }
)
_VOTEQUORUM_KEYS = frozenset(
    {"Expected votes", "Highest expected", "Total votes", "Quorum", "Flags"}
)
# Underlines are dashes on a terminal; pve-docs renders them as ~~~ (asciidoc).
_UNDERLINE = re.compile(r"^\s*[-~]{4,}\s*$")
_FIELD = re.compile(r"^(?P<key>[A-Za-z][A-Za-z ]*?):[ \t]*(?P<value>.*?)\s*$")
_NODEID = r"0x[0-9a-fA-F]{1,8}|[0-9]{1,10}"
_NUMBER = re.compile(rf"^(?:{_NODEID})$", re.ASCII)
_ROW = re.compile(rf"^\s*(?P<nodeid>{_NODEID})(?:[ \t]+(?P<rest>.*?))?[ \t]*$", re.ASCII)
_VOTES = re.compile(r"^(?P<votes>[0-9]{1,10})(?:[ \t]+(?P<rest>.*))?$", re.ASCII)
# snprintf(buf, sizeof(buf) - 1) into char buf[10] keeps 8 characters: "NA,NV,NMW" is
# printed as "NA,NV,NM" (display_nodes_data in tools/corosync-quorumtool.c).
_QDEVICE_CELL = re.compile(r"^(?:NR|N?A,N?V,(?:N?MW|NM))$")
_VOTES_SUFFIX = re.compile(r"^(?P<name>.*?) \(votes (?P<votes>-?[0-9]{1,10})\)$", re.ASCII)
_RING_ID = re.compile(
    r"^(?:(?P<hrep>[0-9a-f]{1,8})\.(?P<hseq>[0-9a-f]{1,16})"
    r"|(?P<drep>[0-9]{1,10})/(?P<dseq>[0-9]{1,20})|(?P<seq>[0-9]{1,20}))$",
    re.ASCII,
)
_QUORUM = re.compile(r"^(?P<quorum>[0-9]{1,10})\s*(?P<blocked>Activity blocked)?$", re.ASCII)


def not_running(tool: str, stdout: str, stderr: str, exit_status: int) -> CorosyncNotRunning | None:
    """quorumtool's "cannot connect" message, in stderr or (2>&1 captures) stdout."""
    found = _NOT_RUNNING.search(stderr) or _NOT_RUNNING.search(stdout)
    if found is None:
        return None
    return CorosyncNotRunning(tool=tool, message=found.group(1), exit_status=exit_status)


# include/corosync/corotypes.h: cs_error_t values the tools print as numbers or names.
_CS_ERR_LIBRARY = frozenset({"2", "CS_ERR_LIBRARY"})
_CS_ERR_ACCESS = frozenset({"11", "CS_ERR_ACCESS"})


def api_unavailable(
    tool: str, pattern: re.Pattern[str], stdout: str, stderr: str, exit_status: int
) -> CorosyncNotRunning | Unparsed | None:
    """A tool's "could not initialize" line (groups ``message`` and ``error``), if it has one.

    ``CS_ERR_LIBRARY`` means the IPC socket is missing: corosync is not running. Other codes
    mean it runs but refused us, which callers must not report as "down".
    """
    found = pattern.search(stderr) or pattern.search(stdout)
    if found is None:
        return None
    message, error = found["message"], found["error"]
    if error in _CS_ERR_LIBRARY:
        return CorosyncNotRunning(tool=tool, message=message, error=error, exit_status=exit_status)
    hint = ": run it as root" if error in _CS_ERR_ACCESS else ""
    reason = f"corosync refused the connection ({message}){hint}"
    return Unparsed(tool=tool, reason=reason, raw=stdout or stderr)


def failure(tool: str, stdout: str, stderr: str, exit_status: int, what: str) -> Unparsed:
    """An Unparsed naming what was missing, with the exit status and stderr's last line."""
    said = stderr.strip().splitlines()[-1] if stderr.strip() else ""
    reason = f"{what} (exit status {exit_status}" + (f", stderr: {said})" if said else ")")
    return Unparsed(tool=tool, reason=reason, raw=stdout or stderr)


def _number(text: str) -> int | None:
    """A decimal or ``0x`` hex number as quorumtool prints node ids and counts."""
    if not _NUMBER.match(text):
        return None
    return int(text, 16) if text.startswith("0x") else int(text)


def _ring_id(text: str) -> RingId | None:
    found = _RING_ID.match(text)
    if found is None:
        return None
    if found["hseq"] is not None:
        return RingId(rep_nodeid=int(found["hrep"], 16), seq=int(found["hseq"], 16), text=text)
    if found["dseq"] is not None:
        return RingId(rep_nodeid=int(found["drep"]), seq=int(found["dseq"]), text=text)
    return RingId(rep_nodeid=None, seq=int(found["seq"]), text=text)


def _qdevice_cell(text: str) -> QdeviceState | None:
    if not _QDEVICE_CELL.match(text):
        return None
    if text == "NR":
        return QdeviceState(registered=False, text=text)
    alive, vote, master = text.split(",")
    return QdeviceState(
        registered=True,
        alive=alive == "A",
        casts_vote=vote == "V",
        master_wins=master == "MW",
        text=text,
    )


def _row(line: str, columns: tuple[str, ...]) -> QuorumMember | QdeviceRow | None:
    """One table row, read column by column as print_string_padded() wrote them."""
    row = _ROW.match(line)
    nodeid = _number(row["nodeid"]) if row else None
    if row is None or nodeid is None:
        return None
    rest = row["rest"] or ""
    votes: int | None = None
    if "Votes" in columns:
        found = _VOTES.match(rest)
        if found is None:
            return None
        votes, rest = int(found["votes"]), (found["rest"] or "").strip()
    if nodeid == 0 and votes is not None:
        # The qdevice row leaves the Qdevice cell blank: the rest is its name.
        suffix = _VOTES_SUFFIX.match(rest)
        if suffix is None:
            return QdeviceRow(votes=votes, name=rest)
        return QdeviceRow(votes=votes, name=suffix["name"], configured_votes=int(suffix["votes"]))
    qdevice: QdeviceState | None = None
    if "Qdevice" in columns:
        cell, _, rest = rest.partition(" ")
        qdevice = _qdevice_cell(cell)
        if qdevice is None:
            return None
        rest = rest.strip()
    local = rest == "(local)" or rest.endswith(" (local)")
    name = rest.removesuffix("(local)").rstrip() if local else rest
    return QuorumMember(nodeid=nodeid, votes=votes, qdevice=qdevice, name=name, local=local)


def _table(lines: list[str]) -> tuple[QuorumList | None, list[str]]:
    """The table from its ``Nodeid ... Name`` header on, and the lines before that header."""
    before: list[str] = []
    unread: list[str] = []
    columns: tuple[str, ...] | None = None
    members: list[QuorumMember] = []
    qdevice: QdeviceRow | None = None
    for line in lines:
        words = tuple(line.split())
        if columns is None:
            if words[:1] == ("Nodeid",) and words[-1:] == ("Name",):
                columns = words
            elif line.strip() and line.strip() != _MEMBERSHIP and not _UNDERLINE.match(line):
                before.append(line)
            continue
        row = _row(line, columns) if line.strip() else None
        if isinstance(row, QdeviceRow) and qdevice is None:
            qdevice = row
        elif isinstance(row, QuorumMember):
            members.append(row)
        elif line.strip():
            unread.append(line)
    if columns is None:
        return None, before
    hex_ids = any(line.lstrip().startswith("0x") for line in lines)
    table = QuorumList(
        nodeid_format="hex" if hex_ids else "decimal",
        columns=columns,
        members=tuple(members),
        qdevice=qdevice,
        unparsed_lines=tuple(unread),
    )
    return table, before


def parse_quorumtool_list(
    stdout: str, stderr: str = "", exit_status: int = 0, *, tool: str = "corosync-quorumtool -l"
) -> QuorumList | CorosyncNotRunning | Unparsed:
    """Read ``corosync-quorumtool -l`` (and ``pvecm nodes``, which execs it)."""
    table, before = _table(stdout.splitlines())
    if table is not None:
        return table.model_copy(update={"unparsed_lines": (*before, *table.unparsed_lines)})
    return not_running(tool, stdout, stderr, exit_status) or failure(
        tool, stdout, stderr, exit_status, "no 'Nodeid ... Name' table header"
    )


def parse_quorumtool_status(
    stdout: str, stderr: str = "", exit_status: int = 0, *, tool: str = "corosync-quorumtool -s"
) -> QuorumStatus | CorosyncNotRunning | Unparsed:
    """Read ``corosync-quorumtool -s`` or ``-siH``, with the exit status it ended with."""
    lines = stdout.splitlines()
    split = next((i for i, ln in enumerate(lines) if ln.strip() == _MEMBERSHIP), len(lines))
    fields: dict[str, str] = {}
    unread: list[str] = []
    for line in lines[:split]:
        field = _FIELD.match(line)
        if field is not None and field["key"] in _KEYS:
            fields.setdefault(field["key"], field["value"])
        elif line.strip() and line.strip() not in _HEADINGS and not _UNDERLINE.match(line):
            unread.append(line)
    membership, before = _table(lines[split:]) if split < len(lines) else (None, [])
    unread.extend(before)
    if not fields and membership is None:
        return not_running(tool, stdout, stderr, exit_status) or failure(
            tool, stdout, stderr, exit_status, "no 'Quorum information' block"
        )
    node_id = fields.get("Node ID", "")
    return QuorumStatus(
        date=fields.get("Date"),
        provider=fields.get("Quorum provider"),
        nodes=_number(fields.get("Nodes", "")),
        local_nodeid=_number(node_id),
        nodeid_format="hex" if node_id.startswith("0x") else "decimal",
        ring_id=_ring_id(fields.get("Ring ID", "")),
        quorate={"Yes": True, "No": False}.get(fields.get("Quorate", "")),
        votequorum=_votequorum(fields) if _VOTEQUORUM_KEYS & set(fields) else None,
        membership=membership,
        exit_status=exit_status,
        unparsed_lines=tuple(unread),
    )


def _votequorum(fields: dict[str, str]) -> VotequorumInfo:
    quorum = _QUORUM.match(fields.get("Quorum", ""))
    return VotequorumInfo(
        expected_votes=_number(fields.get("Expected votes", "")),
        highest_expected=_number(fields.get("Highest expected", "")),
        total_votes=_number(fields.get("Total votes", "")),
        quorum=int(quorum["quorum"]) if quorum else None,
        activity_blocked=bool(quorum and quorum["blocked"]),
        flags=tuple(fields.get("Flags", "").split()),
    )
