"""Tools for the people who check the guide: the HTML preview, reading-level measures and
``python -m bot check``.

May import: :mod:`bot.app` and everything below it. Nothing imports review.
"""
