"""Per-chat order under concurrency, through the real Application and its update queue.

Nothing here is timed: a request double holds chosen calls at a gate or lets them yield to the
event loop a seeded-random number of times, and the tests assert the order of the answers.
"""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application
from telegram.request import RequestData

from bot.app import build_application
from bot.config import Settings
from bot.context import Services
from bot.transport.processor import ChatOrderedProcessor, chat_key
from tests.recording import BOT_USER, RecordingRequest, callback, chat, message

ANSWERS = ("sendMessage", "editMessageText", "answerCallbackQuery")


class ChatRequest(RecordingRequest):
    """Records answers per chat; can hold a chat's first answer, or yield randomly on each."""

    def __init__(self, rng: random.Random | None = None) -> None:
        super().__init__()
        self.rng = rng
        self.by_chat: defaultdict[int, list[tuple[str, str | None]]] = defaultdict(list)
        self.query_chat: dict[str, int] = {}
        self.gates: dict[int, asyncio.Event] = {}
        self.all_gates: list[asyncio.Event] = []
        self.in_flight = self.most_in_flight = 0
        self.changed = asyncio.Event()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """Hold or delay answering calls, then record them under their chat."""
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if name not in ANSWERS:
            return await super().do_request(url, method, request_data, *args, **kwargs)
        chat_id = params.get("chat_id") or self.query_chat[params["callback_query_id"]]
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            gate = self.gates.pop(chat_id, None)
            if gate is not None:
                await gate.wait()
            for _ in range(self.rng.randrange(6) if self.rng else 0):
                await asyncio.sleep(0)
            self.by_chat[chat_id].append((name, params.get("text")))
        finally:
            self.in_flight -= 1
            self.changed.set()
        return await super().do_request(url, method, request_data, *args, **kwargs)

    def hold_first_answer(self, chat_id: int) -> asyncio.Event:
        """Hold the chat's next answering call until the returned event is set."""
        gate = self.gates[chat_id] = asyncio.Event()
        self.all_gates.append(gate)
        return gate

    async def until(self, condition: Callable[[], bool]) -> None:
        """Wait for ``condition`` (the timeout only keeps a broken build from hanging)."""
        async with asyncio.timeout(10):
            while not condition():
                self.changed.clear()
                await self.changed.wait()


@asynccontextmanager
async def running(settings: Settings, services: Services, request: ChatRequest,
                  concurrency: int) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """The real application, started: updates put on its queue are processed concurrently."""
    app = build_application(settings, request=request, services=services,
                            concurrent_updates=concurrency)
    async with app:
        await app.start()
        try:
            yield app
        finally:
            for gate in request.all_gates:  # a failed assertion must not leave calls held
                gate.set()
            await app.stop()


class Script:
    """Updates for several chats plus the answers each must get, in order."""

    def __init__(self, services: Services, request: ChatRequest) -> None:
        self.views = services.views
        self.request = request
        self.updates: list[dict[str, Any]] = []
        self.expected: defaultdict[int, list[tuple[str, str | None]]] = defaultdict(list)

    def command(self, chat_id: int, name: str) -> None:
        """``/name`` in the chat; answered with that screen."""
        group = chat_id < 0
        text = f"/{name}@{BOT_USER['username']}" if group else f"/{name}"
        self.updates.append(message(text, chat_=chat(chat_id, "supergroup" if group else
                                                     "private")))
        html = getattr(self.views, "welcome" if name == "start" else name).html
        self.expected[chat_id].append(("sendMessage", html))

    def tap_menu(self, chat_id: int) -> None:
        """A tap on "Main menu": the spinner is answered, then the message becomes the menu."""
        update = callback("1|m", chat_=chat(chat_id))
        self.request.query_chat[update["callback_query"]["id"]] = chat_id
        self.updates.append(update)
        self.expected[chat_id] += [("answerCallbackQuery", None),
                                   ("editMessageText", self.views.menu.html)]

    async def feed(self, app: Application) -> None:  # type: ignore[type-arg]
        """Hand every update to the application, as polling would."""
        for raw in self.updates:
            await app.update_queue.put(Update.de_json(raw, app.bot))

    def answered(self, *chat_ids: int) -> bool:
        """Whether these chats have all their answers."""
        return all(len(self.request.by_chat[c]) >= len(self.expected[c]) for c in chat_ids)


