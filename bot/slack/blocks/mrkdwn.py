"""Text for Slack's mrkdwn: escaping, clipping, and code blocks remote text cannot break out of. Pure.

Everything a node, a log or a user wrote goes through here before it reaches a message: `&`, `<`
and `>` are escaped as Slack asks (https://docs.slack.dev/messaging/formatting-message-text#escaping),
so `<!channel>` in a journal line stays text, and backtick runs are broken so "```" in it can
neither close our code block nor open one of its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

ELLIPSIS: Final = "…"
ZERO_WIDTH_SPACE: Final = "\u200b"
FENCE: Final = "```"
NAME_MAX: Final = 64
"""Longest node or cluster name shown in a list before it is cut."""

_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")  # "&", "&a", "&am", "&lt" cut off before ";"
_BACKTICK_PAIR = re.compile(r"`(?=`)")


def escape(text: str) -> str:
    """``text`` with the three characters Slack treats as control characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, most: int) -> str:
    """Plain ``text`` cut to at most ``most`` characters, ending in … when cut."""
    if len(text) <= most:
        return text
    return text[: max(most - 1, 0)] + ELLIPSIS


def fit(escaped: str, most: int) -> str:
    """Already escaped text cut to at most ``most`` characters without splitting an entity."""
    if len(escaped) <= most:
        return escaped
    return _PARTIAL_ENTITY.sub("", escaped[: max(most - 1, 0)]) + ELLIPSIS


def mrkdwn(text: str, most: int) -> str:
    """Remote or user text made safe for mrkdwn and code blocks, cut to ``most`` characters.

    ``&``, ``<`` and ``>`` are escaped and backtick runs broken, outside code blocks too: a
    stray ``` in a summary would pair with the opening fence of the evidence after it and turn
    that evidence into live mrkdwn.
    """
    # Escaping only lengthens text, so what lies past `most` raw characters is never shown.
    return fit(_defanged(text[: most + 1]), most)


def fits(text: str, most: int) -> bool:
    """Whether ``text`` shows whole within ``most`` characters once made safe."""
    return len(text) <= most and len(_defanged(text)) <= most


def _defanged(text: str) -> str:
    # A zero-width space between backticks shows the same but can never form a closing fence.
    return _BACKTICK_PAIR.sub("`" + ZERO_WIDTH_SPACE, escape(text))


def inline_code(text: str, most: int) -> str:
    """``text`` as `inline code`; a backtick inside would end the span, so it becomes ˋ."""
    return "`" + mrkdwn(text.replace("`", "\u02cb"), most) + "`"


def names(items: Sequence[str], most: int) -> str:
    """``a, b and 3 more``: as many escaped names as fit in ``most`` (at least 100) characters."""
    out = ""
    for index, item in enumerate(items):
        candidate = (f"{out}, " if out else "") + mrkdwn(item, NAME_MAX)
        rest = len(items) - index - 1
        if len(candidate) + len(f" and {rest} more" if rest else "") > most:
            return f"{out} and {len(items) - index} more"
        out = candidate
    return out


@dataclass(frozen=True)
class Excerpt:
    """Evidence lines as a code block, and how much of the evidence it leaves out."""

    block: str
    """The fenced code block; empty when there is no evidence."""
    shown_lines: int
    cut_lines: int
    """Lines not shown at all."""
    clipped: bool
    """Whether some shown line was shortened."""

    @property
    def complete(self) -> bool:
        return not self.cut_lines and not self.clipped


def excerpt(evidence: Sequence[str], *, max_lines: int, max_line: int) -> Excerpt:
    """The first ``max_lines`` lines of ``evidence``, each cut to ``max_line`` characters."""
    lines = [line.rstrip() for item in evidence for line in (item.splitlines() or [""])]
    if not lines:
        return Excerpt("", 0, 0, clipped=False)
    shown = [mrkdwn(line, max_line) for line in lines[:max_lines]]
    clipped = not all(fits(line, max_line) for line in lines[:max_lines])
    # Newlines keep the fences off the evidence's own first and last characters.
    block = f"{FENCE}\n" + "\n".join(shown) + f"\n{FENCE}"
    return Excerpt(block, len(shown), len(lines) - len(shown), clipped)
