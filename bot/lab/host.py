"""The lab's one door to host commands: argv lists in, typed results out, errors that explain."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bot.errors import LabError

DEFAULT_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Completed:
    """A finished host command."""

    argv: tuple[str, ...]
    exit_status: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.exit_status == 0


def run(
    argv: list[str] | tuple[str, ...],
    *,
    check: bool = True,
    input_text: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> Completed:
    """Run ``argv`` (never through a shell); with ``check`` a non-zero exit raises LabError."""
    try:
        proc = subprocess.run(
            list(argv),
            input=input_text,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout_s,
            check=False,
        )
    except FileNotFoundError as exc:
        raise LabError(f"{argv[0]} is not installed (needed for: {shlex.join(argv)})") from exc
    except subprocess.TimeoutExpired as exc:
        raise LabError(f"timed out after {timeout_s:.0f}s: {shlex.join(argv)}") from exc
    done = Completed(tuple(argv), proc.returncode, proc.stdout, proc.stderr)
    if check and not done.ok:
        detail = (done.stderr or done.stdout).strip().splitlines()
        last = detail[-1] if detail else "no output"
        raise LabError(f"failed (exit {done.exit_status}): {shlex.join(argv)}: {last}")
    return done


def spawn(argv: list[str], *, log_path: str) -> int:
    """Start ``argv`` detached from us (own session, no stdin), its output in ``log_path``.

    posix_spawn rather than Popen: the process is meant to outlive this one, and a Popen object
    would complain when collected while its child still runs.
    """
    executable = shutil.which(argv[0])
    if executable is None:
        raise LabError(f"{argv[0]} is not installed (needed for: {shlex.join(argv)})")
    append = os.O_WRONLY | os.O_CREAT | os.O_APPEND
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, log_path, append, 0o644),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ]
    return os.posix_spawn(executable, argv, os.environ, file_actions=actions, setsid=True)


def processes() -> list[tuple[int, list[str]]]:
    """Every live process as (pid, argv); zombies and vanished processes are skipped."""
    found: list[tuple[int, list[str]]] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        argv = [a.decode(errors="replace") for a in raw.split(b"\0") if a]
        if argv:
            found.append((int(entry.name), argv))
    return found
