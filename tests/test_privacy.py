"""No identifying byte reaches the usage database, its WAL or its shared-memory file.

A scripted session with distinctive ids, names and texts runs through the real Application; then
every byte of ``usage.sqlite3``, ``-wal`` and ``-shm`` is searched for those values (as text and
as the integer encodings SQLite or a careless hash would use).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from bot.content.keyboards import encode
from bot.context import Services, services_of
from bot.usage.log import UsageLog
from tests.fakeapi import (
    callback_update,
    chosen_inline_result_update,
    group_chat,
    inline_query_update,
    make_message,
    message_update,
    private_chat,
    sticker_update,
    user,
)
from tests.recording import BOT_USER, feed
from tests.usagekit import rows

# Every value needs at least four bytes, so an accidental match in the file is unlikely.
PATIENT_ID = 918_273_645_519
DAUGHTER_ID = 7_364_519_028_113
GROUP_ID = -1_007_766_554_433_221
MESSAGE_IDS = (48_151_623, 42_424_242, 31_415_926)
NAMES = ("Philippa", "Quennell", "marigold_lantern_7", "Wendeline", "Throckmorton",
         "Thistlewood family chat", "ottoline_owl_watch")
TEXTS = ("my mother Ottoline has a lump near her liver", "xylofibrillate",
         "nonsense_qwertyuiop", "quasar grandma scan results", "zymurgical prognosis",
         # crisis and feelings (issue 17): answered, and only their kind recorded
         "Ottoline here, I want to end my life", "so terrified for grandma Ottoline")

_update_ids = itertools.count(88_000_001)


def _u(raw: dict[str, Any]) -> dict[str, Any]:
    return {"update_id": next(_update_ids)} | raw


def session() -> list[dict[str, Any]]:
    """What a patient in private and a daughter in a family group might send."""
    patient = user(PATIENT_ID, "Philippa", "marigold_lantern_7", "pt-BR", last_name="Quennell")
    daughter = user(DAUGHTER_ID, "Wendeline", "ottoline_owl_watch", "en",
                    last_name="Throckmorton")
    mine = private_chat(PATIENT_ID, first_name="Philippa", username="marigold_lantern_7")
    group = group_chat(GROUP_ID, title="Thistlewood family chat")
    bot_message = make_message(chat=mine, from_user=BOT_USER, message_id=MESSAGE_IDS[2],
                               text="Overview")

    def say(text: str, who: dict[str, Any] = patient, where: dict[str, Any] = mine,
            message_id: int | None = None, **kw: Any) -> dict[str, Any]:
        return _u(message_update(text, chat=where, from_user=who, message_id=message_id, **kw))

    return [
        say("/start", message_id=MESSAGE_IDS[0]),
        say("/start colorectal"),
        say("/colorectal"),
        _u(callback_update(encode("s", "spread"), message=bot_message, from_user=patient)),
        _u(callback_update(encode("f", "overview", 1), message=bot_message, from_user=patient)),
        _u(callback_update("forged|" + TEXTS[4], message=bot_message, from_user=patient)),
        say(TEXTS[0], message_id=MESSAGE_IDS[1]),
        say(TEXTS[5]),
        say(TEXTS[6]),
        say(f"/glossary {TEXTS[1]}"),
        say(f"/{TEXTS[2]}"),
        say(TEXTS[0], edited=True),
        _u(sticker_update(chat=mine, from_user=patient)),
        say("/breast@LiverTestBot", daughter, group),
        say("/stats@LiverTestBot", daughter, group),
        say(f"/glossary@LiverTestBot {TEXTS[1]}", daughter, group),
        _u(inline_query_update(TEXTS[3], from_user=daughter)),
        _u(chosen_inline_result_update("colorectal", TEXTS[3], from_user=daughter)),
    ]


def needles(key: bytes, digests: list[bytes]) -> dict[str, bytes]:
    """Every encoding of every identifying value that must not be in the files."""
    found: dict[str, bytes] = {}
    for number in (PATIENT_ID, DAUGHTER_ID, GROUP_ID, *MESSAGE_IDS):
        found[f"{number} as text"] = str(number).encode()
        for size in (4, 6, 8):
            if -(2 ** (size * 8 - 1)) <= number < 2 ** (size * 8 - 1):
                for order in ("little", "big"):
                    found[f"{number} as {size}-byte {order}"] = number.to_bytes(
                        size, order, signed=True)  # type: ignore[arg-type]
    for text in (*NAMES, *TEXTS):
        found[repr(text)] = text.encode()
    for word in ("Ottoline", "qwertyuiop", "quasar", "zymurgical", "terrified", "end my life"):
        found[repr(word)] = word.encode()
    found["the daily key"] = key
    for i, digest in enumerate(digests):
        found[f"keyed hash {i}"] = digest
    return found


def wal_size(path: Path) -> int:
    return Path(f"{path}-wal").stat().st_size


def scan(path: Path, forbidden: dict[str, bytes]) -> list[str]:
    leaks = []
    files = [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
    for file in files:
        data = file.read_bytes()
        leaks += [f"{name} in {file.name}" for name, needle in forbidden.items()
                  if needle in data]
    return leaks


async def test_nothing_identifying_in_the_database(app: Any, services: Services) -> None:
    usage = services_of(app).usage
    assert isinstance(usage, UsageLog)
    for raw in session():
        await feed(app, raw)
    assert await usage.flush()
    forbidden = needles(usage.uniques.key, [usage.uniques.digest(i)
                                            for i in (PATIENT_ID, DAUGHTER_ID)])
    path = services_of(app).settings.db_path
    assert wal_size(path) > 0  # the events are in the WAL right now
    assert scan(path, {"a section id": b"colorectal"}) != []  # the scan does find what's there
    assert scan(path, forbidden) == []
    await usage.close()
    assert scan(path, forbidden) == []
    # ...and the session really was recorded (the scan looked at real data).
    assert rows(path, "SELECT kind, sum(n) FROM events GROUP BY kind ORDER BY kind") == [
        ("button", 1), ("command", 5), ("crisis", 1), ("deep_link", 1), ("feedback", 1),
        ("feelings", 1), ("inline_chosen", 1), ("inline_query", 1), ("search", 1),
        ("unknown", 4)]
    assert rows(path, "SELECT n FROM daily_users") == [(2,)]
    assert rows(path, "SELECT DISTINCT language FROM languages ORDER BY 1") == [("en",), ("pt",)]
