"""The guide's words: loading and validating sections, Markdown to Telegram HTML, the renderer,
the views (what a screen says) and the keyboards (its buttons).

May import: :mod:`bot.config` only. Never search, usage, transport or handlers.
"""
