"""``/metrics`` in the Prometheus text format, one registry per running bot.

Labels say only what kind of thing happened, never to whom: the update's kind (``message``,
``callback_query``…), the outcome, a Bot API method and HTTP status code. No chat, user or text.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["CONTENT_TYPE", "Metrics"]

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The bot's counters, gauges and latency histogram."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.updates = Counter("liverbot_updates", "Updates received, by kind and outcome",
                               ("kind", "outcome"), registry=r)
        self.latency = Histogram("liverbot_handling_seconds", "Time to handle one update",
                                 ("kind",), buckets=LATENCY_BUCKETS, registry=r)
        self.api_errors = Counter("liverbot_telegram_errors",
                                  "Bot API answers that were not 2xx, by HTTP status",
                                  ("code",), registry=r)
        self.flood_waits = Counter("liverbot_flood_waits",
                                   "429 Too Many Requests answers waited out", registry=r)
        self.in_flight = Gauge("liverbot_in_flight", "Updates being handled now", registry=r)
        self.queue = Gauge("liverbot_update_queue", "Updates waiting in the update queue",
                           registry=r)
        self.usage_dropped = Gauge("liverbot_usage_dropped",
                                   "Usage events dropped (queue full or database down) and "
                                   "not yet counted in the database", registry=r)
        self.usage_waiting = Gauge("liverbot_usage_waiting",
                                   "Usage events queued in memory, not yet written", registry=r)

    def watch(self, in_flight: Callable[[], float], queue: Callable[[], float],
              dropped: Callable[[], float], waiting: Callable[[], float]) -> None:
        """Read the gauges from the running bot whenever ``/metrics`` is scraped."""
        self.in_flight.set_function(in_flight)
        self.queue.set_function(queue)
        self.usage_dropped.set_function(dropped)
        self.usage_waiting.set_function(waiting)

    def api_status(self, code: int) -> None:
        """One Bot API answer; only failures are counted."""
        if code >= 400:
            self.api_errors.labels(str(code)).inc()

    def render(self) -> bytes:
        """The text exposition of every metric."""
        return generate_latest(self.registry)
