"""Several webhook workers as Telegram would reach them: a balancer and the workers.

The Telegram-like sender that feeds them is :class:`tests.sender.TelegramSender`; workers are
``python -m bot run`` in webhook mode (:func:`start_worker`, :func:`workers`).

:class:`Balancer` spreads requests over the workers one request at a time, like the README's
nginx upstream: keep-alive connections, a request that could not be sent (connection refused)
goes to the next worker, a request that was sent is never retried (a POST): a worker that dies
with it in hand yields 502, and the sender retries.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web

from tests.botproc import ROOT, TOKEN, BotProcess
from tests.fakeapi import FakeBotAPI
from tests.sender import SECRET, SECRET_HEADER


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Balancer:
    """Round-robin over ``backends`` (base URLs), one request at a time (module docstring)."""

    backends: list[str]
    port: int = field(default_factory=free_port)
    sent_to: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    unanswered: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    arrived: dict[int, float] = field(default_factory=dict)  # update id -> first request's time
    _next: int = 0

    @property
    def url(self) -> str:
        """Where the sender posts."""
        return f"http://127.0.0.1:{self.port}/telegram"

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Balancer]:
        """Serve until the block ends."""
        connector = aiohttp.TCPConnector(limit=200, keepalive_timeout=30)
        async with aiohttp.ClientSession(connector=connector) as session:
            async def proxy(request: web.Request) -> web.Response:
                return await self._proxy(session, request)

            app = web.Application()
            app.router.add_post("/telegram", proxy)
            runner = web.AppRunner(app, access_log=None, handle_signals=False)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", self.port).start()
            try:
                yield self
            finally:
                await runner.cleanup()

    async def _proxy(self, session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        body = await request.read()
        update_id = int(json.loads(body)["update_id"])
        self.arrived.setdefault(update_id, time.monotonic())
        headers = {k: v for k, v in request.headers.items()
                   if k in ("Content-Type", SECRET_HEADER)}
        for _ in range(len(self.backends)):
            index = self._next % len(self.backends)
            self._next += 1
            held_before = update_id in self.unanswered[index]  # from an earlier attempt
            self.sent_to[update_id].append(index)
            self.unanswered[index].add(update_id)
            try:
                async with session.post(self.backends[index] + "/telegram", data=body,
                                        headers=headers) as resp:
                    payload = await resp.read()
                    self.unanswered[index].discard(update_id)
                    out = {k: v for k, v in resp.headers.items()
                           if k in ("Content-Type", "Retry-After")}
                    return web.Response(status=resp.status, body=payload, headers=out)
            except aiohttp.ClientConnectorError:  # never sent: the next worker may take it
                if not held_before:
                    self.unanswered[index].discard(update_id)
                self.sent_to[update_id].pop()
                continue
            except aiohttp.ClientError:  # sent, and the worker went away with it
                return web.Response(status=502, text="bad gateway")
        return web.Response(status=502, text="no worker reachable")


async def start_worker(fake: FakeBotAPI, folder: Path, env: dict[str, str],
                       args: tuple[str, ...] | list[str] = ()) -> BotProcess:
    """``python -m bot run [args]`` in webhook mode; returns once ``/readyz`` says ready."""
    folder.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - a test's own folder
    log_path = folder / "bot.log"
    full_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": TOKEN, "BOT_API_BASE_URL": fake.base_url, "PTB_TIMEDELTA": "true",
        "BOT_DB_PATH": str(folder / "usage.sqlite3"), "BOT_WEBHOOK_SECRET": SECRET,
        "BOT_WEBHOOK_URL": "https://bot.example.org/",
    } | env
    with log_path.open("w", encoding="utf-8") as log_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", *args, cwd=folder, env=full_env,
            stdout=log_file, stderr=asyncio.subprocess.STDOUT)
    worker = BotProcess(process, log_path)
    url = f"http://127.0.0.1:{full_env['BOT_PORT']}/readyz"
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            if process.returncode is not None:
                raise AssertionError(f"worker exited: {worker.log()}")
            try:
                async with session.get(url) as resp:
                    if resp.status == 200:
                        return worker
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"worker not ready after 30 s: {worker.log()}")


@asynccontextmanager
async def workers(fake: FakeBotAPI, tmp_path: Path, count: int,
                  env: dict[str, str]) -> AsyncIterator[list[tuple[BotProcess, str]]]:
    """``count`` workers, each with its own port; stopped (SIGTERM, then SIGKILL) afterwards."""
    async with AsyncExitStack() as stack:
        started: list[tuple[BotProcess, str]] = []
        for i in range(count):
            port = free_port()
            worker = await start_worker(fake, tmp_path / f"worker{i}",
                                        env | {"BOT_PORT": str(port)})
            stack.push_async_callback(_stop, worker)
            started.append((worker, f"http://127.0.0.1:{port}"))
        yield started


async def _stop(worker: BotProcess) -> None:
    process = worker.process
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()
