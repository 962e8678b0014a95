"""Release updates to the bot and match every answering API call to the update it answers.

An update counts as *answered* when the bot makes its first answering call for it (sendMessage,
editMessageText, answerCallbackQuery, answerInlineQuery, ...), and as *complete* at the last one
(a button tap is answered by ``answerCallbackQuery`` and complete at ``editMessageText``).
Latency runs from the update's release (when ``getUpdates`` could first hand it out) to
completion. Matching is exact where the Bot API allows it — callback and inline query ids, the
tapped message's chat and id, the quoted message of a group reply — and otherwise falls back to
the oldest unanswered message of that chat (private-chat replies do not quote).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

ANSWERING = frozenset({"sendmessage", "editmessagetext", "answercallbackquery",
                       "answerinlinequery", "editmessagereplymarkup", "sendphoto",
                       "senddocument", "copymessage"})


@dataclass(eq=False)
class Entry:
    """One released update and what happened to it."""

    kind: str
    chat: int | None
    released: float
    payload: bytes
    expected: bool = True  # False for kinds the bot did not answer in the warm-up
    run: int = 0
    message: dict[str, Any] | None = None  # the update's message, quoted by group replies
    first: float | None = None
    last: float | None = None
    calls: int = 0


@dataclass
class Tracker:
    """Pending updates for ``getUpdates`` (or, with ``on_update``, handed to a webhook sender)
    plus the call-to-update matching."""

    on_release: Callable[[], None] = lambda: None
    on_answer: Callable[[Entry], None] = lambda entry: None
    on_update: Callable[[dict[str, Any], bytes], None] | None = None  # webhook: push it
    pending: deque[tuple[int, bytes]] = field(default_factory=deque)
    entries: list[Entry] = field(default_factory=list)
    next_update_id: int = 1
    unmatched: int = 0
    last_answer: float = 0.0
    chats: dict[int, dict[str, Any]] = field(default_factory=dict)
    calls: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    _queries: dict[str, Entry] = field(default_factory=dict)
    _messages: dict[tuple[int, int], Entry] = field(default_factory=dict)
    _open: defaultdict[int, deque[Entry]] = field(default_factory=lambda: defaultdict(deque))
    _taps: dict[int, Entry] = field(default_factory=dict)  # a chat's last button tap

    def release(self, item: dict[str, Any], now: float, *, expected: bool = True,
                run: int = 0) -> Entry:
        """Make one workload item available to ``getUpdates``; index it for matching."""
        update = dict(item["update"], update_id=self.next_update_id)
        self.next_update_id += 1
        payload = b'{"update_id":%d,' % update["update_id"] + item["encoded"]  # see encode()
        body = next(v for k, v in update.items() if k != "update_id")
        chat = (body.get("message") or body).get("chat", {}).get("id")
        message = body if "message" in update else None
        entry = Entry(item["kind"], chat, now, payload, expected, run, message)
        self.entries.append(entry)
        if "callback_query" in update or "inline_query" in update:
            self._queries[body["id"]] = entry
        if chat is not None:
            self.chats[chat] = (body.get("message") or body)["chat"]
            message_id = (body.get("message") or body)["message_id"]
            self._messages[(chat, message_id)] = entry
            if "message" in update:
                self._open[chat].append(entry)
            else:
                self._taps[chat] = entry
        if self.on_update is not None:
            self.on_update(update, payload)
            return entry
        self.pending.append((update["update_id"], payload))
        self.on_release()
        return entry

    @staticmethod
    def encode(items: list[dict[str, Any]]) -> None:
        """Encode each item's update (but its id) ahead of a run, so releasing it costs less;
        :meth:`release` needs it."""
        for item in items:
            item["encoded"] = json.dumps(item["update"]).encode()[1:]

    def confirm(self, offset: int) -> None:
        """Forget updates below ``offset`` (the bot has them), as Telegram does."""
        while self.pending and self.pending[0][0] < offset:
            self.pending.popleft()

    def take(self, limit: int) -> list[bytes]:
        """Up to ``limit`` pending updates (they stay pending until confirmed)."""
        return [payload for _, payload in islice(self.pending, limit)]

    def on_call(self, method: str, params: dict[str, Any], now: float) -> None:
        """Record one API call; if it answers an update, stamp that update."""
        self.calls[method] += 1
        if method not in ANSWERING:
            return
        entry = self._match(method, params)
        if entry is None:
            self.unmatched += 1
            return
        entry.calls += 1
        entry.last = self.last_answer = now
        if entry.first is None:
            entry.first = now
            self.on_answer(entry)

    def quoted(self, chat: int, message_id: int) -> dict[str, Any] | None:
        """The user's message with this id, for ``reply_to_message`` in the answer."""
        entry = self._messages.get((chat, message_id))
        return entry.message if entry is not None else None

    def _match(self, method: str, params: dict[str, Any]) -> Entry | None:
        query = params.get("callback_query_id") or params.get("inline_query_id")
        if query is not None:
            return self._queries.get(str(query))
        chat = params.get("chat_id")
        if not isinstance(chat, int):
            return None
        message_id = params.get("message_id") if method.startswith("edit") else None
        reply = params.get("reply_parameters")
        if message_id is None and isinstance(reply, dict):
            message_id = reply.get("message_id")
        message_id = message_id or params.get("reply_to_message_id")
        entry = self._messages.get((chat, message_id)) if message_id else None
        if method not in ("sendmessage", "sendphoto"):
            return entry
        waiting = self._open.get(chat)
        if entry is None:  # the oldest unanswered message, or else the chat's last tap
            entry = waiting[0] if waiting else self._taps.get(chat)
        if method == "sendphoto":  # a section's picture: its text follows and closes the entry
            return entry
        if entry is not None and waiting and entry in waiting:
            waiting.remove(entry)
            if not waiting:
                del self._open[chat]
        return entry


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (nearest rank) of ``values``; ``inf`` counts as unanswered."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summary(entries: list[Entry], start: float, end: float) -> dict[str, Any]:
    """The figures of one measured run over ``entries`` released from ``start`` on."""
    answered = [e for e in entries if e.first is not None]
    latencies = [(e.last - e.released) if e.last is not None else math.inf
                 for e in entries if e.expected or e.first is not None]
    duration = max(end - start, 1e-9)
    by_kind: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
    for e in entries:
        by_kind[e.kind][0] += 1
        by_kind[e.kind][1] += e.first is not None
    p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
    behind = queued_behind(entries)
    alone = percentile([lat for lat, late in zip(latencies, behind, strict=True) if not late],
                       0.99)
    return {
        "released": len(entries),
        "answered": len(answered),
        "unanswered_expected": sum(1 for e in entries if e.expected and e.first is None),
        "unanswered_silent": sum(1 for e in entries if not e.expected and e.first is None),
        "out_of_order": out_of_order(entries),
        "duration_s": round(duration, 4),
        "updates_per_s": round(len(answered) / duration, 2),
        "p50_ms": None if math.isinf(p50) or math.isnan(p50) else round(p50 * 1000, 2),
        "p99_ms": None if math.isinf(p99) or math.isnan(p99) else round(p99 * 1000, 2),
        "behind": sum(behind),
        "p99_alone_ms": None if math.isinf(alone) or math.isnan(alone) else round(alone * 1000,
                                                                                  2),
        "by_kind": {kind: {"released": n, "answered": a} for kind, (n, a) in by_kind.items()},
    }


def queued_behind(entries: list[Entry]) -> list[bool]:
    """For each entry counted in the latencies: released while an earlier update of its chat was
    still unanswered (so it waited for that one, in Telegram's queue or on the chat's lock)."""
    busy_until: dict[int, float] = {}
    behind = []
    for entry in entries:
        if not (entry.expected or entry.first is not None):
            continue
        end = math.inf if entry.last is None else entry.last
        if entry.chat is None:
            behind.append(False)
            continue
        behind.append(entry.released < busy_until.get(entry.chat, -math.inf))
        busy_until[entry.chat] = max(end, busy_until.get(entry.chat, -math.inf))
    return behind


def out_of_order(entries: list[Entry]) -> int:
    """Updates answered before an update released earlier in the same chat."""
    latest: dict[int, float] = {}
    count = 0
    for entry in entries:
        if entry.chat is None or entry.first is None:
            continue
        if entry.first < latest.get(entry.chat, -math.inf):
            count += 1
        latest[entry.chat] = max(entry.first, latest.get(entry.chat, -math.inf))
    return count
