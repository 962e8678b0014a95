"""Drive ``python -m bot console`` in a subprocess through stdin and stdout, as a person would."""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROMPT = "you> "
# Only guards against a hung console (the test then fails with what was printed); not a timing.
HANG_GUARD = 120.0


def console_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A clean environment: this checkout on the path, the database in ``tmp_path``."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "BOT_DB_PATH": str(tmp_path / "usage.sqlite3"),
        "PTB_TIMEDELTA": "true",
    } | extra


@dataclass
class Reply:
    """What the console printed in answer to one line: its text and the buttons offered."""

    text: str
    buttons: dict[str, int] = field(default_factory=dict)  # label -> number to type

    def press(self, label: str) -> str:
        """The number to type to press the button labelled ``label``."""
        assert label in self.buttons, f"no button {label!r} in {list(self.buttons)}"
        return str(self.buttons[label])


def parse_buttons(text: str) -> dict[str, int]:
    """Buttons listed as ``  [1] Label   [2] Other`` on the lines of ``text``."""
    buttons: dict[str, int] = {}
    for line in text.splitlines():
        if not line.startswith("  ["):
            continue
        for cell in line.strip().split("   "):
            number, _, label = cell.removeprefix("[").partition("] ")
            buttons[label] = int(number)
    return buttons


class ConsoleSession:
    """One running console: ``send`` a line, get back everything printed up to the next prompt."""

    def __init__(self, tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "console", *args], cwd=tmp_path,
            env=console_env(tmp_path) | (env or {}), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.transcript = ""
        self.intro = self._read_to_prompt()

    def send(self, line: str) -> Reply:
        """Type ``line`` and Enter; the reply up to the next prompt."""
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        self.process.stdin.flush()
        text = self._read_to_prompt()
        echoed, _, answer = text.partition("\n")
        assert echoed == line, f"console did not echo {line!r}: {text!r}"
        return Reply(answer, parse_buttons(answer))

    def finish(self, line: str | None = None) -> tuple[int, str, str]:
        """Send ``line`` (or just close stdin, like Ctrl-D); exit code, last output, stderr."""
        typed = b"" if line is None else line.encode() + b"\n"
        try:
            out, err = self.process.communicate(typed, timeout=HANG_GUARD)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
        self.transcript += out.decode()
        return self.process.returncode, out.decode(), err.decode()

    def close(self) -> None:
        """Make sure the process is gone."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()

    def _read_to_prompt(self) -> str:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        chunks: list[bytes] = []
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while not b"".join(chunks).endswith(PROMPT.encode()):
                if not selector.select(HANG_GUARD):
                    self.close()
                    raise AssertionError(f"console hung; printed: {b''.join(chunks)!r}")
                chunk = os.read(fd, 65536)
                if not chunk:
                    err = self.process.stderr.read() if self.process.stderr else b""
                    raise AssertionError(f"console exited: {b''.join(chunks)!r} {err!r}")
                chunks.append(chunk)
        text = b"".join(chunks).decode()
        self.transcript += text
        return text.removesuffix(PROMPT)
