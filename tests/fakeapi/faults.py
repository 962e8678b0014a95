"""Injectable faults (:class:`Fault`) and the Telegram-style error bodies the fake server sends.

:class:`TelegramAPIError` is raised by method handlers to answer with a Bot API error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal


class TelegramAPIError(Exception):
    """Raised inside the fake server to answer a request with a Bot API error."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass(frozen=True)
class Fault:
    """A fault to inject into one request; build with the class-method constructors.

    * ``kind="status"``: answer with HTTP ``code`` and a Telegram style error body.
    * ``kind="raw"``: answer with HTTP ``code`` and ``body`` verbatim (e.g. nginx HTML page).
    * ``kind="drop"``: close the connection without any response.
    * ``kind="delay"``: sleep ``seconds`` and then answer normally.
    """

    kind: Literal["status", "raw", "drop", "delay"]
    code: int = 200
    description: str = ""
    retry_after: int | None = None
    migrate_to_chat_id: int | None = None
    seconds: float = 0.0
    body: str = ""
    content_type: str = "application/json"

    @classmethod
    def status(
        cls,
        code: int,
        description: str | None = None,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> Fault:
        """An error response exactly like Telegram's (description defaults per status code)."""
        if description is None:
            if code == 429:
                description = f"Too Many Requests: retry after {retry_after or 1}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(code, f"Error {code}")
        return cls(
            "status",
            code=code,
            description=description,
            retry_after=retry_after,
            migrate_to_chat_id=migrate_to_chat_id,
        )

    @classmethod
    def flood(cls, retry_after: int = 1) -> Fault:
        """HTTP 429 "Too Many Requests: retry after N" with ``parameters.retry_after``."""
        return cls.status(429, retry_after=retry_after)

    @classmethod
    def blocked(cls) -> Fault:
        """HTTP 403 "Forbidden: bot was blocked by the user"."""
        return cls.status(403, "Forbidden: bot was blocked by the user")

    @classmethod
    def raw(cls, code: int, body: str, content_type: str = "text/html") -> Fault:
        """An arbitrary (possibly non-JSON) response, e.g. a proxy's 502 HTML page."""
        return cls("raw", code=code, body=body, content_type=content_type)

    @classmethod
    def drop(cls) -> Fault:
        """Close the connection without a response (client sees a protocol/reset error)."""
        return cls("drop")

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Sleep ``seconds`` before answering normally (cut short by ``stop()``)."""
        return cls("delay", seconds=seconds)


_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _error_body(fault: Fault) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ok": False,
        "error_code": fault.code,
        "description": fault.description,
    }
    parameters: dict[str, int] = {}
    if fault.retry_after is not None:
        parameters["retry_after"] = fault.retry_after
    if fault.migrate_to_chat_id is not None:
        parameters["migrate_to_chat_id"] = fault.migrate_to_chat_id
    if parameters:
        body["parameters"] = parameters
    return body
