"""Signed sessions of the web chat. The cookie is ``<visitor>.<issued>.<signature>``: an id the
server chose, when it was issued, and an HMAC of both with a key generated at first start and
kept in ``channel_secrets``. The key is replaced every KEY_ROTATION; the one before stays valid
for a SESSION_LIFETIME, so no cookie it signed dies early. A cookie in use is issued again
(same visitor, new time, current key) once it is a day old, so a visitor who comes back within
the lifetime keeps their conversation."""

import asyncio
import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker

from storage import channel_secrets

SESSION_LIFETIME = timedelta(days=30)  # as long as an idle visitor's rows are kept by default
RENEW_AFTER = timedelta(days=1)
KEY_ROTATION = timedelta(days=30)
KEY, PREVIOUS_KEY = "web_session_key", "web_session_key_previous"
RELOAD_EVERY = 60.0  # seconds: another instance may have rotated the key


@dataclass(frozen=True)
class Session:
    visitor: str
    issued: int  # unix seconds
    renew: bool  # issue the cookie again (old, or signed with the previous key)


class SessionKeys:
    """Signs and checks session cookies and CSRF tokens with the keys kept in the database."""

    def __init__(self, sessionmaker: async_sessionmaker,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._keys: tuple[bytes, bytes | None] | None = None
        self._rotate_at: datetime | None = None
        self._loaded = 0.0
        self._lock = asyncio.Lock()

    async def keys(self) -> tuple[bytes, bytes | None]:
        """The current key and the previous one while it is still valid."""
        now = self._clock()
        if self._keys and time.monotonic() - self._loaded < RELOAD_EVERY and now < self._rotate_at:
            return self._keys
        async with self._lock, self._sessionmaker.begin() as session:
            current = await channel_secrets.read_secret(session, KEY, lock=True)
            if current is None or current.expires_at <= now:
                if current is not None:
                    await channel_secrets.write_secret(session, PREVIOUS_KEY, current.value, now,
                                                       now + SESSION_LIFETIME)
                await channel_secrets.write_secret(session, KEY, secrets.token_hex(32), now,
                                                   now + KEY_ROTATION)
                current = await channel_secrets.read_secret(session, KEY)
            previous = await channel_secrets.read_secret(session, PREVIOUS_KEY)
            old = previous.value if previous and previous.expires_at > now else None
            self._keys = (bytes.fromhex(current.value), bytes.fromhex(old) if old else None)
            self._rotate_at, self._loaded = current.expires_at, time.monotonic()
        return self._keys

    async def issue(self, visitor: str | None = None) -> str:
        """A cookie value for ``visitor`` (a new visitor id if None), issued now."""
        visitor = visitor or secrets.token_urlsafe(18)
        body = f"{visitor}.{int(self._clock().timestamp())}"
        return f"{body}.{_sign((await self.keys())[0], body)}"

    async def check(self, cookie: str) -> Session | None:
        """The session in ``cookie``, or None if it is forged, unsigned, malformed or expired."""
        visitor, _, rest = cookie.partition(".")
        issued, _, signature = rest.partition(".")
        if not (visitor and issued.isdigit() and signature) or len(cookie) > 200:
            return None
        age = self._clock().timestamp() - int(issued)
        if not 0 <= age < SESSION_LIFETIME.total_seconds():
            return None
        current, previous = await self.keys()
        body = f"{visitor}.{issued}"
        for key in filter(None, (current, previous)):
            if hmac.compare_digest(signature, _sign(key, body)):
                renew = key is not current or age > RENEW_AFTER.total_seconds()
                return Session(visitor, int(issued), renew)
        return None

    async def csrf_token(self, visitor: str) -> str:
        return _sign((await self.keys())[0], f"csrf.{visitor}")

    async def csrf_ok(self, visitor: str, token: str) -> bool:
        return any(hmac.compare_digest(token, _sign(key, f"csrf.{visitor}"))
                   for key in filter(None, await self.keys()))


def _sign(key: bytes, body: str) -> str:
    digest = hmac.new(key, body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
