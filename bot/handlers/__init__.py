"""Update handlers, one module per kind of update (commands, menu taps, free text, inline,
feedback, groups, admin, errors); all wired in :mod:`bot.app`. Each parses, looks up, renders
and sends.

May import: :mod:`bot.context` and everything below it. Never app, console or review.
"""
