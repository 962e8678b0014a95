"""The retry policy of bot/retry.py, against a scripted inner request (no network)."""

from __future__ import annotations

from typing import Any

import aiohttp
import httpx
import pytest
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.transport.retry import RetryingRequest

URL = "http://127.0.0.1:1/bot123:abc/"


def _network_error(cause: Exception) -> NetworkError:
    err = TimedOut() if isinstance(cause, httpx.TimeoutException) else NetworkError("down")
    err.__cause__ = cause
    return err


class Scripted(BaseRequest):
    """Plays back a list of outcomes: an int status code, or an exception to raise."""

    def __init__(self, *outcomes: int | Exception) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome, b'{"ok": true, "result": true}'


async def _call(inner: Scripted, method: str) -> tuple[int, bytes]:
    return await RetryingRequest(inner, attempts=4, base_delay=0).do_request(URL + method, "POST")


@pytest.mark.parametrize("method", ["sendMessage", "editMessageText", "answerCallbackQuery"])
async def test_5xx_is_retried_until_success(method: str) -> None:
    inner = Scripted(502, 503, 200)
    assert (await _call(inner, method))[0] == 200
    assert inner.calls == 3


async def test_retries_are_bounded() -> None:
    inner = Scripted(502, 502, 502, 502, 200)
    assert (await _call(inner, "sendMessage"))[0] == 502
    assert inner.calls == 4


@pytest.mark.parametrize("code", [400, 403, 404, 409, 429])
async def test_4xx_is_never_retried(code: int) -> None:
    inner = Scripted(code, 200)
    assert (await _call(inner, "sendMessage"))[0] == code
    assert inner.calls == 1


@pytest.mark.parametrize("cause", [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"),
                                   httpx.PoolTimeout("busy"),
                                   aiohttp.ConnectionTimeoutError("slow to connect")])
async def test_request_that_never_left_is_retried(cause: Exception) -> None:
    inner = Scripted(_network_error(cause), 200)
    assert (await _call(inner, "sendMessage"))[0] == 200
    assert inner.calls == 2


@pytest.mark.parametrize("cause", [httpx.ReadTimeout("late"),
                                   httpx.RemoteProtocolError("disconnected"),
                                   aiohttp.ServerDisconnectedError(),
                                   aiohttp.SocketTimeoutError("late")])
async def test_send_that_may_have_arrived_is_not_repeated(cause: Exception) -> None:
    inner = Scripted(_network_error(cause), 200)
    with pytest.raises(NetworkError):
        await _call(inner, "sendMessage")
    assert inner.calls == 1


async def test_edit_after_broken_connection_is_repeated() -> None:
    inner = Scripted(_network_error(httpx.RemoteProtocolError("disconnected")), 200)
    assert (await _call(inner, "editMessageText"))[0] == 200
    assert inner.calls == 2


async def test_get_updates_is_left_to_the_polling_loop() -> None:
    inner = Scripted(502, 200)
    assert (await _call(inner, "getUpdates"))[0] == 502
    inner = Scripted(_network_error(httpx.ConnectError("refused")), 200)
    with pytest.raises(NetworkError):
        await _call(inner, "getUpdates")
