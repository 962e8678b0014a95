"""Build the services: English (the source) and one complete set per served translation.

Each language gets its own content (English structure, translated text), renderer (with that
language's gettext catalog), keyboards (whose buttons carry the language), views, search index
and inline cards, all rendered once at start-up. Adding a language needs only files.
"""

from __future__ import annotations

from bot.config import Settings
from bot.content.catalogs import load_translations
from bot.content.keyboards import Keyboards
from bot.content.languages import SOURCE, Languages, load_languages
from bot.content.loader import Content, load_content
from bot.content.pictures import Pictures
from bot.content.render import Renderer
from bot.content.translation import load_translation
from bot.content.views import Views
from bot.context import Services
from bot.search.conversation.recogniser import Conversation
from bot.search.conversation.views import SUPPORT_ID, ConversationViews
from bot.search.index import SearchIndex
from bot.search.inline_results import InlineResults
from bot.search.views import SearchViews
from bot.usage.log import UsageLog


def build_services(settings: Settings, content: Content | None = None) -> Services:
    """Load content and render every page once, in every served language."""
    content = content or load_content(settings.content_dir)
    languages = load_languages(settings.locale_dir / "languages.yaml", settings.languages)
    conversation = Conversation.load(settings.content_dir)  # every language's rules, shared
    english = _bundle(settings, content, SOURCE, languages, None, conversation, content)
    english.usage = UsageLog.from_settings(settings)
    if not languages.several:
        return english
    english.languages = languages
    english_pages = {sid: len(pages) for sid, pages in english.renderer.pages.items()}
    for tag in languages.enabled[1:]:
        translated = load_translation(content, settings.content_dir.parent / tag)
        bundle = _bundle(settings, translated, tag, languages, english_pages, conversation,
                         content)
        bundle.languages = languages
        english.translations[tag] = bundle
    return english


def _bundle(settings: Settings, content: Content, tag: str, languages: Languages,
            english_pages: dict[str, int] | None, conversation: Conversation,
            english_content: Content) -> Services:
    language = languages.known[tag]
    translations = load_translations(settings.locale_dir, language.locale)
    renderer = Renderer(content, settings.templates_dir, translations, lang=tag)
    keyboards = Keyboards(content, renderer, languages=languages.several,
                          english_pages=english_pages)
    names = ([(t, languages.known[t].name) for t in languages.enabled]
             if languages.several else None)
    views = Views(settings, content, renderer, keyboards, names)
    folder = settings.content_dir if tag == SOURCE else settings.content_dir.parent / tag
    words = folder / "search.yaml"
    search_index = SearchIndex.build(content, words, mode=language.search)
    english_support = english_content.sections.get(SUPPORT_ID) if tag != SOURCE else None
    talk = ConversationViews(content, renderer, keyboards, conversation, views.help,
                             english_support)
    return Services(settings=settings, content=content, renderer=renderer, keyboards=keyboards,
                    views=views, inline=InlineResults(content, renderer), search=search_index,
                    search_views=SearchViews(content, renderer, keyboards),
                    pictures=Pictures(content, renderer), lang=tag,
                    conversation=conversation, conversation_views=talk)
