"""Issue 15, item 8: a chat flooding the bot cannot grow memory past its cap; over the total
cap the webhook answers 503 with Retry-After and polling holds its next getUpdates.

Through the real Application and its update queue; nothing is timed (answers are held at gates).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from telegram.request import RequestData

from bot.config import Settings
from bot.context import Services
from bot.transport.hookinput import SECRET_HEADER
from bot.transport.polling import LookAheadRequest
from bot.transport.processor import ChatOrderedProcessor
from bot.transport.webhook import WebhookServer
from tests.recording import RecordingRequest, chat, message
from tests.test_processor import ChatRequest, running

SECRET = "s" * 40


async def test_a_flooding_chat_is_capped_and_others_still_answered(
        settings: Settings, services: Services) -> None:
    request = ChatRequest()
    gate = request.hold_first_answer(7)
    async with running(settings, services, request, concurrency=4) as app:
        processor = app.update_processor
        assert isinstance(processor, ChatOrderedProcessor)
        for i in range(500):  # 5 commands a second for 100 s, all arriving while it waits
            await app.update_queue.put(_update(app, 10_000 + i, message("/help", chat_=chat(7))))
        await app.update_queue.put(_update(app, 20_000, message("/help", chat_=chat(8))))
        await request.until(lambda: len(request.by_chat[8]) == 1)  # someone else: answered
        await request.until(lambda: processor.dropped == 500 - 1 - processor.per_chat)
        assert processor.backlog <= processor.per_chat + 1  # memory: its cap, not 500
        gate.set()
        await request.until(lambda: len(request.by_chat[7]) == 1 + processor.per_chat)
        await request.until(lambda: processor.backlog == 0)


def _update(app: Any, update_id: int, raw: dict[str, Any]) -> Any:
    from telegram import Update

    return Update.de_json({"update_id": update_id} | raw, app.bot)


def _body(update_id: int, chat_id: int) -> bytes:
    return json.dumps({"update_id": update_id} | message("/help", chat_=chat(chat_id))).encode()


async def test_webhook_answers_503_with_retry_after_at_the_in_flight_cap(
        settings: Settings, services: Services) -> None:
    request = ChatRequest()
    gates = [request.hold_first_answer(100 + i) for i in range(3)]
    async with running(settings, services, request, concurrency=8) as app:
        server = WebhookServer(app, SECRET, max_in_flight=3)  # answers once handled
        async with TestClient(TestServer(server.web_app())) as client:
            held = [asyncio.create_task(client.post(
                "/telegram", data=_body(i + 1, 100 + i), headers={SECRET_HEADER: SECRET}))
                for i in range(3)]
            for _ in range(1000):  # (answers are held: nothing else would wake a waiter)
                if request.in_flight == 3:
                    break
                await asyncio.sleep(0.01)
            assert server.in_flight == request.in_flight == 3
            resp = await client.post("/telegram", data=_body(9, 200),
                                     headers={SECRET_HEADER: SECRET})
            assert resp.status == 503  # Telegram keeps the update and sends it again...
            assert resp.headers["Retry-After"] == "5"
            for gate in gates:
                gate.set()
            assert [(await t).status for t in held] == [200, 200, 200]
            resp = await client.post("/telegram", data=_body(9, 200),
                                     headers={SECRET_HEADER: SECRET})
            assert resp.status == 200  # ...and, once there is room, it is taken
            assert len(request.by_chat[200]) == 1  # (answered before the 200)


class Polls(RecordingRequest):
    """Answers getUpdates with nothing at once, counting the calls."""

    def __init__(self) -> None:
        super().__init__()
        self.polls = 0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        self.polls += 1
        return 200, b'{"ok": true, "result": []}'


async def test_polling_holds_the_next_get_updates_while_the_backlog_is_full() -> None:
    from bot.transport.ptb_private import request_data

    full = [True]
    inner = Polls()
    polling = LookAheadRequest(inner, hold=lambda: full[0])
    call = asyncio.create_task(polling.do_request(
        "http://x/botT/getUpdates", "POST", request_data({"timeout": 10, "offset": 5})))
    for _ in range(20):
        await asyncio.sleep(0.01)
    assert inner.polls == 0  # held: this poll would confirm updates the bot cannot take
    assert not call.done()
    full[0] = False
    assert (await asyncio.wait_for(call, 5))[0] == 200
    assert inner.polls in (1, 2)  # this poll, and perhaps the look-ahead after it
    await polling.shutdown()


class Hangs(ChatRequest):
    """Telegram never answers calls for chat 9 (a connection that hangs)."""

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        params = dict(request_data.parameters) if request_data else {}
        if params.get("chat_id") == 9:
            await asyncio.Event().wait()
        return await super().do_request(url, method, request_data, *args, **kwargs)


async def test_stop_is_bounded_by_the_update_deadline(settings: Settings, services: Services,
                                                      caplog: Any) -> None:
    request = Hangs()
    async with asyncio.timeout(20):  # without the deadline, stop() would wait forever
        async with running(settings, services, request, concurrency=4) as app:
            processor = app.update_processor
            assert isinstance(processor, ChatOrderedProcessor)
            processor.deadline = 0.5
            await app.update_queue.put(_update(app, 1, message("/help", chat_=chat(9))))
            await app.update_queue.put(_update(app, 2, message("/help", chat_=chat(10))))
            await request.until(lambda: len(request.by_chat[10]) == 1)
    assert "an update took longer than 0.5 s and was abandoned" in caplog.text