async def test_a_chat_waits_for_its_own_earlier_update_but_not_for_other_chats(
        settings: Settings, services: Services) -> None:
    request = ChatRequest()
    script = Script(services, request)
    slow, quick, group = 2001, 2002, -3003
    for step in (lambda: script.command(slow, "start"), lambda: script.command(quick, "menu"),
                 lambda: script.command(slow, "help"), lambda: script.command(group, "menu"),
                 lambda: script.command(quick, "privacy"), lambda: script.tap_menu(slow),
                 lambda: script.command(group, "help"), lambda: script.tap_menu(quick),
                 lambda: script.command(slow, "privacy")):
        step()
    gate = request.hold_first_answer(slow)  # its later answers are not held
    async with running(settings, services, request, concurrency=8) as app:
        await script.feed(app)
        await request.until(lambda: script.answered(quick, group))
        assert request.by_chat[slow] == []  # its later updates did not overtake the first
        assert request.by_chat[quick] == script.expected[quick]
        assert request.by_chat[group] == script.expected[group]
        gate.set()
        await request.until(lambda: script.answered(slow))
    assert request.by_chat[slow] == script.expected[slow]


async def test_a_busy_chat_holds_one_slot_however_many_updates_wait_behind_it(
        settings: Settings, services: Services) -> None:
    request = ChatRequest()
    script = Script(services, request)
    busy, others = 2101, (2102, 2103, -2104)
    for name in ("start", "help", "menu", "privacy", "help"):
        script.command(busy, name)
    for chat_id in others:
        script.command(chat_id, "menu")
        script.command(chat_id, "help")
    gate = request.hold_first_answer(busy)
    async with running(settings, services, request, concurrency=2) as app:
        await script.feed(app)
        await request.until(lambda: script.answered(*others))
        assert request.by_chat[busy] == []
        gate.set()
        await request.until(lambda: script.answered(busy))
    for chat_id in (busy, *others):
        assert request.by_chat[chat_id] == script.expected[chat_id]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_random_interleavings_keep_every_chats_order(
        settings: Settings, services: Services, seed: int) -> None:
    rng = random.Random(seed)
    request = ChatRequest(rng)
    script = Script(services, request)
    chats = [3000 + n for n in range(8)] + [-4000 - n for n in range(4)]
    plan = [chat_id for chat_id in chats for _ in range(6)]
    rng.shuffle(plan)  # chats interleave; each chat's own updates keep their order in the queue
    for chat_id in plan:
        if chat_id > 0 and rng.random() < 0.4:
            script.tap_menu(chat_id)
        else:
            script.command(chat_id, rng.choice(("start", "menu", "help", "privacy")))
    async with running(settings, services, request, concurrency=5) as app:
        await script.feed(app)
        await request.until(lambda: script.answered(*chats))
    for chat_id in chats:
        assert request.by_chat[chat_id] == script.expected[chat_id], chat_id
    assert request.most_in_flight > 1  # chats really were handled concurrently


def test_the_key_is_the_chat_or_else_the_user() -> None:
    bot: Any = None
    in_group = Update.de_json(message("/menu", chat_=chat(-55, "group")), bot)
    assert chat_key(in_group) == -55
    inline = Update.de_json({"update_id": 1, "inline_query": {
        "id": "9", "from": {"id": 77, "is_bot": False, "first_name": "A"}, "query": "liver",
        "offset": ""}}, bot)
    assert chat_key(inline) == 77
    tap_on_inline_message = Update.de_json({"update_id": 2, "callback_query": {
        "id": "8", "from": {"id": 78, "is_bot": False, "first_name": "B"},
        "chat_instance": "c", "inline_message_id": "im", "data": "1|m"}}, bot)
    assert chat_key(tap_on_inline_message) == 78
    assert chat_key(Update(update_id=3)) is None
    assert chat_key("not an update") is None


async def test_updates_queued_behind_a_failing_one_still_run_in_order() -> None:
    processor = ChatOrderedProcessor(4)
    update = Update.de_json(message("/menu", chat_=chat(12)), None)
    done: list[str] = []
    release = asyncio.Event()

    async def failing() -> None:
        await release.wait()
        raise RuntimeError("handler bug")

    async def ok(name: str) -> None:
        done.append(name)

    first = asyncio.create_task(processor.process_update(update, failing()))
    await asyncio.sleep(0)
    await processor.process_update(update, ok("second"))  # queued: returns at once
    await processor.process_update(update, ok("third"))
    assert done == []
    assert processor.busy_chats == 1
    release.set()
    with pytest.raises(RuntimeError, match="handler bug"):
        await first
    assert done == ["second", "third"]
    assert processor.busy_chats == 0


async def test_shutdown_drops_updates_that_never_started() -> None:
    processor = ChatOrderedProcessor(4)
    update = Update.de_json(message("/menu", chat_=chat(13)), None)
    ran: list[str] = []

    async def record(name: str) -> None:
        ran.append(name)

    blocker = asyncio.Event()
    first = asyncio.create_task(processor.process_update(update, blocker.wait()))
    await asyncio.sleep(0)
    queued = record("queued")
    await processor.process_update(update, queued)
    await processor.shutdown()
    assert queued.cr_frame is None  # closed, so Python will not warn it was never awaited
    blocker.set()
    await first
    assert ran == []
