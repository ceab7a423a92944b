"""One sending limiter per platform: a global rate, a per-chat rate with a small burst, a slower
rate for group chats, and pauses a platform asked for. Replies to people who are talking to the
bot go first: while people are talking to it, bulk sends (reminders, broadcasts) may use only a
share of the global rate; when nobody is, bulk may use all of it.

Waiters are served first come, first served: they queue (replies ahead of bulk sends), and each
time slots free up, every waiter that may go then is let out in the order they came, so one
chat's messages leave in the order they were sent and a chat that must wait holds up no other."""

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


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


@dataclass(eq=False)
class _Waiter:
    chat_id: str
    group: bool
    ready: asyncio.Future


@dataclass
class Limiter:
    limits: Limits = field(default_factory=Limits)
    clock: Callable[[], float] = time.monotonic
    _chats: dict = field(default_factory=dict)
    _paused_until: dict = field(default_factory=dict)
    _last_interactive: float = float("-inf")
    _replies: deque = field(default_factory=deque)  # waiters, in the order they came
    _bulk: deque = field(default_factory=deque)
    _serving: asyncio.Task | None = None  # lets waiters out while there are any
    _changed: asyncio.Event = field(default_factory=asyncio.Event)  # a waiter came or left

    def __post_init__(self):
        rate, share = self.limits.per_second, self.limits.bulk_share
        # small bursts, so that no one-second window carries much more than the rate
        self._global = Bucket(rate, max(1.0, rate / 10))
        self._bulk_bucket = Bucket(rate * share, max(1.0, rate * share / 10))

    async def acquire(self, chat_id: str, *, bulk: bool = False, group: bool = False) -> None:
        """Wait until a message to ``chat_id`` may go out, after those that came first."""
        if not (self._replies or self._bulk) and self.delay(chat_id, bulk=bulk, group=group) == 0:
            return  # nobody is waiting and a slot is free
        waiter = _Waiter(chat_id, group, asyncio.get_running_loop().create_future())
        (self._bulk if bulk else self._replies).append(waiter)
        self._changed.set()
        if self._serving is None or self._serving.done():
            self._serving = asyncio.create_task(self._serve())
        try:
            await waiter.ready
        except asyncio.CancelledError:
            self._changed.set()  # the server drops it
            raise

    async def _serve(self) -> None:
        while self._replies or self._bulk:
            self._changed.clear()
            soonest = self._let_out()
            with contextlib.suppress(TimeoutError):  # the wait is computed, or a waiter came
                await asyncio.wait_for(self._changed.wait(), soonest)

    def _let_out(self) -> float:
        """Let out, in the order they came, every waiter that may go now (replies first); a
        chat whose first waiter must wait keeps its later ones waiting too. Returns the seconds
        until the next one may go."""
        held: set[str] = set()
        soonest = math.inf
        for line, bulk in ((self._replies, False), (self._bulk, True)):
            for waiter in list(line):
                if waiter.ready.done():  # cancelled
                    line.remove(waiter)
                    continue
                if waiter.chat_id in held:
                    continue
                wait = self.delay(waiter.chat_id, bulk=bulk, group=waiter.group)
                if wait == 0:
                    line.remove(waiter)
                    waiter.ready.set_result(None)  # wakes in this order
                else:
                    held.add(waiter.chat_id)
                    soonest = min(soonest, wait)
        return 0 if soonest == math.inf else soonest

    def delay(self, chat_id: str, *, bulk: bool = False, group: bool = False) -> float:
        """0 and a slot taken if a message may go now; else seconds to wait (nothing taken)."""
        now = self.clock()
        paused = self._paused_until.get(chat_id, 0.0) - now
        if paused > 0:
            return paused
        buckets = [self._chat_bucket(chat_id, group), self._global]
        if bulk and now - self._last_interactive < self.limits.interactive_quiet:
            buckets.append(self._bulk_bucket)
        wait = max(bucket.wait(now) for bucket in buckets)
        if wait == 0:
            for bucket in buckets:
                bucket.take()
            if not bulk:
                self._last_interactive = now
        return wait

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
