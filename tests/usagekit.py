"""Helpers for usage-log tests: a settable clock and plain reads of the real SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


@dataclass
class FakeClock:
    """A clock the test moves by hand."""

    now: datetime = datetime(2026, 3, 4, 10, 17, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock forward."""
        self.now += timedelta(**delta)


def rows(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of a query, read with a fresh connection as another process would."""
    with closing(sqlite3.connect(path)) as db:
        return db.execute(sql, params).fetchall()


def total_events(path: Path) -> int:
    """Every event in the file: hourly counts plus daily roll-ups."""
    ((hourly,),) = rows(path, "SELECT coalesce(sum(n), 0) FROM events")
    ((daily,),) = rows(path, "SELECT coalesce(sum(n), 0) FROM daily")
    return int(hourly) + int(daily)


def total_dropped(path: Path) -> int:
    """Every drop the file counts."""
    ((dropped,),) = rows(path, "SELECT coalesce(sum(n), 0) FROM dropped")
    return int(dropped)


@contextmanager
def write_locked(path: Path) -> Iterator[None]:
    """Hold the database's write lock from another connection, as a stuck process would."""
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            db.execute("COMMIT")
