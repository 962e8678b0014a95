"""The anonymous usage log: counts per hour, kind and section in SQLite, daily uniques kept in
memory only, the figures of ``/stats``, and the ``Recorder`` interface handlers record through.

May import: :mod:`bot.content` (to render stats) and :mod:`bot.config`. Never search or handlers.
"""
