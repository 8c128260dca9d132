"""`quorumbot run`: serve Slack (Socket Mode or HTTP) until stopped."""

from __future__ import annotations

import logging

from bot.cli.common import ConfigOption, run_async, settings_from


def run(config: ConfigOption = None) -> None:
    """Run the bot: Socket Mode when slack.app_token is set, else HTTP on slack.http_port."""
    settings = settings_from(config)
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # asyncssh narrates every channel at INFO: thousands of lines an hour with streams and polls.
    logging.getLogger("asyncssh").setLevel(max(logging.WARNING, logging.getLogger().level))
    from bot.runtime import run_bot  # slack_bolt loads in a second; only `run` pays for it

    run_async(lambda: run_bot(settings))
