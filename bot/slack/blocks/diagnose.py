"""`/quorum diagnose` as a message: worst first, with evidence and runbook buttons, within limits. Pure.

Layout: a header, a plain-language overview, then one section per finding grouped by severity
(its evidence as a code block, its runbook as a button), the OK results, and a context line.
When that does not fit in 50 blocks and the block-text budget, summaries win over evidence and
worse findings over milder ones; the message then says so, and the full plain-text report comes
back alongside it for the caller to attach in the thread.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from bot.diagnostics.report import Report
from bot.model import Finding, Severity
from bot.slack.blocks.buttons import RunbookRequest, runbook_button
from bot.slack.blocks.message import (
    BLOCK_TEXT_BUDGET,
    Block,
    Message,
    context,
    header,
    message,
    section,
    slack_time,
)
from bot.slack.blocks.mrkdwn import NAME_MAX, excerpt, fits, inline_code, mrkdwn, names
from bot.slack.blocks.report_text import plain_text_report
from bot.slack.blocks.severity import SEVERITY_STYLES, count_phrase, emoji
from bot.slack.limits import CUMULATIVE_BLOCK_TEXT_MAX, MAX_BLOCKS, block_text_length

EVIDENCE_LINES: Final = 10
EVIDENCE_LINE: Final = 180
SUMMARY_MAX: Final = 600
CHECK_ID_MAX: Final = 80
NODES_MAX: Final = 300
OK_LINE_MAX: Final = 200
OK_SECTION_MAX: Final = 2_500
MORE_RESERVE: Final = 200
"""Characters kept for the "…and N more findings" line."""
ATTACHED: Final = "full report attached in the thread"


@dataclass(frozen=True)
class _Item:
    """One finding rendered twice: with its evidence (full) and without (brief)."""

    heading: Block | None
    """The severity group's heading, on the first finding of each group."""
    brief: Block
    full: Block
    brief_complete: bool
    full_complete: bool


def diagnose_message(
    report: Report,
    *,
    full_report_limit: int = BLOCK_TEXT_BUDGET,
    checked_at: datetime | None = None,
) -> tuple[Message, str | None]:
    """The report as a message, and the full plain-text report when the message leaves some out.

    ``full_report_limit`` is the block-text budget (capped at Slack's 12,000): past it, evidence
    and then the mildest findings give way, and the second element is the text to attach.
    """
    budget = min(full_report_limit, CUMULATIVE_BLOCK_TEXT_MAX)
    findings = sorted(report.findings, key=lambda f: -f.severity.rank)
    notable = [f for f in findings if f.severity is not Severity.OK]
    oks = [f for f in findings if f.severity is Severity.OK]
    items = _items(notable)
    head = [header(_headline(report)), section(_overview(findings))]
    ok_brief, ok_full, ok_complete = _ok_sections(oks)

    # Reserve what always goes in: the footer (in its longest form), the "more" line, OK count.
    blocks_left = MAX_BLOCKS["message"] - len(head) - 3
    chars_left = budget - _size(*head, _footer(checked_at, len(findings), attached=True), ok_brief)
    chars_left -= MORE_RESERVE
    shown = 0
    for item in items:
        needs = [item.brief] if item.heading is None else [item.heading, item.brief]
        if len(needs) > blocks_left or _size(*needs) > chars_left:
            break
        blocks_left -= len(needs)
        chars_left -= _size(*needs)
        shown += 1

    body: list[Block] = []
    complete = shown == len(items)
    for item in items[:shown]:
        extra = _size(item.full) - _size(item.brief)
        use_full = extra <= chars_left
        chars_left -= extra if use_full else 0
        complete = complete and (item.full_complete if use_full else item.brief_complete)
        body += [item.heading] if item.heading else []
        body.append(item.full if use_full else item.brief)
    if shown < len(items):
        body.append(section(_more(notable[shown:])))
    if ok_full is not None and ok_brief is not None:
        whole = _size(ok_full) - _size(ok_brief) <= chars_left
        body.append(ok_full if whole else ok_brief)
        complete = complete and whole and ok_complete

    blocks = [*head, *body, _footer(checked_at, len(findings), attached=not complete)]
    rendered = message("diagnose", _fallback(report, findings), blocks)
    return rendered, None if complete else plain_text_report(report, checked_at=checked_at)


def _size(*blocks: Block | None) -> int:
    return block_text_length([b for b in blocks if b is not None])


def _headline(report: Report) -> str:
    return f"{emoji(report.worst)} {report.cluster}: {SEVERITY_STYLES[report.worst].verdict}"


def _overview(findings: Sequence[Finding]) -> str:
    """What the report says, in a sentence or two."""
    if not findings:
        return "No check reported anything, so there is nothing to judge."
    counts = Counter(f.severity for f in findings)
    problems = [f for f in findings if f.severity.rank >= Severity.WARNING.rank]
    ok = f"{counts[Severity.OK]} result{'' if counts[Severity.OK] == 1 else 's'} OK"
    if not problems:
        notes = f", and {counts[Severity.INFO]} note(s) below" if counts[Severity.INFO] else ""
        return f"Nothing needs attention: {ok}{notes}."
    need = f"*{len(problems)} problem{'' if len(problems) == 1 else 's'}*"
    phrase = count_phrase({s: n for s, n in counts.items() if s.rank >= Severity.WARNING.rank})
    runbooks = " A button starts the suggested runbook." if any(f.runbook for f in problems) else ""
    return f"{need} need attention ({phrase}), worst first; {ok}.{runbooks}"


