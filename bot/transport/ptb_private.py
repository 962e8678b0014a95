"""The bot's only use of python-telegram-bot internals, kept in this one place.

Look-ahead polling (:mod:`bot.transport.polling`) must build the ``getUpdates`` request that
python-telegram-bot would build next. PTB builds ``RequestData`` from ``RequestParameter``
objects, which it does not export. ``tests/test_ptb_private.py`` checks that what this module
builds equals what PTB's own ``Bot`` sends, so a change in PTB fails that test loudly rather than
breaking polling quietly. PTB is pinned below 23 in ``pyproject.toml``.
"""

from __future__ import annotations

from typing import Any

from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter


def request_data(parameters: dict[str, Any]) -> RequestData:
    """``RequestData`` for these JSON-serialisable parameters, exactly as PTB builds it."""
    return RequestData([RequestParameter.from_input(k, v) for k, v in parameters.items()])
