"""The Telegram-like sender's lean HTTP client, against a real aiohttp server on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from tests.leanhttp import Pool, RequestFailed
from tests.scalekit import free_port

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def serving(handler: Handler, keepalive: float = 75.0) -> AsyncIterator[str]:
    """An aiohttp server answering ``POST /hook`` with ``handler``; yields its URL."""
    app = web.Application()
    app.router.add_post("/hook", handler)
    runner = web.AppRunner(app, access_log=None, keepalive_timeout=keepalive,
                           handle_signals=False)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        await runner.cleanup()


async def echo(request: web.Request) -> web.Response:
    """The body back, with the client's port: which connection carried the request."""
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return web.Response(body=await request.read(), headers={"X-Port": str(peer[1])})


async def test_answers_come_back_whole_on_one_kept_alive_connection() -> None:
    async with serving(echo) as url:
        pool = Pool(url, timeout=5)
        first = await pool.post(b'{"update_id": 1}', {"Content-Type": "application/json"})
        second = await pool.post(b"x" * 100_000, {})
        pool.close()
    assert (first.status, first.body) == (200, b'{"update_id": 1}')
    assert second.body == b"x" * 100_000
    assert first.headers["x-port"] == second.headers["x-port"]


async def test_a_chunked_answer_and_retry_after_are_read() -> None:
    async def chunked(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=503, headers={"Retry-After": "5"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for part in (b'{"ok":', b"false", b"}"):
            await response.write(part)
        await response.write_eof()
        return response

    async with serving(chunked) as url:
        pool = Pool(url, timeout=5)
        answer = await pool.post(b"{}", {})
        pool.close()
    assert (answer.status, answer.headers["retry-after"], answer.body) == (
        503, "5", b'{"ok":false}')


async def test_an_idle_connection_the_server_closed_is_not_reused() -> None:
    async with serving(echo, keepalive=0.2) as url:
        pool = Pool(url, timeout=5)
        first = await pool.post(b"1", {})
        await asyncio.sleep(0.6)  # the server's keep-alive runs out and it closes the connection
        second = await pool.post(b"2", {})
        pool.close()
    assert (first.body, second.body) == (b"1", b"2")
    assert first.headers["x-port"] != second.headers["x-port"]


async def test_connection_close_is_honoured() -> None:
    async def closing(_: web.Request) -> web.Response:
        return web.Response(body=b"bye", headers={"Connection": "close"})

    async with serving(closing) as url:
        pool = Pool(url, timeout=5)
        answers = [await pool.post(b"", {}) for _ in range(2)]
        pool.close()
    assert [a.body for a in answers] == [b"bye", b"bye"]
    assert pool._idle == []


async def test_a_worker_that_dies_mid_request_is_a_failed_delivery() -> None:
    async def dies(request: web.Request) -> web.Response:
        assert request.transport is not None
        request.transport.abort()  # what SIGKILL does to the worker's sockets
        await asyncio.sleep(1)
        return web.Response(body=b"never")

    async with serving(dies) as url:
        pool = Pool(url, timeout=5)
        with pytest.raises(RequestFailed):
            await pool.post(b"{}", {})
        pool.close()


async def test_no_answer_in_time_and_no_server_are_failed_deliveries() -> None:
    async def slow(_: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.Response(body=b"late")

    async with serving(slow) as url:
        pool = Pool(url, timeout=0.2)
        with pytest.raises(RequestFailed, match="TimeoutError"):
            await pool.post(b"{}", {})
        pool.close()
    nobody = Pool(f"http://127.0.0.1:{free_port()}/hook", timeout=2)
    with pytest.raises(RequestFailed):
        await nobody.post(b"{}", {})
