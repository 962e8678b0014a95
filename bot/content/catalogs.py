"""The UI wording in each language: gettext catalogs compiled from ``locale/*/messages.po``.

Catalogs are compiled in memory when the bot starts, so the repository holds only the ``.po``
text that translators edit, never a binary ``.mo`` that could silently disagree with it.
"""

from __future__ import annotations

import gettext
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po

from bot.content.loader import ContentError

DOMAIN = "messages"


def po_path(locale_dir: Path, locale: str) -> Path:
    """Where the catalog of ``locale`` lives."""
    return locale_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_translations(locale_dir: Path, locale: str) -> gettext.NullTranslations:
    """The compiled catalog of ``locale``; English (the source) needs none."""
    if locale == "en":
        return gettext.NullTranslations()
    path = po_path(locale_dir, locale)
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale, abort_invalid=True)
    except (OSError, PoFileError, ValueError) as exc:
        raise ContentError(f"{path}: cannot read the catalog ({exc})") from exc
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)  # a fuzzy entry is not a translation yet
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
