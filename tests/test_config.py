"""Settings from environment variables: defaults, and one clear line for every bad value."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import DEFAULT_API_BASE_URL, ConfigError, Settings

TOKEN = "123456:ABCdef_ghi-jkl"


def test_defaults() -> None:
    settings = Settings.from_env({"BOT_TOKEN": TOKEN})
    assert settings.api_base_url == DEFAULT_API_BASE_URL
    assert settings.admin_ids == frozenset()
    assert settings.retention_days == 7
    assert settings.webhook_url is None
    assert TOKEN not in repr(settings)


def test_database_and_redis_urls() -> None:
    settings = Settings.from_env({"BOT_TOKEN": TOKEN,
                                  "BOT_DATABASE_URL": "postgresql://bot:pw@db/usage",
                                  "BOT_REDIS_URL": "unix:///run/redis.sock"})
    assert settings.database_url == "postgresql://bot:pw@db/usage"
    assert settings.redis_url == "unix:///run/redis.sock"
    assert "pw@" not in repr(settings)  # a password in the URL is never printed
    for name, bad in (("BOT_DATABASE_URL", "mysql://x"), ("BOT_REDIS_URL", "http://x")):
        with pytest.raises(ConfigError, match=name) as caught:
            Settings.from_env({"BOT_TOKEN": TOKEN, name: bad})
        assert bad not in str(caught.value)  # the value (it may hold a password) is not echoed


@pytest.mark.parametrize(("env", "fragment"), [
    ({}, "needs webhook mode"),
    ({"BOT_WEBHOOK_URL": "https://x.org", "BOT_WEBHOOK_SECRET": "s" * 40},
     "needs BOT_DATABASE_URL and BOT_REDIS_URL"),
    ({"BOT_WEBHOOK_URL": "https://x.org", "BOT_WEBHOOK_SECRET": "s" * 40,
      "BOT_DATABASE_URL": "postgresql://db/usage"}, "needs BOT_REDIS_URL"),
])
def test_several_workers_refuse_to_start_without_shared_state(
        tmp_path: Path, env: dict[str, str], fragment: str) -> None:
    full = {"PATH": "/usr/bin:/bin", "BOT_TOKEN": TOKEN,
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent)} | env
    result = subprocess.run([sys.executable, "-m", "bot", "run", "--workers", "2"],
                            cwd=tmp_path, env=full, capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert fragment in lines[0]


def test_all_values_parsed() -> None:
    settings = Settings.from_env(
        {
            "BOT_TOKEN": TOKEN,
            "BOT_API_BASE_URL": "http://127.0.0.1:9/bot",
            "BOT_ADMIN_IDS": " 12, 34 ,",
            "BOT_DB_PATH": "/tmp/x.db",
            "BOT_RETENTION_DAYS": "5",
            "BOT_WEBHOOK_URL": "https://example.org/hook",
            "BOT_WEBHOOK_SECRET": "s3cret_-X" * 4,
            "BOT_PORT": "8080",
            "BOT_LISTEN_HOST": "0.0.0.0",
        }
    )
    assert settings.admin_ids == frozenset({12, 34})
    assert settings.db_path == Path("/tmp/x.db")
    assert (settings.retention_days, settings.port) == (5, 8080)
    assert settings.webhook_secret == "s3cret_-X" * 4
    assert settings.listen_host == "0.0.0.0"
    assert Settings.from_env({"BOT_TOKEN": TOKEN}).listen_host == "127.0.0.1"  # the default


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({}, "BOT_TOKEN is not set"),
        ({"BOT_TOKEN": "nonsense"}, "BOT_TOKEN is malformed"),
        ({"BOT_TOKEN": TOKEN, "BOT_ADMIN_IDS": "12,abc"}, "BOT_ADMIN_IDS"),
        ({"BOT_TOKEN": TOKEN, "BOT_RETENTION_DAYS": "-3"}, "BOT_RETENTION_DAYS"),
        ({"BOT_TOKEN": TOKEN, "BOT_RETENTION_DAYS": "0"}, "BOT_RETENTION_DAYS"),
        ({"BOT_TOKEN": TOKEN, "BOT_RETENTION_DAYS": "30"}, "BOT_RETENTION_DAYS"),
        ({"BOT_TOKEN": TOKEN, "BOT_PORT": "99999"}, "BOT_PORT"),
        ({"BOT_TOKEN": TOKEN, "BOT_API_BASE_URL": "ftp://x"}, "BOT_API_BASE_URL"),
        ({"BOT_TOKEN": TOKEN, "BOT_WEBHOOK_URL": "http://x.org"}, "https://"),
        (
            {"BOT_TOKEN": TOKEN, "BOT_WEBHOOK_URL": "https://x.org"},
            "BOT_WEBHOOK_SECRET is required",
        ),
        (
            {"BOT_TOKEN": TOKEN, "BOT_WEBHOOK_URL": "https://x.org", "BOT_WEBHOOK_SECRET": "a b"},
            "BOT_WEBHOOK_SECRET may only",
        ),
        (  # issue 15: a short secret can be guessed, and then anyone can forge updates
            {"BOT_TOKEN": TOKEN, "BOT_WEBHOOK_URL": "https://x.org", "BOT_WEBHOOK_SECRET": "x"},
            "at least 32 characters (it has 1); generate one with: python3 -c",
        ),
        (
            {"BOT_TOKEN": TOKEN, "BOT_WEBHOOK_URL": "https://x.org",
             "BOT_WEBHOOK_SECRET": "a" * 31},
            "BOT_WEBHOOK_SECRET must be at least 32",
        ),
        ({"BOT_TOKEN": TOKEN, "BOT_LISTEN_HOST": "every interface"}, "BOT_LISTEN_HOST"),
    ],
)
def test_bad_values_fail_with_one_line(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_check_needs_no_token() -> None:
    assert Settings.from_env({}, require_token=False).token == ""


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"BOT_TOKEN": ""}, "BOT_TOKEN is not set"),
        ({"BOT_TOKEN": TOKEN, "BOT_RETENTION_DAYS": "soon"}, "BOT_RETENTION_DAYS"),
    ],
)
def test_cli_exits_with_one_clear_line(tmp_path: Path, env: dict[str, str], fragment: str) -> None:
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root), **env},
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert fragment in lines[0]
    assert "Traceback" not in result.stderr
