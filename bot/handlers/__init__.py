"""Update handlers, one module per kind of update; wired in :mod:`bot.app`."""
