"""The services fixtures start real servers: PostgreSQL answers, Redis keeps nothing on disk."""

from __future__ import annotations

import asyncpg
import pytest
import redis.asyncio as aioredis

from tests.servicekit import database_url, postgres_server, redis_server, redis_url

__all__ = ["database_url", "postgres_server", "redis_server", "redis_url"]
pytestmark = pytest.mark.services


async def test_postgres_answers(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT 40 + 2") == 42
    finally:
        await conn.close()


async def test_redis_runs_without_persistence(redis_url: str) -> None:
    client = aioredis.from_url(redis_url)
    try:
        assert await client.config_get("save") == {"save": ""}
        assert await client.config_get("appendonly") == {"appendonly": "no"}
    finally:
        await client.aclose()
