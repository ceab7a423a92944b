"""Prometheus metrics at /metrics: the one place that knows prometheus-client. Each Core has its
own registry (not the library's global one), so two bots in one process — or two tests — never
add to each other's counts. Depths are read from the database when Prometheus scrapes."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy.ext.asyncio import async_sessionmaker

from handlers.turn import Incoming
from storage import inbox, outbox

CONTENT_TYPE = CONTENT_TYPE_LATEST
# around the 200 ms a person should not wait longer than, and the slow tail beyond it
TURN_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
REMINDER_TOPICS = {"dl": "deadline", "reg": "class"}  # outbox topic prefix → kind of reminder


class Metrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "bot_updates_handled", "Incoming messages by channel and what became of them: "
            "handled, duplicate (already handled), retry (the turn failed, tried again later), "
            "failed (given up) or unreadable (quarantined before any turn)",
            ["channel", "outcome"], registry=self.registry,
        )
        self.turn_seconds = Histogram(
            "bot_turn_seconds", "Time of one turn: its transaction and routing, not the "
            "sending of its replies", ["channel"], buckets=TURN_BUCKETS, registry=self.registry,
        )
        self.inbox_depth = Gauge(
            "bot_inbox_depth", "Stored updates not yet handled", ["channel"],
            registry=self.registry,
        )
        self.outbox_depth = Gauge(
            "bot_outbox_depth", "Outbox messages waiting or being sent (due or not)",
            ["channel"], registry=self.registry,
        )
        self.send_errors = Counter(
            "bot_send_errors", "Refusals and failures when sending, by platform and its code "
            "(HTTP status on Telegram and the Zalo Bot Platform, Zalo OA error code; "
            "'network' when no answer came)", ["platform", "code"], registry=self.registry,
        )
        self.reminders_queued = Counter(
            "bot_reminders_queued", "Messages the reminder planner put in the outbox",
            registry=self.registry,
        )
        self.reminders_sent = Counter(
            "bot_reminders_sent", "Reminders the platform accepted, by kind (deadline, class)",
            ["kind"], registry=self.registry,
        )
        self._depth_channels: set[str] = set()

    # -- called where things happen ------------------------------------------------------
    def turn(self, incoming: Incoming, outcome: str, seconds: float) -> None:
        """The dispatcher's report of one turn."""
        self.updates.labels(incoming.channel, outcome).inc()
        if outcome == "handled":
            self.turn_seconds.labels(incoming.channel).observe(seconds)

    def unreadable(self, channel: str, count: int) -> None:
        if count:
            self.updates.labels(channel, "unreadable").inc(count)

    def send_error(self, platform: str, code: object) -> None:
        self.send_errors.labels(platform, str(code)).inc()

    def outbox_sent(self, topic: str | None) -> None:
        kind = REMINDER_TOPICS.get((topic or "").partition(":")[0])
        if kind is not None:
            self.reminders_sent.labels(kind).inc()

    # -- scrape ----------------------------------------------------------------------------
    async def exposition(self, sessionmaker: async_sessionmaker) -> bytes:
        """The text Prometheus reads, with the depths counted now. A channel whose queue
        emptied shows 0 rather than its last figure."""
        async with sessionmaker() as session:
            inbox_depth = await inbox.depth(session)
            outbox_depth = await outbox.depth(session)
        self._depth_channels.update(inbox_depth, outbox_depth)
        for channel in self._depth_channels:
            self.inbox_depth.labels(channel).set(inbox_depth.get(channel, 0))
            self.outbox_depth.labels(channel).set(outbox_depth.get(channel, 0))
        return generate_latest(self.registry)

