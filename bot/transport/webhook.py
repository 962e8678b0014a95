"""Webhook mode: a small aiohttp server that answers Telegram only after handling the update.

Telegram keeps at most one update per delivery queue (a chat, or a user's taps) in flight and
sends the next only when the webhook answered; answering *after* handling therefore keeps each
chat's messages in order across any number of workers. A handler that takes longer than
:data:`DEADLINE` seconds is answered 200 anyway and finishes in the background. A handler that
raised is logged and answered 200 too: a non-2xx would make Telegram retry it and hold up that
chat's queue. While draining (SIGTERM) or with :attr:`WebhookServer.max_in_flight` updates in
hand, requests get ``503`` with ``Retry-After``, so Telegram sends them again, to this worker
or another. Never ``410``.

Requests are checked by :mod:`bot.transport.hookinput` (secret, body, counted drops). The
server listens on ``BOT_LISTEN_HOST`` (default ``127.0.0.1``, behind a reverse proxy), with a
short keep-alive and request decompression off. A tap's acknowledgement rides on the answer
(:mod:`bot.transport.hookreply`). ``/healthz`` says the process is alive,
``/readyz`` that its database and Redis answer, ``/metrics`` is for Prometheus.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.transport import hookreply
from bot.transport.delivery import BUSY, DONE, Delivery, LocalDelivery
from bot.transport.hookinput import WebhookCounts, read_update, secret_matches
from bot.transport.metrics import CONTENT_TYPE, Metrics
from bot.transport.processor import chat_key

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"
MAX_BODY = 1 << 20  # 1 MiB: real updates are a few kilobytes
KEEP_ALIVE = 5.0  # seconds an idle connection stays open
DEADLINE = 10.0  # seconds before the webhook is answered while the update is still handled
MAX_IN_FLIGHT = 100  # Telegram's max_connections is at most 100
RETRY_AFTER = 5  # seconds Telegram is asked to wait on a 503

ReadyCheck = Callable[[], Awaitable[bool]]


# The kinds the bot asks for first (nearly every update is one), then any other.
KINDS = (Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY, Update.EDITED_MESSAGE,
         Update.CHOSEN_INLINE_RESULT, Update.MY_CHAT_MEMBER, *Update.ALL_TYPES)


def update_kind(update: Update) -> str:
    """Which kind of update this is (``message``, ``callback_query``…), for metrics."""
    return next((kind for kind in KINDS if getattr(update, kind, None) is not None), "unknown")


class WebhookServer:
    """The aiohttp application of one worker and what it has in hand."""

    def __init__(self, app: Application, secret: str, *,  # type: ignore[type-arg]
                 delivery: Delivery | None = None, metrics: Metrics | None = None,
                 ready_checks: dict[str, ReadyCheck] | None = None,
                 after_update: Callable[[], Awaitable[object]] | None = None,
                 deadline: float = DEADLINE, max_in_flight: int = MAX_IN_FLIGHT) -> None:
        self.app = app
        self.secret = secret
        self.delivery = delivery or LocalDelivery()
        self.metrics = metrics or Metrics()
        self.ready_checks = ready_checks or {}
        self.after_update = after_update  # e.g. wait until the update's usage is written
        self.deadline = deadline
        self.max_in_flight = max_in_flight
        self.draining = False
        self.counts = WebhookCounts()
        self._secret = secret.encode()
        self._tasks: set[asyncio.Task[None]] = set()
        self._alone: set[asyncio.Task[None]] = set()  # acknowledgements that could not ride

    @property
    def in_flight(self) -> int:
        """Updates being handled now (including those answered at the deadline)."""
        return len(self._tasks)

    def web_app(self) -> web.Application:
        """``POST /telegram``, ``GET /healthz``, ``GET /readyz``, ``GET /metrics``."""
        server = web.Application(client_max_size=MAX_BODY)
        server.router.add_post(WEBHOOK_PATH, self.receive)
        server.router.add_get(HEALTH_PATH, self.health)
        server.router.add_get(READY_PATH, self.ready)
        server.router.add_get(METRICS_PATH, self.metrics_page)
        server.on_cleanup.append(self._flush_counts)
        return server

    def runner(self) -> web.AppRunner:
        """The runner: no access log, a short keep-alive, no request decompression."""
        return web.AppRunner(self.web_app(), access_log=None, keepalive_timeout=KEEP_ALIVE,
                             auto_decompress=False, max_field_size=4096, lingering_time=2.0)

    async def _flush_counts(self, _: web.Application) -> None:
        self.counts.flush()

    async def receive(self, request: web.Request) -> web.Response:
        """Check, parse and handle one update; answer when it is handled (or at the deadline)."""
        if not secret_matches(request, self._secret):
            self.counts.rejected += 1
            self.counts.count("requests rejected (missing or wrong secret)")
            return _error(403, "forbidden")
        if self.draining or self.in_flight >= self.max_in_flight:
            self.counts.busy += 1
            self.counts.count("updates refused while draining or at the in-flight cap (503)")
            self.metrics.updates.labels("any", "deferred").inc()
            return _unavailable("draining" if self.draining else "busy")
        update = await read_update(request, self.app)
        if isinstance(update, str):  # unusable: dropped, counted, answered 2xx
            self.counts.dropped[update] += 1
            self.counts.count(f"updates dropped ({update})")
            self.metrics.updates.labels("unknown", "dropped").inc()
            return web.json_response({"ok": True, "dropped": update})
        kind = update_kind(update)
        try:
            verdict = await self.delivery.claim(update.update_id, chat_key(update))
        except Exception as exc:  # Redis down: better twice than never
            log.warning("delivery check failed (%s); handling the update anyway",
                        type(exc).__name__)
            verdict = "new"
        if verdict == DONE:  # not handled again; a tap's acknowledgement may have been lost
            self.metrics.updates.labels(kind, "redelivered").inc()  # with the first answer
            query = update.callback_query
            return _ok() if query is None else _riding(hookreply.acknowledgement(query.id))
        if verdict == BUSY:
            self.metrics.updates.labels(kind, "in_progress_elsewhere").inc()
            return _unavailable("in progress")
        ride = hookreply.Ride(self._alone)
        task = asyncio.create_task(self._handle(update, kind, ride))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        # (asyncio.wait, not wait_for(shield(…)): no second task and future per request)
        if task not in (await asyncio.wait((task,), timeout=self.deadline))[0]:
            log.warning("update still being handled after %.0f s; answered, finishing in the "
                        "background", self.deadline)
        body = ride.take()
        return _ok() if body is None else _riding(body)

    async def _handle(self, update: Update, kind: str, ride: hookreply.Ride) -> None:
        hookreply.CURRENT.set(ride)  # this task's own context: its tap's acknowledgement rides
        loop = asyncio.get_running_loop()
        started, outcome = loop.time(), "handled"
        try:
            async with self.delivery.lock(chat_key(update), update.update_id):
                await self.app.process_update(update)
            if self.after_update is not None:
                await self.after_update()
        except Exception as exc:  # process_update gives handler errors to the error handler
            outcome = "failed"
            log.error("update not handled: %s", type(exc).__name__, exc_info=exc)
        try:
            await self.delivery.done(update.update_id)
        except Exception as exc:
            log.warning("could not mark the update handled (%s)", type(exc).__name__)
        self.metrics.updates.labels(kind, outcome).inc()
        self.metrics.latency.labels(kind).observe(loop.time() - started)

    async def drain(self, timeout: float) -> bool:  # noqa: ASYNC109
        """Refuse new updates; wait for those in hand. False if some were still running."""
        self.draining = True
        if not (self._tasks or self._alone):  # (acknowledgements sent alone finish too)
            return True
        _, pending = await asyncio.wait(self._tasks | self._alone, timeout=timeout)
        return not pending

    async def health(self, _: web.Request) -> web.Response:
        """Alive (the bot is running)."""
        return web.json_response({"ok": self.app.running})

    async def ready(self, _: web.Request) -> web.Response:
        """Ready for updates: running, not draining, every store answering."""
        checks = {name: await _safe(check) for name, check in self.ready_checks.items()}
        ok = self.app.running and not self.draining and all(checks.values())
        return web.json_response({"ok": ok, "draining": self.draining, **checks},
                                 status=200 if ok else 503)

    async def metrics_page(self, _: web.Request) -> web.Response:
        """Prometheus text format."""
        return web.Response(body=self.metrics.render(), headers={"Content-Type": CONTENT_TYPE})


async def _safe(check: ReadyCheck) -> bool:
    try:
        return await asyncio.wait_for(check(), 3)
    except Exception:
        return False


def _ok() -> web.Response:
    """``{"ok":true}`` (built from bytes: no JSON encoding per request)."""
    return web.Response(body=b'{"ok":true}', content_type="application/json")


def _riding(body: bytes) -> web.Response:
    """A call for Telegram to make (:mod:`bot.transport.hookreply`)."""
    return web.Response(body=body, content_type="application/json")


def _error(status: int, error: str) -> web.Response:
    return web.json_response({"ok": False, "error": error}, status=status)


def _unavailable(error: str) -> web.Response:
    return web.json_response({"ok": False, "error": error}, status=503,
                             headers={"Retry-After": str(RETRY_AFTER)})
