"""Run the real bot (``python -m bot run``) as a subprocess against a fake Bot API server."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.fakeapi import FakeBotAPI

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:E2E-token-secret_abcdefghijklmnopq"


@dataclass
class BotProcess:
    """A running bot and where its log goes."""

    process: asyncio.subprocess.Process
    log_path: Path

    def log(self) -> str:
        """Everything the bot has logged so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def wait_for_log(self, text: str, count: int = 1,
                           timeout: float = 30.0) -> str:  # noqa: ASYNC109
        """Wait until ``text`` is in the log ``count`` times (or the bot exits); the log."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.log().count(text) < count:
            if self.process.returncode is not None or loop.time() > deadline:
                raise AssertionError(f"{text!r} x{count} not logged:\n{self.log()[-3000:]}")
            await asyncio.sleep(0.05)
        return self.log()

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:  # noqa: ASYNC109
        """Send ``sig`` and wait for the exit code."""
        if self.process.returncode is None:
            self.process.send_signal(sig)
        return await asyncio.wait_for(self.process.wait(), timeout)


async def start_bot(base_url: str, tmp_path: Path,
                    env: dict[str, str] | None = None) -> BotProcess:
    """Start ``python -m bot run`` against the Bot API at ``base_url``, without waiting."""
    log_path = tmp_path / "bot.log"
    full_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": TOKEN,
        "BOT_API_BASE_URL": base_url,
        "BOT_DB_PATH": str(tmp_path / "usage.sqlite3"),
        "PTB_TIMEDELTA": "true",
    } | (env or {})
    with log_path.open("w", encoding="utf-8") as log_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=tmp_path, env=full_env,
            stdout=log_file, stderr=asyncio.subprocess.STDOUT)
    return BotProcess(process, log_path)


@asynccontextmanager
async def running_bot(fake: FakeBotAPI, tmp_path: Path, env: dict[str, str] | None = None, *,
                      ready: str = "getUpdates") -> AsyncIterator[BotProcess]:
    """Start the bot pointed at ``fake``; wait for its ``ready`` call; stop it afterwards."""
    bot = await start_bot(fake.base_url, tmp_path, env)
    process = bot.process
    try:
        await fake.wait_for(ready, timeout=30)
        yield bot
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()
