"""The terminal chat (``python -m bot console``): the real Application behind an in-process
stand-in for the Bot API, and Telegram HTML turned into terminal text.

May import: :mod:`bot.app` and everything below it. Nothing imports the console.
"""
