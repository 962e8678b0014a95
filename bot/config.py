"""Settings read from environment variables, validated once at start-up.

Every problem is reported as a single :class:`ConfigError` line so the CLI can print it and exit
without a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DB_PATH = Path("data") / "usage.sqlite3"
_TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,100}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MIN_SECRET = 32  # a guessed secret lets anyone forge updates, e.g. a /stats "from" an admin
_SECRET_HINT = 'generate one with: python3 -c "import secrets; print(secrets.token_urlsafe(32))"'
_HOST_RE = re.compile(r"^[A-Za-z0-9.:-]{1,253}$")
_LANG_RE = re.compile(r"^[a-z]{2,3}(?:-[A-Z][a-z]{3})?$")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _data_root() -> Path:
    """Where ``content/`` and ``templates/`` are: inside the installed package (``bot/_data``,
    copied there by setup.py when the wheel is built), else at the top of the checkout."""
    packaged = Path(__file__).resolve().parent / "_data"
    return packaged if (packaged / "templates").is_dir() else PROJECT_ROOT


DATA_ROOT = _data_root()


class ConfigError(ValueError):
    """A missing or malformed setting; the message is one line meant for the operator."""


@dataclass(frozen=True)
class Settings:
    """Everything the bot needs to run, as typed values."""

    token: str = field(repr=False)
    api_base_url: str = DEFAULT_API_BASE_URL
    admin_ids: frozenset[int] = frozenset()
    db_path: Path = DEFAULT_DB_PATH
    retention_days: int = 7  # days hourly counts are kept before roll-up (at most 7)
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    port: int = 8443
    database_url: str | None = field(default=None, repr=False)  # may hold a password
    redis_url: str | None = field(default=None, repr=False)
    listen_host: str = "127.0.0.1"  # behind a reverse proxy on the same machine, by default
    content_dir: Path = DATA_ROOT / "content" / "en"
    templates_dir: Path = DATA_ROOT / "templates"
    languages: tuple[str, ...] = ("en",)  # served languages; English always comes first
    locale_dir: Path = DATA_ROOT / "locale"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *,
                 require_token: bool = True) -> Settings:
        """Build settings from ``env`` (default: ``os.environ``), failing fast on bad values."""
        env = os.environ if env is None else env
        token = env.get("BOT_TOKEN", "").strip()
        if require_token and not token:
            raise ConfigError("BOT_TOKEN is not set: get a token from @BotFather and export it.")
        if token and not _TOKEN_RE.match(token):
            raise ConfigError("BOT_TOKEN is malformed: expected digits, a colon, then letters.")
        base = env.get("BOT_API_BASE_URL", "").strip() or DEFAULT_API_BASE_URL
        if not re.match(r"^https?://[^\s/]+(/\S*)?$", base):
            raise ConfigError(f"BOT_API_BASE_URL must be an http(s) URL, got {base!r}.")
        webhook_url = env.get("BOT_WEBHOOK_URL", "").strip() or None
        if webhook_url and not webhook_url.startswith("https://"):
            raise ConfigError("BOT_WEBHOOK_URL must start with https:// (Telegram requires TLS).")
        secret = env.get("BOT_WEBHOOK_SECRET", "").strip() or None
        if secret and not _SECRET_RE.match(secret):
            raise ConfigError("BOT_WEBHOOK_SECRET may only use A-Z, a-z, 0-9, _ and - (1-256).")
        if secret and len(secret) < MIN_SECRET:
            raise ConfigError(f"BOT_WEBHOOK_SECRET must be at least {MIN_SECRET} characters "
                              f"(it has {len(secret)}); {_SECRET_HINT}")
        if webhook_url and not secret:
            raise ConfigError("BOT_WEBHOOK_SECRET is required when BOT_WEBHOOK_URL is set.")
        return cls(
            token=token,
            api_base_url=base,
            admin_ids=_parse_ids(env.get("BOT_ADMIN_IDS", "")),
            db_path=Path(env.get("BOT_DB_PATH", "").strip() or DEFAULT_DB_PATH),
            retention_days=_parse_int(env, "BOT_RETENTION_DAYS", 7, low=1, high=7),
            webhook_url=webhook_url,
            webhook_secret=secret,
            port=_parse_int(env, "BOT_PORT", 8443, low=1, high=65535),
            database_url=_parse_url(env, "BOT_DATABASE_URL", ("postgresql://", "postgres://")),
            redis_url=_parse_url(env, "BOT_REDIS_URL", ("redis://", "rediss://", "unix://")),
            content_dir=_parse_dir(env, "BOT_CONTENT_DIR", DATA_ROOT / "content") / "en",
            templates_dir=_parse_dir(env, "BOT_TEMPLATES_DIR", DATA_ROOT / "templates"),
            listen_host=_parse_host(env.get("BOT_LISTEN_HOST", "").strip() or "127.0.0.1"),
            languages=_parse_languages(env.get("BOT_LANGUAGES", "")),
        )

    def check_workers(self, workers: int) -> None:
        """Several workers must share their state: refuse to start them without both stores."""
        if workers <= 1:
            return
        if not self.webhook_url:
            raise ConfigError(f"--workers {workers} needs webhook mode (BOT_WEBHOOK_URL): "
                              "Telegram allows only one process to poll for updates.")
        missing = [name for name, value in (("BOT_DATABASE_URL", self.database_url),
                                            ("BOT_REDIS_URL", self.redis_url)) if not value]
        if missing:
            raise ConfigError(f"--workers {workers} needs {' and '.join(missing)}: each worker "
                              "would otherwise keep its own counts, flood limits and repeats.")


def _parse_host(raw: str) -> str:
    if not _HOST_RE.match(raw):
        raise ConfigError(f"BOT_LISTEN_HOST must be an IP address or host name (e.g. 127.0.0.1, "
                          f"or 0.0.0.0 for every interface), got {raw!r}.")
    return raw


def _parse_ids(raw: str) -> frozenset[int]:
    ids = set()
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if not re.fullmatch(r"-?\d{1,20}", part):
            raise ConfigError(
                f"BOT_ADMIN_IDS must be comma-separated numeric user ids, got {part!r}.")
        ids.add(int(part))
    return frozenset(ids)


def _parse_languages(raw: str) -> tuple[str, ...]:
    tags = [part.strip() for part in raw.split(",") if part.strip()]
    for tag in tags:
        if not _LANG_RE.match(tag):
            raise ConfigError(f"BOT_LANGUAGES must be comma-separated language tags such as "
                              f"en,ru,zh-Hans, got {tag!r}.")
    return tuple(dict.fromkeys(["en", *tags]))


def _parse_int(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"\d+", raw) or not low <= int(raw) <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, got {raw!r}.")
    return int(raw)


def _parse_url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not raw.startswith(schemes) or any(c.isspace() for c in raw):
        raise ConfigError(f"{name} must be a URL starting with {' or '.join(schemes)}.")
    return raw
def _parse_dir(env: Mapping[str, str], name: str, default: Path) -> Path:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    path = Path(raw).expanduser().resolve()
    if not path.is_dir():
        raise ConfigError(f"{name} must be an existing folder, got {raw!r}.")
    return path


def load_dotenv(path: Path, env: dict[str, str]) -> None:
    """Add ``KEY=value`` lines from a ``.env`` file to ``env`` without overriding set values."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.removeprefix("export ").strip()
        env.setdefault(key, value.strip().strip("'\""))
