"""The one small interface the usage log writes through: SQLite (default) or PostgreSQL.

:class:`bot.usage.sqlitestore.SqliteStore` keeps the counts in one file for one process;
:class:`bot.usage.postgres.PostgresStore` in a PostgreSQL database that several workers share.
Both store the same tables with the same meaning (see :mod:`bot.usage.sqlite`), so ``/stats``
and ``python -m bot stats`` give the same figures from either.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from bot.usage.batch import Batch
from bot.usage.stats import Report


class Store(Protocol):
    """Where the usage counts live."""

    faults: tuple[type[BaseException], ...]  # what a broken or missing database raises

    @property
    def connected(self) -> bool:
        """Whether a connection is open now."""

    def describe(self) -> str:
        """The database, for the operator's log (no password)."""

    async def open(self) -> None:
        """Connect (reconnecting if the database was replaced) and apply migrations."""

    async def close(self) -> None:
        """Close the connection; a broken one is gone either way."""

    def must_reconnect(self, exc: BaseException) -> bool:
        """After this fault, drop the connection (False: it was only busy, just wait)."""

    async def write(self, batch: Batch) -> None:
        """Add a batch's counts in one transaction."""

    def let_go(self) -> bool:
        """The event loop is gone (a second signal): release the connections it held, undoing
        anything it left half done. Whether the write it was waiting for had been committed."""

    def write_now(self, batch: Batch) -> None:
        """The same without the event loop (a second signal stopped it), in bounded time."""

    async def set_people(self, day: date, n: int) -> None:
        """A closed day's count of different people (from Redis), never lowering a count."""

    async def roll_up(self, before: date) -> int:
        """Merge hourly counts of days before ``before`` into daily totals, once among workers."""

    async def collect(self, first: date, last: date) -> Report:
        """The figures for ``first``..``last``."""

    async def ready(self) -> bool:
        """The database answers."""
