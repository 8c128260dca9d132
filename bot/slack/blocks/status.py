"""One cluster at a glance (`/quorum status`) and every cluster on the App Home tab. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from bot.health import ClusterHealth, LinkSummary
from bot.model import Severity
from bot.slack.blocks.message import (
    Block,
    Message,
    context,
    divider,
    fields,
    header,
    message,
    section,
    slack_time,
    with_block_ids,
)
from bot.slack.blocks.mrkdwn import inline_code, mrkdwn, names
from bot.slack.blocks.severity import SEVERITY_STYLES, count_phrase, emoji
from bot.slack.limits import MAX_BLOCKS

TOP_SHOWN: Final = 3
FIELD_MAX: Final = 400
PROBLEM_MAX: Final = 300
PARTITIONS_SHOWN: Final = 6
# The Home tab holds 100 blocks: a header, a context line, a "more" line, two per cluster.
HOME_CLUSTERS_MAX: Final = (MAX_BLOCKS["home"] - 3) // 2


def status_message(health: ClusterHealth) -> Message:
    """Quorum, votes, members, links, incidents and the worst problems of one cluster."""
    facts = [
        f"*Quorum*\n{_quorum(health)}",
        f"*Votes*\n{_votes(health)}",
        f"*Members*\n{_members(health)}",
        f"*Links* (node -&gt; peer)\n{_links(health.links)}",
        f"*Open incidents*\n{health.open_incidents}",
        f"*Findings*\n{count_phrase(health.counts)}",
    ]
    if health.unreachable:
        facts.append(f"*SSH unreachable*\n{names(health.unreachable, FIELD_MAX)}")
    blocks = [header(_headline(health)), fields(*facts)]
    if health.partitions:
        blocks.append(section(_partitions(health)))
    blocks.append(section(_top_problems(health)))
    cluster = inline_code(f"/quorum diagnose {health.cluster}", 100)
    blocks.append(context(f"checked {slack_time(health.checked_at)} · {cluster} for evidence"))
    return message("status", _one_line(health), blocks)


def home_view(healths: Sequence[ClusterHealth]) -> dict[str, Any]:
    """The App Home tab: every cluster, worst first, one section each."""
    ordered = sorted(healths, key=lambda h: (-h.worst.rank, h.cluster))
    count = f"{len(ordered)} cluster{'' if len(ordered) == 1 else 's'}, worst first"
    hint = inline_code("/quorum status <cluster>", 100)
    blocks: list[Block] = [header("Cluster health"), context(f"{count} · {hint} for details")]
    if not ordered:
        add = inline_code("quorumbot inventory add-cluster", 100)
        blocks.append(section(f"No clusters in the inventory yet: add one with {add}."))
    for health in ordered[:HOME_CLUSTERS_MAX]:
        blocks += [section(_home_entry(health)), divider()]
    if len(ordered) > HOME_CLUSTERS_MAX:
        blocks.append(section(f"…and {len(ordered) - HOME_CLUSTERS_MAX} more: {hint}"))
    return {"type": "home", "blocks": with_block_ids("home", blocks)}


def _headline(health: ClusterHealth) -> str:
    return f"{emoji(health.worst)} {health.cluster}: {SEVERITY_STYLES[health.worst].verdict}"


def _one_line(health: ClusterHealth) -> str:
    """The cluster in one line: the status fallback text and the Home entry's first line."""
    parts = [
        _quorum(health),
        f"members {_members(health, detail=False)}",
        f"links {_links(health.links, detail=False)}",
        f"{health.open_incidents} open incident{'' if health.open_incidents == 1 else 's'}",
    ]
    return f"{mrkdwn(_headline(health), 200)} — " + ", ".join(parts)


def _quorum(health: ClusterHealth) -> str:
    if health.quorate is None:
        return ":grey_question: quorum unknown"
    return ":white_check_mark: quorate" if health.quorate else ":no_entry: NOT quorate"


def _votes(health: ClusterHealth) -> str:
    if health.total_votes is None or health.expected_votes is None:
        return "unknown"
    quorum = f", quorum {health.quorum}" if health.quorum is not None else ""
    return f"{health.total_votes} of {health.expected_votes} expected{quorum}"


def _members(health: ClusterHealth, *, detail: bool = True) -> str:
    if health.members is None:
        return f"?/{len(health.inventory)}"
    text = f"{len(health.members)}/{len(health.inventory)}"
    missing = names(health.missing, FIELD_MAX)
    if health.missing:
        text += f"\nmissing: {missing}" if detail else f" (missing {missing})"
    if health.strangers and detail:
        ids = ", ".join(str(i) for i in health.strangers[:20])
        text += f"\nnot in the inventory: nodeid {ids}"
    return text


def _links(links: LinkSummary, *, detail: bool = True) -> str:
    if not links.up and not links.down:
        return "unknown" if links.unread else "no peers"
    text = f"{links.up}/{links.up + links.down} up"
    if detail and links.down_pairs:
        text += f"\ndown: {names(links.down_pairs, FIELD_MAX)}"
    if detail and links.unread:
        text += f"\nnot read on {names(links.unread, FIELD_MAX)}"
    return text


def _partitions(health: ClusterHealth) -> str:
    lines = [f"*:scissors: Partitioned into {len(health.partitions)} sides*"]
    for side in health.partitions[:PARTITIONS_SHOWN]:
        state = "quorate" if side.quorate else "*NOT quorate*"
        see = "sees" if len(side.seen_by) == 1 else "see"
        seen_by, members = names(side.seen_by, FIELD_MAX), names(side.members, FIELD_MAX)
        lines.append(f"• {seen_by} {see} {members}: {state}")
    if len(health.partitions) > PARTITIONS_SHOWN:
        lines.append(f"_…and {len(health.partitions) - PARTITIONS_SHOWN} more sides_")
    return "\n".join(lines)


def _problem_count(health: ClusterHealth) -> int:
    return sum(n for s, n in health.counts.items() if s.rank >= Severity.WARNING.rank)


def _top_problems(health: ClusterHealth) -> str:
    if not health.top_problems:
        return f"{emoji(Severity.OK)} No problems found."
    lines = ["*Top problems*"]
    lines += [
        f"{emoji(f.severity)} {mrkdwn(f.summary, PROBLEM_MAX)}"
        for f in health.top_problems[:TOP_SHOWN]
    ]
    more = _problem_count(health) - min(len(health.top_problems), TOP_SHOWN)
    if more > 0:
        command = inline_code(f"/quorum diagnose {health.cluster}", 100)
        lines.append(f"_…and {more} more: {command}_")
    return "\n".join(lines)


def _home_entry(health: ClusterHealth) -> str:
    lines = [_one_line(health)]
    if health.top_problems:
        worst = health.top_problems[0]
        lines.append(f"{emoji(worst.severity)} {mrkdwn(worst.summary, PROBLEM_MAX)}")
    lines.append(f"_checked {slack_time(health.checked_at)}_")
    return "\n".join(lines)
