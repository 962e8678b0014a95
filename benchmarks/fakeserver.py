"""The load benchmark's fake Bot API, in its own process: ``python -m benchmarks.fakeserver``.

It answers like Telegram (``getMe``, long-polling ``getUpdates`` with offsets, ``sendMessage`` and
``editMessageText`` echoing the message with its entities and keyboard, ``answerCallbackQuery``,
``answerInlineQuery``, ``setMyCommands``, ...), each call no earlier than ``--rtt-ms`` after it
arrived. It talks to :mod:`benchmarks.load` through JSON lines: on stdout the events
``listening``, ``polling`` (the bot's first ``getUpdates``), ``warm`` and ``done`` (with the
figures); on stdin ``go`` starts the measured run. A warm-up first sends a few updates of every
kind; kinds the bot leaves unanswered (inline queries while there is no inline handler) are then
not waited for, and are reported apart.

With ``--webhook URL`` it pushes the updates there through the scale-out tests' Telegram-like
sender (:class:`tests.sender.TelegramSender`), once ``webhook`` on stdin says workers listen; a
call a webhook answers with (a tap's acknowledgement) is counted as Telegram would make it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import sys
import time
from typing import Any

from benchmarks.fakehttp import RAW, Connection, serve
from benchmarks.tracker import Entry, Tracker, summary
from benchmarks.workload import BOT_USER, DATE, GET_ME
from tests.fakeapi import parse_html
from tests.sender import TelegramSender

_TRUE = b'{"ok":true,"result":true}'


class FakeTelegram:
    """The Bot API methods a bot calls, with an added delay and long polling."""

    def __init__(self, tracker: Tracker, rtt: float) -> None:
        self.loop = asyncio.get_running_loop()
        self.tracker = tracker
        self.rtt = rtt
        self.polling = asyncio.Event()
        self.first_poll: float | None = None
        self._poll: tuple[Connection, int, float] | None = None  # waiting long poll
        self._deliver_soon = False
        self._ids = itertools.count(10**8)
        self._bodies: dict[tuple[str, bool, str], bytes] = {}
        self.polls = [0, 0, 0]  # getUpdates answered, updates handed out, answers that were full
        self.poll_gap = 0.0  # time from answering getUpdates to the bot's next getUpdates
        self._answered_poll: float | None = None
        tracker.on_release = self._released

    def handle(self, path: str, params: dict[str, Any], conn: Connection) -> None:
        """Answer one request (now, or once its simulated round trip has passed)."""
        now = time.monotonic()
        method = path.rsplit("/", 1)[-1].lower()
        if method == "getupdates":
            self._get_updates(params, conn, now)
            return
        self.tracker.on_call(method, params, now)
        if method == "getme":
            payload = json.dumps({"ok": True, "result": GET_ME}).encode()
        elif method == "setwebhook":
            emit({"event": "set_webhook"})
            payload = _TRUE
        elif method in ("sendmessage", "editmessagetext", "sendphoto"):
            payload = self._message(method, params)
        else:
            payload = _TRUE
        self._later(now + self.rtt, conn.respond, 200, payload)

    def webhook_reply(self, call: dict[str, Any]) -> None:
        """A call a webhook answered with, made as Telegram makes it (no one hears the result)."""
        self.tracker.on_call(str(call.get("method", "")).lower(), call, time.monotonic())

    def _later(self, when: float, callback: Any, *args: Any) -> None:
        if when <= time.monotonic():
            callback(*args)
        else:
            self.loop.call_at(when, callback, *args)

    def _message(self, method: str, params: dict[str, Any]) -> bytes:
        """The answer to a sent or edited message: the message as Telegram would echo it.

        Its text, entities and keyboard are encoded once per distinct message (the fake must
        cost far less CPU than the bot it measures); the rest is put around them.
        """
        chat_id = params.get("chat_id", 0)
        chat = self.tracker.chats.get(chat_id) or {"id": chat_id, "type": "private"}
        editing = method == "editmessagetext"
        head = {"message_id": params.get("message_id", 0) if editing else next(self._ids),
                "from": BOT_USER, "chat": chat, "date": DATE}
        if editing:
            head["edit_date"] = DATE + 1
        if method == "sendphoto":  # a picture: uploaded once, then sent by this file_id
            head["photo"] = [{"file_id": "p", "file_unique_id": "p", "width": 9, "height": 6}]
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            quoted = self.tracker.quoted(chat_id, reply.get("message_id", 0))
            if quoted is not None:
                head["reply_to_message"] = quoted
        return b'{"ok":true,"result":' + json.dumps(head).encode()[:-1] + b"," + self._body(
            params) + b"}}"

    def _body(self, params: dict[str, Any]) -> bytes:
        """``"text":…,"entities":…,"reply_markup":…`` of a message, encoded once per message."""
        text = str(params.get("text", params.get("caption", "")))
        html = params.get("parse_mode") == "HTML"
        markup = params.get(RAW + "reply_markup") or json.dumps(params.get("reply_markup"))
        key = (text, html, markup)
        if key not in self._bodies:
            plain, entities = parse_html(text) if html else (text, [])
            part: dict[str, Any] = {"text": plain}
            if entities:
                part["entities"] = entities
            if params.get("reply_markup"):
                part["reply_markup"] = params["reply_markup"]
            self._bodies[key] = json.dumps(part).encode()[1:-1]
        return self._bodies[key]

    # -- long polling

    def _get_updates(self, params: dict[str, Any], conn: Connection, now: float) -> None:
        if self.first_poll is None:
            self.first_poll = now
            self.polling.set()
        if self._answered_poll is not None:
            self.poll_gap += now - self._answered_poll
            self._answered_poll = None
        if params.get("offset"):
            self.tracker.confirm(int(params["offset"]))
        limit = min(int(params.get("limit") or 100), 100)
        deadline = now + float(params.get("timeout") or 0)
        self._later(now + self.rtt, self._poll_ready, conn, limit, deadline)

    def _poll_ready(self, conn: Connection, limit: int, deadline: float) -> None:
        if self.tracker.pending or time.monotonic() >= deadline:
            self._deliver(conn, limit)
            return
        self._poll = (conn, limit, deadline)
        self.loop.call_at(deadline, self._poll_timeout, conn)

    def _poll_timeout(self, conn: Connection) -> None:
        if self._poll is not None and self._poll[0] is conn:
            self._deliver(conn, self._poll[1])

    def _released(self) -> None:
        if self._poll is not None and not self._deliver_soon:
            self._deliver_soon = True  # hand out everything released in this same moment
            self.loop.call_soon(self._deliver_waiting)

    def _deliver_waiting(self) -> None:
        self._deliver_soon = False
        if self._poll is not None:
            self._deliver(self._poll[0], self._poll[1])

    def _deliver(self, conn: Connection, limit: int) -> None:
        if self._poll is not None and self._poll[0] is conn:
            self._poll = None
        batch = self.tracker.take(limit)
        self.polls[0] += 1
        self.polls[1] += len(batch)
        self.polls[2] += len(batch) == limit
        conn.respond(200, b'{"ok":true,"result":[' + b",".join(batch) + b"]}")
        self._answered_poll = time.monotonic()


class Run:
    """Releases a list of updates (at a fixed rate, or keeping ``window`` unanswered) and
    finishes when all expected answers are in and the bot has gone quiet, or at the cut-off."""

    def __init__(self, fake: FakeTelegram, items: list[dict[str, Any]], number: int, *,
                 rate: float | None, window: int, max_seconds: float, quiet: float,
                 silent: frozenset[str] = frozenset(), probe: bool = False) -> None:
        self.fake, self.items, self.number = fake, items, number
        self.rate, self.window, self.max_seconds, self.quiet = rate, window, max_seconds, quiet
        self.silent = silent
        self.probe = probe  # warm-up: also done once the bot has answered and gone quiet
        self.entries: list[Entry] = []
        self.next = 0
        self.in_flight = 0
        self.finished: asyncio.Future[dict[str, Any]] = fake.loop.create_future()
        self.start = self.cpu = 0.0

    def begin(self) -> None:
        """Start releasing."""
        self.start, self.cpu = time.monotonic(), time.process_time()
        self.fake.polls[:] = [0, 0, 0]
        self.fake.poll_gap = 0.0
        self.fake.tracker.unmatched = 0
        self.fake.tracker.calls.clear()
        self.fake.tracker.on_answer = self._answered
        if self.rate:
            for index in range(len(self.items)):
                self.fake.loop.call_at(self.start + index / self.rate, self._release_one)
        else:
            self._fill()
        self.fake.loop.call_later(0.01, self._tick)

    def _release_one(self) -> Entry:
        item = self.items[self.next]
        self.next += 1
        expected = item["kind"] not in self.silent
        entry = self.fake.tracker.release(item, time.monotonic(), expected=expected,
                                          run=self.number)
        self.entries.append(entry)
        self.in_flight += expected
        return entry

    def _fill(self) -> None:
        while self.next < len(self.items) and self.in_flight < self.window:
            self._release_one()

    def _answered(self, entry: Entry) -> None:
        if entry.run == self.number and entry.expected:
            self.in_flight -= 1
            if not self.rate:
                self._fill()

    def _tick(self) -> None:
        if self.finished.done():
            return
        now = time.monotonic()
        last = max(self.fake.tracker.last_answer, self.start)
        complete = self.next == len(self.items) and self.in_flight == 0
        gave_up = self.probe and last > self.start and now - last >= max(self.quiet, 1.0)
        if (complete or gave_up) and now - last >= self.quiet:
            self._finish(last, cut_off=False)
        elif now - self.start >= self.max_seconds:
            self._finish(now, cut_off=True)
        else:
            self.fake.loop.call_later(0.01, self._tick)

    def _finish(self, end: float, *, cut_off: bool) -> None:
        cpu = time.process_time() - self.cpu
        figures = summary(self.entries, self.start, end)
        figures |= {"cut_off": cut_off, "fake_cpu_s": round(cpu, 4),
                    "fake_cpu_share": round(cpu / max(end - self.start, 1e-9), 3),
                    "not_released": len(self.items) - self.next,
                    "unmatched_calls": self.fake.tracker.unmatched,
                    "polls": self.fake.polls[0], "full_polls": self.fake.polls[2],
                    "updates_per_poll": round(self.fake.polls[1] / max(self.fake.polls[0], 1), 1),
                    "poll_gap_ms": round(self.fake.poll_gap * 1000 / max(self.fake.polls[0], 1),
                                         1),
                    "calls": dict(self.fake.tracker.calls)}
        self.finished.set_result(figures)


def emit(event: dict[str, Any]) -> None:
    """One JSON line to the orchestrator."""
    print(json.dumps(event), flush=True)


async def main(args: argparse.Namespace, workload: dict[str, Any]) -> None:
    """Serve; once the bot polls (or its workers listen), measure."""
    loop = asyncio.get_running_loop()
    assert abs(loop.time() - time.monotonic()) < 0.01, "timestamps assume the loop's clock"
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    tracker = Tracker()
    tracker.encode(workload["warmup"] + workload["items"])
    fake = FakeTelegram(tracker, args.rtt_ms / 1000)
    server = await serve(fake.handle)
    emit({"event": "listening", "port": server.sockets[0].getsockname()[1]})
    async with contextlib.AsyncExitStack() as stack:
        if args.webhook:
            sender = TelegramSender(args.webhook, max_connections=args.max_connections,
                                    on_reply=fake.webhook_reply)
            tracker.on_update = (await stack.enter_async_context(sender.open())).put
            await reader.readline()  # "webhook": every worker listens
            fake.first_poll = time.monotonic()
        else:
            await fake.polling.wait()
        await measure(fake, workload, args, reader)
    server.close()


async def measure(fake: FakeTelegram, workload: dict[str, Any], args: argparse.Namespace,
                  reader: asyncio.StreamReader) -> None:
    """Warm the bot up, wait for ``go``, run, report."""
    emit({"event": "polling", "at": fake.first_poll})
    quiet = 0.25 + 4 * fake.rtt
    warm = Run(fake, workload["warmup"], 1, rate=None, window=len(workload["warmup"]),
               max_seconds=args.warmup_seconds, quiet=quiet, probe=True)
    warm.begin()
    warmed = await warm.finished
    silent = frozenset(k for k, v in warmed["by_kind"].items() if v["answered"] == 0)
    emit({"event": "warm", "silent": sorted(silent), "figures": warmed})
    if (await reader.readline()).strip() == b"go":
        run = Run(fake, workload["items"], 2, rate=args.rate, window=args.window,
                  max_seconds=args.max_seconds, quiet=quiet, silent=silent)
        run.begin()
        emit({"event": "done", "figures": await run.finished})
        await reader.readline()  # the orchestrator closes stdin when the bot is gone


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (set by :mod:`benchmarks.load`)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workload", required=True)
    parser.add_argument("--rtt-ms", type=float, default=0.0)
    parser.add_argument("--rate", type=float, default=None)
    parser.add_argument("--window", type=int, default=256)
    parser.add_argument("--max-seconds", type=float, default=20.0)
    parser.add_argument("--warmup-seconds", type=float, default=4.0)
    parser.add_argument("--webhook", default=None, help="push updates to this webhook URL")
    parser.add_argument("--max-connections", type=int, default=40)
    return parser.parse_args(argv)


if __name__ == "__main__":
    options = parse_args()
    with open(options.workload, encoding="utf-8") as file:
        asyncio.run(main(options, json.load(file)))
