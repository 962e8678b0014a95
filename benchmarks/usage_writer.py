"""Usage-log benchmark: events per second into a real SQLite file, and the cost per update.

Run from the repository root::

    python -m benchmarks.usage_writer [--events 50000] [--updates 2000] [--rounds 5]

1. Writer throughput: events are recorded in chunks of 1000 and each chunk is waited for, so the
   figure is what the writer sustains, not how fast a queue fills. Every event gets its own
   combination of hour, kind, section, chat type and language as far as possible, so batches
   aggregate little (the pessimistic case).
2. Added cost per update: the real Application handles the same updates (section commands and
   button taps) with recording switched off and on, in paired rounds of the same run (the order
   within a pair alternates; garbage collection is paused while timing, as in timeit); the
   median over rounds of the paired differences and ratios is printed. With
   recording on, the time includes writing every event to the file before the round ends
   (not opening and closing the file, which happen once per run of the bot).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from telegram import Update

from bot.app import build_application, build_services
from bot.config import Settings
from bot.content.keyboards import encode
from bot.context import Services
from bot.usage.log import UsageLog
from tests.recording import RecordingRequest, callback, message

TOKEN = "123456:BENCH-token-not-real_abcdefghijklmn"
KINDS = ("command", "button", "deep_link", "inline_query", "inline_chosen", "search", "share",
         "feedback", "unknown")
CHATS = ("private", "group", "supergroup", "inline")
LANGUAGES = ("en", "de", "fr", "es", "pt", "uk", "other")


async def writer_rate(path: Path, events: int, sections: list[str]) -> tuple[float, int]:
    """Events per second the writer sustains into ``path``, and how many the file then holds."""
    log = UsageLog(path)
    await log.start()
    started = time.perf_counter()
    for first in range(0, events, 1000):
        for i in range(first, min(first + 1000, events)):
            log.record(KINDS[i % 9], sections[i % len(sections)], chat_type=CHATS[i % 4],
                       language=LANGUAGES[i % 7], user_id=i % 10_007)
        await log.flush(timeout=60)
    await log.close()
    elapsed = time.perf_counter() - started
    with sqlite3.connect(path) as db:
        (stored,) = db.execute("SELECT sum(n) FROM events").fetchone()
    return events / elapsed, int(stored)


async def per_update(services: Services, settings: Settings, updates: int,
                     record: bool) -> float:
    """Seconds per update through the real Application, recording off or on."""
    usage = UsageLog.from_settings(settings) if record else None
    app = build_application(settings, request=RecordingRequest(),
                            services=dataclasses.replace(services, settings=settings,
                                                         usage=usage))
    # The bot's rate limiter lets ~30 API calls a second through; here it would only measure
    # itself, identically in both modes, so it is switched off for both.
    app.bot._rate_limiter = None
    sections = [s.command for s in services.content.walk()]
    raws = [callback(encode("s", services.content.walk()[i % len(sections)].id)) if i % 2
            else message(f"/{sections[i % len(sections)]}") for i in range(updates)]
    async with app:
        parsed = [Update.de_json(raw, app.bot) for raw in raws]
        if usage is not None:
            await usage.start()
        gc.collect()  # as timeit does: no collection of earlier rounds' garbage in this one
        gc.disable()
        try:
            started = time.perf_counter()
            for update in parsed:
                await app.process_update(update)
            if usage is not None:
                await usage.flush(timeout=60)  # every event written, inside the measured time
            elapsed = time.perf_counter() - started
        finally:
            gc.enable()
        if usage is not None:
            await usage.close()
    return elapsed / updates


async def run(events: int, updates: int, rounds: int) -> None:
    services = build_services(Settings(token=TOKEN))
    sections = list(services.content.sections)
    with tempfile.TemporaryDirectory(prefix="usage-bench-") as tmp:
        path = Path(tmp) / "usage.sqlite3"
        rate, stored = await writer_rate(path, events, sections)
        print(f"writer: {events} events into a real file ({path.name}, WAL): "
              f"{rate:,.0f} events/s sustained; {stored} events in the file")
        off, on = [], []
        for n in range(rounds + 1):
            settings = Settings(token=TOKEN, db_path=Path(tmp) / f"round{n}.sqlite3")
            if n == 0:  # a warm-up pair, not counted (first-use caches, imports)
                await per_update(services, settings, updates, record=False)
                await per_update(services, settings, updates, record=True)
                continue
            for record in (False, True) if n % 2 else (True, False):  # alternate the order
                (on if record else off).append(
                    await per_update(services, settings, updates, record=record))
    base, with_log = statistics.median(off), statistics.median(on)
    # Rounds are paired (off, then on, back to back), so each pair sees the same machine load.
    pairs = list(zip(off, on, strict=True))
    ratio = statistics.median(b / a for a, b in pairs)
    added = statistics.median(b - a for a, b in pairs)
    print(f"updates: {updates} per round, {rounds} alternating round(s), medians")
    print(f"  recording disabled: {base * 1e6:.1f} µs per update")
    print(f"  recording enabled:  {with_log * 1e6:.1f} µs per update")
    print(f"  added cost: {added * 1e6:+.1f} µs per update (ratio {ratio:.2f}, median of the "
          "paired rounds)")


def main(argv: list[str] | None = None) -> int:
    """Parse the sizes and run both measurements."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.usage_writer",
                                     description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}")
    asyncio.run(run(args.events, args.updates, args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
