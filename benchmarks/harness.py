"""The CPU of what shares the machine with the bot in the webhook benchmark, and what it allows.

The sender and fake Bot API (one process, :mod:`benchmarks.fakeserver`, which measures itself),
PostgreSQL (the postmaster and its backends) and Redis run on the same cores as the workers.
Their CPU is read from ``/proc`` over the same stretch as the bot's: each server's process, its
live descendants, and the children it has reaped (a PostgreSQL backend that ended meanwhile).

:func:`best_ratio` turns the CPU per update into the most updates/s 2 workers could do over 1 on
this machine if every core were busy: one worker is bound by its own core (or by the cores it
shares with the harness), two by the cores all of it shares.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from benchmarks.load import TICKS, process_tree
from tests.servicekit import Postgres, Redis


def tree_cpu(root: int) -> float:
    """CPU seconds (user + system) of ``root``, its live descendants and what they reaped."""
    total = 0.0
    for pid in process_tree(root):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:  # ended meanwhile: counted in its parent's reaped time from now on
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        total += sum(int(f) for f in fields[11:15]) / TICKS  # utime, stime, cutime, cstime
    return total


def service_readers(servers: tuple[Postgres, Redis]) -> dict[str, Callable[[], float]]:
    """CPU readers of the PostgreSQL and Redis servers, for :func:`benchmarks.load.run_once`."""
    postgres, redis = servers
    datadir = Path(str(postgres.executor.datadir))
    postmaster = int((datadir / "postmaster.pid").read_text().split()[0])
    process = redis.executor.process
    assert process is not None
    return {"postgres": lambda: tree_cpu(postmaster), "redis": lambda: tree_cpu(process.pid)}


def harness_ms(figures: dict[str, float]) -> float:
    """CPU ms per update of the sender with the fake API, PostgreSQL and Redis in one run."""
    return sum(figures.get(f"{name}_cpu_ms_per_update", 0.0)
               for name in ("fake", "postgres", "redis"))


def best_ratio(one: dict[str, float], two: dict[str, float],
               cores: int | None = None) -> float | None:
    """The 2-worker over 1-worker updates/s the runs' CPU per update allows on ``cores`` cores.

    1 worker: at most one core's worth of its own CPU per update, and at most all cores' worth of
    its CPU plus the harness's; 2 workers: at most two cores' worth of theirs, and all cores'
    worth of theirs plus the harness's.
    """
    cores = cores or os.cpu_count() or 1
    b1, b2 = one.get("cpu_ms_per_update"), two.get("cpu_ms_per_update")
    if not b1 or not b2:
        return None
    best_one = min(1000 / b1, cores * 1000 / (b1 + harness_ms(one)))
    best_two = min(2000 / b2, cores * 1000 / (b2 + harness_ms(two)))
    return round(best_two / best_one, 3)
