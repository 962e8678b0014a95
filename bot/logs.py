"""Logging set-up: quiet HTTP libraries, a filter that redacts bot tokens everywhere, and one
that keeps python-telegram-bot from logging what people sent."""

from __future__ import annotations

import logging
import re
import sys
import traceback
import types
from collections.abc import Iterable

from telegram.error import ChatMigrated, TelegramError

_TOKEN_RE = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{20,}")
_TOKEN_URL_RE = re.compile(r"(/bot)[^/\s]+")


def redact(text: str) -> str:
    """Replace anything that looks like a bot token (alone or in a URL path) with a marker."""
    return _TOKEN_URL_RE.sub(r"\1<token>", _TOKEN_RE.sub("<token>", text))


class RedactingFilter(logging.Filter):
    """Redacts tokens from the message, its arguments and any traceback, before any handler."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<secret>")
        return redact(text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite ``record`` in place; never drops it."""
        record.msg = self._clean(record.getMessage())
        record.args = None
        if record.exc_info:
            formatter = logging.Formatter()
            record.exc_text = self._clean(formatter.formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info)
        return True


_PLAIN = (int, float, bool, type(None))
MAX_PLAIN_TEXT = 120  # longer text arguments may be a raw answer from Telegram


class PrivacyFilter(logging.Filter):
    """Withholds the data python-telegram-bot puts in its log records (``telegram.*``).

    On a parse failure it logs whole updates (names, usernames, ids, message text):
    ``Bot.get_updates`` ("Error while parsing updates! Received data was %r"), ``BaseRequest``
    ("Can not load invalid JSON data") and ``Application`` ("Error while building
    CallbackContext for update %s"). For those records only the template is kept, with the
    update ids concerned (so that what was lost can be counted); an exception keeps its type and
    traceback but not its message, which may quote the data. Numbers and short plain text
    (method names, time-outs) pass unchanged.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite ``record`` in place if it is python-telegram-bot's; never drops it."""
        if not record.name.startswith("telegram"):
            return True
        args = record.args if isinstance(record.args, tuple) else (record.args,)
        if record.args and not all(_harmless(a) for a in args):
            ids = sorted(set(_update_ids(args)))
            record.msg = f"{record.msg} [arguments withheld: they may hold what people sent" + (
                f"; update ids {', '.join(map(str, ids))}]" if ids else "]")
            record.args = None
        if record.exc_info and record.exc_info[1] is not None and not _is_telegram_error(
                record.exc_info[1]):
            exc = record.exc_info[1]
            record.exc_text = ("Traceback (most recent call last):\n"
                               + "".join(traceback.format_tb(exc.__traceback__))
                               + f"{type(exc).__name__} (message withheld)")
            record.exc_info = None
        return True


def _harmless(arg: object) -> bool:
    if isinstance(arg, _PLAIN):
        return True
    return isinstance(arg, str) and len(arg) <= MAX_PLAIN_TEXT and not any(c in arg for c in "{[")


def _is_telegram_error(exc: BaseException) -> bool:
    """python-telegram-bot's own errors carry Bot API descriptions, not update data (except a
    ChatMigrated's, which holds a group's new id)."""
    return isinstance(exc, TelegramError) and not isinstance(exc, ChatMigrated)


def _update_ids(args: Iterable[object]) -> Iterable[int]:
    for arg in args:
        update_id = getattr(arg, "update_id", None)
        if isinstance(update_id, int):
            yield update_id
        elif isinstance(arg, dict) and isinstance(arg.get("update_id"), int):
            yield arg["update_id"]
        elif isinstance(arg, list | tuple):
            yield from _update_ids(arg)


def setup_logging(level: int = logging.INFO, secrets: tuple[str, ...] = ()) -> None:
    """Log to stderr; httpx/httpcore only at WARNING (they put the token in URLs at INFO)."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PrivacyFilter())  # first: it must see the arguments before they are merged
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def install_excepthook(secrets: tuple[str, ...] = ()) -> None:
    """Print uncaught exceptions with the same redaction as log records (tokens, secrets)."""
    cleaner = RedactingFilter(secrets)

    def hook(kind: type[BaseException], value: BaseException,
             tb: types.TracebackType | None) -> None:
        text = "".join(traceback.format_exception(kind, value, tb))
        sys.stderr.write(cleaner._clean(text))
        sys.stderr.flush()

    sys.excepthook = hook
