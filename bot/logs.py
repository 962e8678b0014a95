"""Logging set-up: quiet HTTP libraries and a filter that redacts bot tokens everywhere."""

from __future__ import annotations

import logging
import re
import sys
import traceback
import types

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


def setup_logging(level: int = logging.INFO, secrets: tuple[str, ...] = ()) -> None:
    """Log to stderr; httpx/httpcore only at WARNING (they put the token in URLs at INFO)."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
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
