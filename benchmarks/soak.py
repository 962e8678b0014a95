"""Soak run: a steady mixed load with faults sprinkled in, for a configurable time.

The real bot runs as a subprocess (``python -m bot run``) against the fake Bot API on 127.0.0.1.
Every update comes from a fresh chat (or carries its own callback/inline query id), so each one
can be matched to the bot's answer. Faults: 502s and dropped connections on answers, flood
control (429 with retry_after), and 502s, drops and slow answers on polling.

It reports answers sent vs expected, the bot's memory (RSS) after warm-up and at the end, and
usage events recorded vs expected (read from the SQLite file after a SIGTERM stop).

    python -m benchmarks.soak                # 10 minutes
    python -m benchmarks.soak --seconds 60 --rate 30 --json
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import sqlite3
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.botproc import running_bot  # noqa: E402
from tests.fakeapi import (  # noqa: E402
    FakeBotAPI,
    Fault,
    callback_update,
    inline_query_update,
    message_update,
    private_chat,
    user,
)

TEXTS = ["/start", "/colorectal", "/breast", "/diagnosis", "/urgent", "/glossary afp",
         "/start tests_blood", "/help", "my skin is yellow", "can they operate on the liver",
         "what is a pet ct", "the weather tomorrow"]
INLINE = ["colorectal", "pet ct", "yellow skin", ""]
ANSWERS = ("sendMessage", "editMessageText", "answerCallbackQuery", "answerInlineQuery")


@dataclass
class Report:
    """What the soak run found."""

    seconds: float
    updates: int
    answered: int
    unanswered: int
    faults_injected: int
    rss_start_kb: int
    rss_mid_kb: int
    rss_end_kb: int
    rss_growth_pct: float
    rss_growth_second_half_pct: float
    events_expected: int
    events_recorded: int
    exit_code: int | None


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _answered(fake: FakeBotAPI, key: tuple[str, Any]) -> bool:
    kind, value = key
    for call in reversed(fake.calls):
        if call.method not in ANSWERS:
            continue
        if kind == "chat" and call.params.get("chat_id") == value:
            return True
        if kind == "callback" and call.params.get("callback_query_id") == value:
            return True
        if kind == "inline" and call.params.get("inline_query_id") == value:
            return True
    return False


def _inject_fault(fake: FakeBotAPI, rng: random.Random) -> None:
    fault = rng.choice(["502", "flood", "drop", "poll502", "polldrop", "pollslow"])
    if fault == "502":
        fake.inject("sendMessage", Fault.status(502))
    elif fault == "flood":
        fake.inject("sendMessage", Fault.flood(1))
    elif fault == "drop":
        fake.inject("editMessageText", Fault.drop())  # edits are repeated, so nothing is lost
    elif fault == "poll502":
        fake.inject("getUpdates", Fault.status(502))
    elif fault == "polldrop":
        fake.inject("getUpdates", Fault.drop())
    else:
        fake.inject("getUpdates", Fault.delay(1.0))


async def soak(seconds: float, rate: float, fault_every: int, seed: int) -> Report:
    """Run the load for ``seconds`` at ``rate`` updates per second."""
    rng = random.Random(seed)
    ids = itertools.count(50_000)
    expected: list[tuple[str, Any]] = []
    faults = 0
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "usage.sqlite3"
        async with FakeBotAPI() as fake, running_bot(fake, Path(tmp)) as bot:
            pid = bot.process.pid
            menu_chat = private_chat(49_999)
            fake.push_update(message_update("/start", chat=menu_chat))
            await fake.wait_for("sendMessage", lambda c: c.ok)
            await asyncio.sleep(1.0)
            rss_start = _rss_kb(pid)
            started = time.monotonic()
            tick = 1.0 / rate
            n = 0
            rss_mid = 0
            while time.monotonic() - started < seconds:
                n += 1
                if not rss_mid and time.monotonic() - started >= seconds / 2:
                    rss_mid = _rss_kb(pid)  # warm-up and caches are done by now
                if fault_every and n % fault_every == 0:
                    _inject_fault(fake, rng)
                    faults += 1
                roll = rng.random()
                if roll < 0.15:
                    query_id = str(next(ids))
                    update = inline_query_update(rng.choice(INLINE), from_user=user(next(ids)))
                    update["inline_query"]["id"] = query_id
                    expected.append(("inline", query_id))
                elif roll < 0.35:
                    message = fake.last_message(menu_chat["id"])
                    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
                    data = [b["callback_data"] for row in rows for b in row
                            if "callback_data" in b]
                    update = callback_update(rng.choice(data), message=message)
                    expected.append(("callback", update["callback_query"]["id"]))
                else:
                    chat = private_chat(next(ids))
                    update = message_update(rng.choice(TEXTS), chat=chat)
                    expected.append(("chat", chat["id"]))
                fake.push_update(update)
                await asyncio.sleep(tick)
            await asyncio.sleep(5.0)  # let retries and back-offs finish
            answered = sum(_answered(fake, key) for key in expected)
            rss_end = _rss_kb(pid)
            elapsed = time.monotonic() - started
            exit_code = await bot.stop()
        events = 0
        if db_path.exists():
            with sqlite3.connect(db_path) as db:
                events = sum(row[0] for table in ("events", "daily")
                             for row in db.execute(f"SELECT coalesce(sum(n), 0) FROM {table}"))
    return Report(
        seconds=round(elapsed, 1), updates=len(expected), answered=answered,
        unanswered=len(expected) - answered, faults_injected=faults, rss_start_kb=rss_start,
        rss_mid_kb=rss_mid, rss_end_kb=rss_end,
        rss_growth_pct=round(100 * (rss_end - rss_start) / rss_start, 1),
        rss_growth_second_half_pct=round(100 * (rss_end - rss_mid) / max(rss_mid, 1), 1),
        events_expected=len(expected) + 1, events_recorded=events, exit_code=exit_code)


def main(argv: list[str] | None = None) -> int:
    """Parse options, run, print a table (or JSON); exit 1 if anything was lost."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--rate", type=float, default=20.0, help="updates per second")
    parser.add_argument("--fault-every", type=int, default=40, help="one fault per N updates")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = asyncio.run(soak(args.seconds, args.rate, args.fault_every, args.seed))
    if args.json:
        print(json.dumps(asdict(report)))
    else:
        for key, value in asdict(report).items():
            print(f"{key:>18}  {value}")
    lost = report.unanswered or report.events_recorded != report.events_expected
    return 1 if lost or report.exit_code != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
