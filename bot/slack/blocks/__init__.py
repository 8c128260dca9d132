"""Pure Block Kit rendering: data in, `Message` (fallback text + blocks) or a Home view out.

No Slack client here and no I/O. Every renderer keeps within bot.slack.limits (50 blocks, 3,000
characters a section, a block-text budget below Slack's undocumented ~12,000), escapes remote
and user text for mrkdwn, and keeps it inside its code blocks.

    message.py      Message, block builders, block ids, packing text into sections
    mrkdwn.py       escaping, clipping, code blocks, evidence excerpts
    severity.py     the one severity -> emoji/colour/label table
    buttons.py      action ids and the runbook button's JSON value
    status.py       status_message, home_view
    nodes.py        nodes_message
    diagnose.py     diagnose_message
    report_text.py  plain_text_report
    history.py      history_message
    replies.py      help_message, error_message, text_message, working_message
"""

from bot.slack.blocks.buttons import RUNBOOK_START, RUNBOOK_START_ACTION, RunbookRequest
from bot.slack.blocks.diagnose import diagnose_message
from bot.slack.blocks.history import history_message
from bot.slack.blocks.message import BLOCK_TEXT_BUDGET, Message
from bot.slack.blocks.nodes import nodes_message
from bot.slack.blocks.replies import (
    CommandHelp,
    error_message,
    help_message,
    text_message,
    working_message,
)
from bot.slack.blocks.report_text import plain_text_report
from bot.slack.blocks.severity import SEVERITY_STYLES, SeverityStyle
from bot.slack.blocks.status import home_view, status_message

__all__ = [
    "BLOCK_TEXT_BUDGET",
    "RUNBOOK_START",
    "RUNBOOK_START_ACTION",
    "SEVERITY_STYLES",
    "CommandHelp",
    "Message",
    "RunbookRequest",
    "SeverityStyle",
    "diagnose_message",
    "error_message",
    "help_message",
    "history_message",
    "home_view",
    "nodes_message",
    "plain_text_report",
    "status_message",
    "text_message",
    "working_message",
]
