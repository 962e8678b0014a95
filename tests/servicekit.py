"""Real PostgreSQL and redis-server for the ``services`` tests, each in a temporary folder.

Both are started from the system binaries by the executors of ``pytest-postgresql`` and
``pytest-redis`` on a free loopback port, once per test session, and stopped afterwards.
PostgreSQL refuses to run as root, so when the tests run as root its ``pg_ctl`` is called through
``runuser -u postgres`` and its folder belongs to that user. Redis runs with ``--save ''`` and
``--appendonly no``, as the README asks of a deployment: nothing it holds reaches a disk.
A missing binary fails with the command that installs it, never a skip. The same servers serve
the webhook load benchmark (:func:`running_postgres`, :func:`running_redis`).
"""

from __future__ import annotations

import glob
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

import port_for
import pytest
from pytest_postgresql.executors import PostgreSQLExecutor
from pytest_postgresql.janitor import DatabaseJanitor
from pytest_redis.executor import RedisExecutor

INSTALL = "apt-get update && apt-get install -y postgresql redis-server"


def _binary(name: str, *patterns: str) -> str:
    found = shutil.which(name) or next(
        (path for pattern in patterns for path in sorted(glob.glob(pattern), reverse=True)),
        None)
    if found is None:
        pytest.fail(f"{name} not found: the services tests need it ({INSTALL})")
    return found


@dataclass(frozen=True)
class Postgres:
    """A running server; :meth:`database` makes a fresh empty database on it."""

    executor: PostgreSQLExecutor
    pg_bin: Path
    numbers: Iterator[int] = field(default_factory=count)

    def url(self, dbname: str) -> str:
        """The ``postgresql://`` URL of ``dbname``."""
        return f"postgresql://postgres@127.0.0.1:{self.executor.port}/{dbname}"

    def tool(self, name: str) -> str:
        """A client program (``pg_dump``) of the same PostgreSQL version."""
        return str(self.pg_bin / name)


@contextmanager
def running_postgres() -> Iterator[Postgres]:
    """PostgreSQL 14+ on a free port, its data in a temporary folder, stopped afterwards."""
    pg_ctl = _binary("pg_ctl", "/usr/lib/postgresql/*/bin/pg_ctl")
    pg_bin = Path(os.path.realpath(pg_ctl)).parent
    root = Path(tempfile.mkdtemp(prefix="liverbot-pg-"))
    executable = pg_ctl
    if os.geteuid() == 0:  # initdb and postgres refuse root: run them as the postgres user
        wrapper = root / "pg_ctl"
        wrapper.write_text(f'#!/bin/sh\nexec runuser -u postgres -- "{pg_ctl}" "$@"\n')
        wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
        executable = str(wrapper)
        shutil.chown(root, "postgres")
    port = port_for.get_port(None)
    executor = PostgreSQLExecutor(
        executable=executable, host="127.0.0.1", port=port, datadir=str(root / "data"),
        unixsocketdir=str(root), logfile=str(root / "postgres.log"), startparams="-w",
        dbname="tests", user="postgres",
        postgres_options="-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
    executor.start()
    try:
        yield Postgres(executor, pg_bin)
    finally:
        executor.stop()
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def new_database(server: Postgres) -> Iterator[str]:
    """A new, empty database on ``server`` (its URL), dropped afterwards."""
    name = f"usage_{next(server.numbers)}"
    janitor = DatabaseJanitor(user="postgres", host="127.0.0.1", port=server.executor.port,
                              dbname=name)
    with janitor:
        yield server.url(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    """PostgreSQL for the whole test session (:func:`running_postgres`)."""
    with running_postgres() as server:
        yield server


@pytest.fixture
def database_url(postgres_server: Postgres) -> Iterator[str]:
    """A new, empty database for one test, dropped afterwards."""
    with new_database(postgres_server) as url:
        yield url


@dataclass(frozen=True)
class Redis:
    """A running redis-server."""

    executor: RedisExecutor

    @property
    def url(self) -> str:
        """``redis://`` URL of database 0."""
        return f"redis://127.0.0.1:{self.executor.port}/0"


@contextmanager
def running_redis() -> Iterator[Redis]:
    """redis-server on a free port without persistence (``--save '' --appendonly no``)."""
    root = Path(tempfile.mkdtemp(prefix="liverbot-redis-"))
    executor = RedisExecutor(
        executable=_binary("redis-server"), databases=4, redis_timeout=30, loglevel="warning",
        host="127.0.0.1", port=port_for.get_port(None), appendonly="no", datadir=root)
    executor.command_parts += ["--save", ""]  # pytest-redis leaves out an empty save
    executor.start()
    try:
        yield Redis(executor)
    finally:
        executor.stop()
        shutil.rmtree(root, ignore_errors=True)


def flush(server: Redis) -> None:
    """Empty every database of ``server``."""
    cli = [_binary("redis-cli"), "-p", str(server.executor.port), "FLUSHALL"]
    subprocess.run(cli, check=True, capture_output=True)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Redis]:
    """redis-server for the whole test session (:func:`running_redis`)."""
    with running_redis() as server:
        yield server


@pytest.fixture
def redis_url(redis_server: Redis) -> str:
    """The server, emptied for this test."""
    flush(redis_server)
    return redis_server.url
