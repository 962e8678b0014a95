"""Free text to sections: the ranked index, the lexicon (same-as words, stems, typos), the
red-flag rules, inline matching and the views of search results; and, in ``conversation/``,
what comes before the search: crisis, feelings and small talk, in that order.

May import: :mod:`bot.content` and :mod:`bot.config`. Never usage, transport or handlers.
"""
