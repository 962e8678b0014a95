"""Messages that are not a question about a topic: small talk, feelings, and a person in crisis.

``conversation.yaml`` (per language) holds the examples; :mod:`.match` the two matching rules;
:mod:`.recogniser` tells the kinds apart; :mod:`.route` is the one place that states the order of
precedence; :mod:`.views` renders the replies from ``templates/conversation_*.html.j2``.
"""
