"""Calls of one turn of the event loop sent as one (bot.transport.coalesce)."""

from __future__ import annotations

import asyncio

import pytest

from bot.transport.coalesce import Coalescer


class Store:
    """Records each call it gets; answers every item with the item doubled."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[list[int]] = []
        self.fail = fail

    async def send(self, items: list[int]) -> list[int]:
        self.calls.append(list(items))
        await asyncio.sleep(0)  # a round trip
        if self.fail:
            raise ConnectionError("store down")
        return [2 * item for item in items]


async def test_the_calls_of_one_turn_go_in_one_call_in_their_order() -> None:
    store = Store()
    coalesced = Coalescer(store.send)
    assert await asyncio.gather(*(coalesced(n) for n in range(5))) == [0, 2, 4, 6, 8]
    assert store.calls == [[0, 1, 2, 3, 4]]


async def test_calls_of_later_turns_go_in_calls_of_their_own() -> None:
    store = Store()
    coalesced = Coalescer(store.send)
    assert await coalesced(1) == 2
    assert await coalesced(2) == 4
    assert store.calls == [[1], [2]]


async def test_an_error_reaches_every_caller_of_that_call() -> None:
    coalesced = Coalescer(Store(fail=True).send)
    results = await asyncio.gather(coalesced(1), coalesced(2), return_exceptions=True)
    assert [type(r) for r in results] == [ConnectionError, ConnectionError]
    with pytest.raises(ConnectionError):
        await coalesced(3)


async def test_a_cancelled_caller_leaves_the_others_their_answers() -> None:
    store = Store()
    coalesced = Coalescer(store.send)
    first = asyncio.ensure_future(coalesced(1))
    second = asyncio.ensure_future(coalesced(2))
    await asyncio.sleep(0)  # both waiting
    first.cancel()
    assert await second == 4
    assert first.cancelled()
    assert store.calls == [[1, 2]]  # the cancelled one's item was sent all the same