def _items(findings: Sequence[Finding]) -> list[_Item]:
    items = []
    buttons: dict[RunbookRequest, int] = {}
    previous: Severity | None = None
    for finding in findings:
        heading = None
        if finding.severity is not previous:
            count = sum(f.severity is finding.severity for f in findings)
            style = SEVERITY_STYLES[finding.severity]
            heading = section(f"*{style.emoji} {style.label} ({count})*")
            previous = finding.severity
        accessory, runbook_note = None, ""
        if finding.runbook:
            request = RunbookRequest(
                runbook=finding.runbook,
                cluster=finding.cluster,
                node=finding.nodes[0] if len(finding.nodes) == 1 else None,
            )
            runbook_note = f"\nRunbook: {inline_code(finding.runbook, CHECK_ID_MAX)}"
            if request in buttons:
                runbook_note += " (button above)"
            else:
                accessory = runbook_button(request, len(buttons))
                buttons[request] = len(buttons)
                runbook_note = "" if accessory else runbook_note
        items.append(_item(finding, heading, accessory, runbook_note))
    return items


def _item(finding: Finding, heading: Block | None, accessory: Block | None, note: str) -> _Item:
    lead = f"{emoji(finding.severity)} {mrkdwn(finding.summary, SUMMARY_MAX)}\n"
    lead += inline_code(finding.check_id, CHECK_ID_MAX)
    if finding.nodes:
        lead += f" · {names(finding.nodes, NODES_MAX)}"
    complete = (
        fits(finding.summary, SUMMARY_MAX)
        and fits(finding.check_id, CHECK_ID_MAX)
        and all(fits(n, NAME_MAX) for n in finding.nodes)
        and names(finding.nodes, NODES_MAX) == ", ".join(mrkdwn(n, NAME_MAX) for n in finding.nodes)
    )
    evidence = excerpt(finding.evidence, max_lines=EVIDENCE_LINES, max_line=EVIDENCE_LINE)
    if not evidence.block:
        brief = full = section(lead + note, accessory=accessory)
        return _Item(heading, brief, full, complete, complete)
    lines = evidence.shown_lines + evidence.cut_lines
    brief_text = f"{lead}\n_{lines} evidence line{'' if lines == 1 else 's'} in the full report_"
    full_text = f"{lead}\n{evidence.block}"
    if evidence.cut_lines:
        full_text += f"\n_{evidence.cut_lines} more line{'' if evidence.cut_lines == 1 else 's'} "
        full_text += "in the full report_"
    elif evidence.clipped:
        full_text += "\n_long lines cut; whole lines in the full report_"
    return _Item(
        heading,
        brief=section(brief_text + note, accessory=accessory),
        full=section(full_text + note, accessory=accessory),
        brief_complete=False,
        full_complete=complete and evidence.complete,
    )


def _ok_sections(oks: Sequence[Finding]) -> tuple[Block | None, Block | None, bool]:
    """The OK results as a count only and as a list of summaries, and whether the list is whole."""
    if not oks:
        return None, None, True
    title = f"*{emoji(Severity.OK)} OK ({len(oks)})*"
    brief = section(f"{title}: the checks behind them are listed in the full report")
    lines = [title]
    complete = True
    for index, finding in enumerate(oks):
        line = f"• {mrkdwn(finding.summary, OK_LINE_MAX)}"
        if sum(len(x) + 1 for x in lines) + len(line) > OK_SECTION_MAX:
            lines.append(f"_…and {len(oks) - index} more in the full report_")
            complete = False
            break
        lines.append(line)
        complete = complete and fits(finding.summary, OK_LINE_MAX)
    return brief, section("\n".join(lines)), complete


def _more(left_out: Sequence[Finding]) -> str:
    counts = Counter(f.severity for f in left_out)
    return f"*…and {len(left_out)} more* ({count_phrase(counts)}): {ATTACHED}."


def _footer(checked_at: datetime | None, count: int, *, attached: bool) -> Block:
    parts = [f"checked {slack_time(checked_at)}"] if checked_at else []
    parts.append(f"{count} finding{'' if count == 1 else 's'}")
    if attached:
        parts.append(f":paperclip: {ATTACHED}")
    return context(" · ".join(parts))


def _fallback(report: Report, findings: Sequence[Finding]) -> str:
    counts = Counter(f.severity for f in findings)
    lines = [f"{mrkdwn(_headline(report), 300)} ({count_phrase(counts)})"]
    lines += [f"{emoji(f.severity)} {mrkdwn(f.summary, 300)}" for f in report.problems()[:3]]
    return "\n".join(lines)
