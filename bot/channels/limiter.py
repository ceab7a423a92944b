"""One sending limiter per platform: a global rate, a per-chat rate with a small burst, a slower
rate for group chats, and pauses a platform asked for. Replies to people who are talking to the
bot go first: while people are talking to it, bulk sends (reminders, broadcasts) may use only a
share of the global rate; when nobody is, bulk may use all of it. Waiters are served first
come, first served, so one chat's messages leave in the order they were sent."""

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from handlers.dispatcher import KeyedLocks


@dataclass
class Bucket:
    """A token bucket: ``rate`` tokens a second, at most ``burst`` saved up."""

    rate: float
    burst: float
    tokens: float | None = None
    stamp: float = 0.0

    def wait(self, now: float) -> float:
        """Seconds until a token is free (0 if one is free now); takes nothing."""
        if self.tokens is None:
            self.tokens, self.stamp = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


@dataclass
class Limits:
    per_second: float = 30.0
    per_chat_per_second: float = 1.0
    per_chat_burst: float = 3.0
    per_group_per_minute: float = 20.0
    bulk_share: float = 0.8  # bulk may use at most this share of the global rate…
    interactive_quiet: float = 2.0  # …until this many seconds after the last interactive send


@dataclass
class Limiter:
    limits: Limits = field(default_factory=Limits)
    clock: Callable[[], float] = time.monotonic
    _chats: dict = field(default_factory=dict)
    _paused_until: dict = field(default_factory=dict)
    _last_interactive: float = float("-inf")
    _chat_lines: KeyedLocks = field(default_factory=KeyedLocks)
    _line: asyncio.Lock = field(default_factory=asyncio.Lock)
    _bulk_line: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self):
        rate, share = self.limits.per_second, self.limits.bulk_share
        # small bursts, so that no one-second window carries much more than the rate
        self._global = Bucket(rate, max(1.0, rate / 10))
        self._bulk = Bucket(rate * share, max(1.0, rate * share / 10))

    async def acquire(self, chat_id: str, *, bulk: bool = False, group: bool = False) -> None:
        """Wait until a message to ``chat_id`` may go out. A chat's messages wait in a line of
        their own (its rate, its pause); the one at its head then waits in the line of all
        chats for the global rate. Bulk sends queue for that line one at a time, so a reply
        to a person has at most one of them ahead of it."""
        async with self._chat_lines.hold(chat_id):
            while True:
                while (wait := self._own_wait(chat_id, group)) > 0:  # noqa: ASYNC110
                    await asyncio.sleep(wait)  # computed, not signalled
                bulk_line = self._bulk_line if bulk else contextlib.nullcontext()
                async with bulk_line, self._line:
                    wait = self.delay(chat_id, bulk=bulk, group=group)
                    while wait > 0 and not self._own_wait(chat_id, group):
                        await asyncio.sleep(wait)
                        wait = self.delay(chat_id, bulk=bulk, group=group)
                    if wait == 0:
                        return
                # the platform paused this chat meanwhile: leave the line to the others

    def delay(self, chat_id: str, *, bulk: bool = False, group: bool = False) -> float:
        """0 and a slot taken if a message may go now; else seconds to wait (nothing taken)."""
        now = self.clock()
        own = self._own_wait(chat_id, group, now)
        if own > 0:
            return own
        buckets = [self._global]
        if bulk and now - self._last_interactive < self.limits.interactive_quiet:
            buckets.append(self._bulk)
        wait = max(bucket.wait(now) for bucket in buckets)
        if wait == 0:
            for bucket in [*buckets, self._chat_bucket(chat_id, group)]:
                bucket.take()
            if not bulk:
                self._last_interactive = now
        return wait

    def _own_wait(self, chat_id: str, group: bool, now: float | None = None) -> float:
        """Seconds until this chat's own rate and pause allow a message (nothing taken)."""
        now = self.clock() if now is None else now
        paused = self._paused_until.get(chat_id, 0.0) - now
        return paused if paused > 0 else self._chat_bucket(chat_id, group).wait(now)

    def pause(self, chat_id: str, seconds: float) -> None:
        """The platform said "retry after": hold this chat only."""
        self._paused_until[chat_id] = max(
            self._paused_until.get(chat_id, 0.0), self.clock() + seconds
        )

    def _chat_bucket(self, chat_id: str, group: bool) -> Bucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) > 50_000:  # forget idle chats; a fresh bucket is full anyway
                self._chats.clear()
            limits = self.limits
            bucket = (
                Bucket(limits.per_group_per_minute / 60, 1) if group
                else Bucket(limits.per_chat_per_second, limits.per_chat_burst)
            )
            self._chats[chat_id] = bucket
        return bucket
