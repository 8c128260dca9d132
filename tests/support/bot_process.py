"""The real bot as a separate process (`python -m bot run`), talking to a fake Slack.

The process gets its settings the way an operator gives them (QUORUMBOT_* variables), prints a
`quorumbot: listening on …` / `quorumbot: socket mode connected` line when it is ready, and is
stopped with SIGTERM like systemd would.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.lab.lab import Lab

READY = re.compile(r"quorumbot: (listening on (?P<url>\S+)|socket mode connected)")


@dataclass
class BotProcess:
    env: dict[str, str]
    process: subprocess.Popen[str] | None = None
    url: str | None = None
    """The HTTP events URL (HTTP mode only)."""
    lines: list[str] = field(default_factory=list)
    _ready: threading.Event = field(default_factory=threading.Event)
    _reader: threading.Thread = field(init=False)

    def start(self, timeout_s: float = 30.0) -> BotProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if not self._ready.wait(timeout_s) or self.process.poll() is not None:
            self.stop()
            raise RuntimeError("the bot did not start:\n" + "".join(self.lines[-40:]))
        return self

    def stop(self, timeout_s: float = 15.0) -> int | None:
        """SIGTERM, then SIGKILL after `timeout_s`; the exit status (None if never started)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout_s)
        if self.process.stderr is not None:
            self.process.stderr.close()
        return self.process.returncode

    def output(self) -> str:
        return "".join(self.lines)

    def wait_for_line(self, pattern: str, timeout_s: float = 10.0) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if re.search(pattern, line):
                    return line
            time.sleep(0.05)
        raise AssertionError(f"the bot never logged {pattern!r}:\n{self.output()[-3000:]}")

    def _read(self) -> None:
        assert self.process is not None
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            found = READY.search(line)
            if found:
                self.url = found.group("url")
                self._ready.set()
        self._ready.set()


def bot_env(
    tmp: Path,
    *,
    database_url: str,
    api_base_url: str,
    bot_token: str,
    policy_file: Path,
    signing_secret: str | None = None,
    app_token: str | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a bot run: only our variables, no settings file from the host."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("QUORUMBOT_")}
    env = {
        **clean,
        "QUORUMBOT_DATABASE_URL": database_url,
        "QUORUMBOT_SLACK__API_BASE_URL": api_base_url,
        "QUORUMBOT_SLACK__BOT_TOKEN": bot_token,
        "QUORUMBOT_SLACK__POLICY_FILE": str(policy_file),
        "QUORUMBOT_SLACK__HTTP_PORT": "0",
        "QUORUMBOT_SSH__CONNECT_TIMEOUT_S": "2",
        "QUORUMBOT_LOG_LEVEL": "info",
        # Off unless a test is about it: its alerts would mix with the commands under test.
        "QUORUMBOT_MONITOR__ENABLED": "false",
        "HOME": str(tmp),
    }
    if signing_secret is not None:
        env["QUORUMBOT_SLACK__SIGNING_SECRET"] = signing_secret
    if app_token is not None:
        env["QUORUMBOT_SLACK__APP_TOKEN"] = app_token
    return {**env, **(extra or {})}


def import_lab(env: dict[str, str], lab: Lab, tmp: Path) -> None:
    """Put `lab` in the bot's inventory (trusted keys included) the way a user would."""
    status = tmp / "lab.json"
    status.write_text(json.dumps(lab.status().model_dump(mode="json")))
    subprocess.run(  # our own CLI
        [sys.executable, "-m", "bot", "inventory", "import", "--lab", str(status)],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
