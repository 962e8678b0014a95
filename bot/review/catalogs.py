"""The gettext catalogs: extract the UI wording, update ``locale/*/messages.po``, check them.

Source strings are the English text in the templates (``{{ _("…") }}``), the button wording in
``templates/strings.yaml`` and the built-in command descriptions. ``python -m bot catalogs``
brings every catalog up to date; ``python -m bot check`` fails when an enabled language has a
missing, fuzzy or placeholder-mismatched string, or a catalog is out of date with the templates.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.app import ADMIN_ONLY, BUILT_IN
from bot.content.catalogs import po_path
from bot.content.languages import SOURCE, Languages

EXTRA = ("Choose the language",)  # used in code (bot/menus.py), not in a template
_PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}|<[a-z/][^>]*>")
_METHODS = [("**.j2", "jinja2.ext:babel_extract")]
_OPTIONS = {"**.j2": {"extensions": "jinja2.ext.i18n", "trimmed": "false"}}


def extract(templates_dir: Path) -> Catalog:
    """Every source string, with where it is used."""
    catalog = Catalog(project="liverbot", locale=None, charset="utf-8")
    for filename, line, message, comments, _ in extract_from_dir(
            str(templates_dir), _METHODS, _OPTIONS, strip_comment_tags=True):
        catalog.add(message, locations=[(filename, line)], auto_comments=comments)
    strings = yaml.safe_load((templates_dir / "strings.yaml").read_text(encoding="utf-8"))
    for key, text in strings.items():
        catalog.add(text, locations=[("strings.yaml", 0)], auto_comments=[key])
    for name, text in {**BUILT_IN, **ADMIN_ONLY}.items():
        catalog.add(text, locations=[("bot/app.py", 0)], auto_comments=[f"/{name}"])
    for text in EXTRA:
        catalog.add(text, locations=[("bot/menus.py", 0)])
    return catalog


def _read(path: Path, locale: str) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def update(templates_dir: Path, locale_dir: Path, languages: Languages) -> list[Path]:
    """Bring every translation's catalog up to date with the templates; returns those written."""
    template = extract(templates_dir)
    written = []
    for tag, language in languages.known.items():
        if tag == SOURCE:
            continue
        path = po_path(locale_dir, language.locale)
        if path.is_file():
            catalog = _read(path, language.locale)
        else:
            catalog = Catalog(locale=language.locale, project="liverbot", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=False)
        catalog.obsolete.clear()  # old wording stays in git history, not in the catalog
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=99, omit_header=False, sort_output=False,
                     include_previous=True)
        written.append(path)
    return written


def problems(templates_dir: Path, locale_dir: Path, languages: Languages) -> list[str]:
    """What is wrong with the catalogs (empty when all is well).

    Every catalog must be up to date with the templates (``python -m bot catalogs`` does it);
    a served language's must also be complete: no missing, fuzzy or mismatched string.
    """
    template = extract(templates_dir)
    wanted = {m.id for m in template if m.id}
    found: list[str] = []
    for tag in languages.known:
        if tag == SOURCE:
            continue
        path = po_path(locale_dir, languages.known[tag].locale)
        served = tag in languages.enabled
        if not path.is_file():
            if served:
                found.append(f"{path}: missing; run python -m bot catalogs")
            continue
        catalog = _read(path, languages.known[tag].locale)
        have = {m.id for m in catalog if m.id}
        if wanted - have or have - wanted:
            found.append(f"{path}: out of date with the templates ({len(wanted - have)} new, "
                         f"{len(have - wanted)} unused strings); run python -m bot catalogs")
        if not served:
            continue
        for message in catalog:
            if not message.id:
                continue
            # A plural (ngettext) has two English forms and one translation per plural form.
            source = message.id if isinstance(message.id, str) else message.id[-1]
            forms = ([message.string] if isinstance(message.string, str)
                     else list(message.string or ())) or [""]
            short = source[:50]
            if message.fuzzy:
                found.append(f"{path}: fuzzy (unchecked) translation of {short!r}")
            elif not all(isinstance(t, str) and t.strip() for t in forms):
                found.append(f"{path}: no translation of {short!r}")
            elif any(sorted(_PLACEHOLDER.findall(source)) != sorted(_PLACEHOLDER.findall(t))
                     for t in forms):
                found.append(f"{path}: placeholders or tags differ in the translation of "
                             f"{short!r}")
    return found
