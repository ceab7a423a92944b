"""The Zalo OA access token: about 25 h long, refreshed ahead of expiry with a refresh token that
works once and is replaced at every refresh. The new pair is committed to the database before
the new access token is used, so a crash never leaves the bot with a spent refresh token."""

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import aiohttp

from bot.channels.base import TemporaryFailure
from bot.channels.zalo.common import (
    alert_admins,
    as_int,
    call_json,
    fingerprint,
)
from bot.wiring import Core
from storage.channel_secrets import forget, read_secret, write_secret

log = logging.getLogger(__name__)
ACCESS_KEY = "zalo_oa.access_token"
REFRESH_KEY = "zalo_oa.refresh_token"
SEED_KEY = "zalo_oa.seed"  # a fingerprint of the settings' tokens that were last copied in
REFRESH_AHEAD = timedelta(hours=5)  # refresh at about 20 h of the 25 h
REFRESH_TOKEN_LIFETIME = timedelta(days=90)
DEFAULT_LIFETIME = 90000  # seconds; Zalo's documented expires_in


class OATokens:
    """Hands out a valid access token; one refresh at a time (an asyncio lock)."""

    def __init__(self, core: Core, clock: Callable[[], datetime]):
        settings = core.settings
        self.core = core
        self.clock = clock
        self.url = f"{settings.zalo_oa_oauth_url}/v4/oa/access_token"
        self.app_id = settings.zalo_oa_app_id
        self.app_secret = settings.zalo_oa_app_secret.get_secret_value()
        self.http: aiohttp.ClientSession | None = None
        self._access: str | None = None
        self._expires: datetime | None = None
        self._lock = asyncio.Lock()

    async def load(self) -> None:
        """Read the tokens from the database. The settings only seed it: when it has none, or
        when the operator put new tokens in the settings (after a new consent)."""
        settings, now = self.core.settings, self.clock()
        access = _value(settings.zalo_oa_access_token)
        refresh = _value(settings.zalo_oa_refresh_token)
        seed = fingerprint(access, refresh)
        async with self.core.sessionmaker.begin() as session:
            seeded = await read_secret(session, SEED_KEY)
            if seeded is None or seeded.value != seed:
                await forget(session, [ACCESS_KEY, REFRESH_KEY])
                if access:  # its age is unknown: used until Zalo says it expired
                    await write_secret(session, ACCESS_KEY, access, now)
                if refresh:
                    await write_secret(session, REFRESH_KEY, refresh, now)
                await write_secret(session, SEED_KEY, seed, now)
            row = await read_secret(session, ACCESS_KEY)
        self._access, self._expires = (row.value, row.expires_at) if row else (None, None)

    async def token(self) -> str:
        """A valid access token, refreshed first if it expires within ``REFRESH_AHEAD``."""
        expires = self._expires
        if self._access and (expires is None or expires - self.clock() > REFRESH_AHEAD):
            return self._access
        return await self.refresh(stale=self._access)

    async def refresh(self, stale: str | None) -> str:
        """Replace the access token ``stale``; callers that waited while another refreshed it
        get that new token without a second refresh."""
        async with self._lock:
            if self._access and self._access != stale:
                return self._access
            return await self._refresh()

    async def _refresh(self) -> str:
        async with self.core.sessionmaker() as session:
            row = await read_secret(session, REFRESH_KEY)
        if row is None:
            return await self._failed("no refresh token")
        form = {"refresh_token": row.value, "app_id": self.app_id, "grant_type": "refresh_token"}
        try:
            _, body = await call_json(self.http, "POST", self.url, data=form,
                                      headers={"secret_key": self.app_secret})
        except TemporaryFailure as problem:
            return await self._failed(str(problem))
        access, refresh = body.get("access_token"), body.get("refresh_token")
        if not (isinstance(access, str) and access and isinstance(refresh, str) and refresh):
            reason = f"{body.get('error')} {body.get('error_name') or body.get('message') or ''}"
            return await self._failed(reason.strip())
        now = self.clock()
        expires = now + timedelta(seconds=as_int(body.get("expires_in"), DEFAULT_LIFETIME))
        async with self.core.sessionmaker.begin() as session:  # committed before any use
            await write_secret(session, REFRESH_KEY, refresh, now, now + REFRESH_TOKEN_LIFETIME)
            await write_secret(session, ACCESS_KEY, access, now, expires)
        self._access, self._expires = access, expires
        log.info("zalo_oa access token refreshed; valid until %s", expires.isoformat())
        return access

    async def _failed(self, reason: str) -> str:
        log.error("zalo_oa token refresh failed: %s", reason)
        text = self.core.texts("zalo.oa_refresh_failed", reason=reason)
        await alert_admins(self.core, f"zalo_oa:refresh:{self.clock():%Y-%m-%d}", text)
        raise TemporaryFailure(f"token refresh failed: {reason}")


def _value(secret) -> str:
    return secret.get_secret_value() if secret else ""
