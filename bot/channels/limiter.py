"""One sending limiter per platform: a global rate, a per-chat rate with a small burst, a slower
rate for group chats, and pauses a platform asked for. Replies to people who are talking to the
bot go first: bulk sends (reminders, broadcasts) leave part of the global rate to them."""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Bucket:
    rate: float  # tokens per second
    burst: float
    tokens: float = -1.0
    stamp: float = 0.0

    def take_delay(self, now: float, reserve: float = 0.0) -> float:
        """Seconds to wait before a token (beyond ``reserve``) is free; takes it if 0."""
        if self.tokens < 0:
            self.tokens, self.stamp = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens - reserve >= 1:
            self.tokens -= 1
            return 0.0
        return (1 + reserve - self.tokens) / self.rate


@dataclass
class Limits:
    per_second: float = 30.0
    per_chat_per_second: float = 1.0
    per_chat_burst: float = 3.0
    per_group_per_minute: float = 20.0
    bulk_share: float = 0.8  # bulk may use at most this share of the global rate


@dataclass
class Limiter:
    limits: Limits = field(default_factory=Limits)
    clock: Callable[[], float] = time.monotonic
    _global: Bucket | None = None
    _chats: dict = field(default_factory=dict)
    _paused_until: dict = field(default_factory=dict)

    def __post_init__(self):
        self._global = Bucket(self.limits.per_second, self.limits.per_second)

    async def acquire(self, chat_id: str, *, bulk: bool = False, group: bool = False) -> None:
        """Wait until a message to ``chat_id`` may go out."""
        while True:
            delay = self.delay(chat_id, bulk=bulk, group=group)
            if delay <= 0:
                return
            await asyncio.sleep(delay)

    def delay(self, chat_id: str, *, bulk: bool = False, group: bool = False) -> float:
        now = self.clock()
        paused = self._paused_until.get(chat_id, 0.0) - now
        if paused > 0:
            return paused
        chat = self._chat_bucket(chat_id, group)
        chat_wait = chat.take_delay(now)
        if chat_wait > 0:
            return chat_wait
        reserve = self.limits.per_second * (1 - self.limits.bulk_share) if bulk else 0.0
        global_wait = self._global.take_delay(now, reserve)
        if global_wait > 0:
            chat.tokens += 1  # give the chat token back; we did not send
        return global_wait

    def pause(self, chat_id: str, seconds: float) -> None:
        """The platform said "retry after": hold this chat only."""
        self._paused_until[chat_id] = max(
            self._paused_until.get(chat_id, 0.0), self.clock() + seconds
        )

    def _chat_bucket(self, chat_id: str, group: bool) -> Bucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            limits = self.limits
            bucket = (
                Bucket(limits.per_group_per_minute / 60, 1) if group
                else Bucket(limits.per_chat_per_second, limits.per_chat_burst)
            )
            self._chats[chat_id] = bucket
        return bucket
