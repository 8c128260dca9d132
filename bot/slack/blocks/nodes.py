"""`/quorum nodes`: a cluster's nodes as a monospaced table. Pure.

A code block keeps the columns aligned on every client; it is split over several sections
(3,000 characters each) and ends with "…and N more" when the nodes outgrow the message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from bot.model import Cluster, Node
from bot.slack.blocks.message import BLOCK_TEXT_BUDGET, Message, header, message, pack, section
from bot.slack.blocks.mrkdwn import FENCE, NAME_MAX, clip, mrkdwn, names
from bot.slack.limits import MAX_BLOCKS, block_text_length

COLUMNS: Final = ("name", "nodeid", "ring addresses", "ssh", "host key trusted")
ADDRESSES_MAX: Final = 60
SSH_MAX: Final = 80
ROW_MAX: Final = 600
"""A row as sent: escaping inside the code block can make it longer than it shows."""
MORE_RESERVE: Final = 100


def nodes_message(cluster: Cluster) -> Message:
    """Name, nodeid, ring addresses, SSH address and whether its host key is trusted, per node."""
    title = header(f"Nodes of {cluster.name} ({len(cluster.nodes)})")
    name = mrkdwn(cluster.name, NAME_MAX)
    if not cluster.nodes:
        empty = section(f"The inventory has no nodes for {name}.")
        return message("nodes", f"{name}: no nodes", [title, empty])

    head, *body = _lines([COLUMNS, *(_row(node) for node in cluster.nodes)])
    tables, shown = pack(
        body,
        lambda rows: f"{FENCE}\n" + "\n".join([head, *rows]) + f"\n{FENCE}",
        budget=BLOCK_TEXT_BUDGET - block_text_length([title]) - MORE_RESERVE,
        most=MAX_BLOCKS["message"] - 2,  # the header, and the "…and N more" line
    )
    blocks = [title, *tables]
    if shown < len(body):
        blocks.append(section(f"…and {len(body) - shown} more nodes not shown."))
    text = f"{name}: " + names([n.name for n in cluster.nodes], 2_000)
    return message("nodes", text, blocks)


def _row(node: Node) -> tuple[str, ...]:
    ssh = f"{node.user}@{node.address}:{node.port}" + (f" via {node.jump}" if node.jump else "")
    return (
        _cell(node.name, NAME_MAX),
        "-" if node.nodeid is None else str(node.nodeid),
        _cell(", ".join(node.ring_addrs), ADDRESSES_MAX) or "-",
        _cell(ssh, SSH_MAX),
        "yes" if node.host_key else "no",
    )


def _cell(text: str, most: int) -> str:
    """One line of ``text``: a newline would break the table's row."""
    return clip(" ".join(text.splitlines()), most)


def _lines(rows: Sequence[tuple[str, ...]]) -> list[str]:
    """Rows padded into columns (by how they show), then made safe for the code block."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    padded = ("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows)
    return [mrkdwn(line.rstrip(), ROW_MAX) for line in padded]
