"""Free text to sections: the ranked index, the lexicon (same-as words, stems, typos), the
red-flag rules, inline matching and the views of search results.

May import: :mod:`bot.content` and :mod:`bot.config`. Never usage, transport or handlers.
"""
