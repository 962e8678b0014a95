"""Getting updates in and answers out: the HTTP client, look-ahead polling, the per-chat ordered
processor, flood control, retries, group repeat memory and the webhook server.

May import: :mod:`bot.config` only. Knows nothing of content, search or usage.
"""
