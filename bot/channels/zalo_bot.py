"""Zalo Bot Platform (``bot-api.zaloplatforms.com``), a Telegram-like API without buttons: every
reply is numbered plain text, and typing "2" or a label chooses. Updates come by long polling
(one update per ``getUpdates``, no offset: Zalo forgets an update once it hands it out) or by
webhook; either way they are stored in the durable inbox first, keyed by ``message_id``, so a
re-delivery is handled once. The bot token is in every URL: no URL is ever logged."""

import asyncio
import logging
import random
from collections.abc import Callable
from datetime import datetime

import aiohttp
from aiohttp import web

from bot.channels.base import (
    Rejected,
    RetryLater,
    TemporaryFailure,
    Unreachable,
    carries_secret,
    mark_unreachable,
)
from bot.channels.inbox_worker import InboxWorker
from bot.channels.limiter import Limiter, Limits
from bot.channels.text import render
from bot.channels.zalo.common import (
    SEND_TIMEOUT,
    alert_admins,
    as_int,
    call_json,
    chunks,
    fingerprint,
    utf16_len,
)
from bot.channels.zalo.quota import MonthlyQuota
from bot.wiring import Core
from handlers.dispatcher import utcnow
from handlers.turn import Incoming, Reply
from storage.channel_secrets import read_secret, write_secret

log = logging.getLogger(__name__)
CHANNEL = "zalo_bot"
WEBHOOK_PATH = "/zalo/bot/webhook"
SECRET_HEADER = "X-Bot-Api-Secret-Token"
WEBHOOK_KEY = "zalo_bot.webhook"  # a fingerprint of the URL and secret last given to Zalo
MAX_TEXT = 2000  # UTF-16 code units
POLL_SECONDS = 30
QUOTA_PAUSE = 3600  # seconds to wait after Zalo's 429 (quota exceeded)


def unwrap(body: object) -> dict | None:
    """The update in a webhook body, bare ``{event_name, message}`` or wrapped ``{ok, result}``
    (the docs show the wrapper, real deliveries are reported bare)."""
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("result"), dict):
        return body["result"]
    return body if "event_name" in body else None


def update_key(update: dict) -> str | None:
    """The inbox key of an update: its ``message_id`` (None when it has none)."""
    message = update.get("message")
    message_id = message.get("message_id") if isinstance(message, dict) else None
    return str(message_id)[:64] if message_id else None


def user_of(update: dict) -> str | None:
    """The sender of an update, as ``to_incoming`` names them (the chat when ``from`` lacks)."""
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    for holder in (message.get("from"), message.get("chat")):
        if isinstance(holder, dict) and holder.get("id"):
            return str(holder["id"])
    return None


def to_incoming(update: dict) -> Incoming | None:
    """The neutral form of a text update; None for images, stickers, voice and the content-less
    ``message.unsupported.received``."""
    message = update.get("message")
    if update.get("event_name") != "message.text.received" or not isinstance(message, dict):
        return None
    chat, sender = message.get("chat") or {}, message.get("from") or {}
    chat_id, text = chat.get("id"), message.get("text")
    if not chat_id or not isinstance(text, str) or not text:
        return None
    return Incoming(
        channel=CHANNEL, user_id=str(sender.get("id") or chat_id), chat_id=str(chat_id),
        text=text, display_name=sender.get("display_name"), update_id=update_key(update),
        received_at=utcnow(),
    )


class ZaloBotChannel:
    """Polling or webhook, one inbox worker, one sending path through the limiter and quota."""

    name = CHANNEL
    text_only = True  # no buttons: choices are numbered text the outbox remembers as a menu

    def __init__(self, core: Core, limiter: Limiter | None = None,
                 clock: Callable[[], datetime] = utcnow):
        settings = core.settings
        self.core = core
        self.limiter = limiter or Limiter(Limits(per_second=10))  # no documented rate limit
        token = settings.zalo_bot_token.get_secret_value()
        self._base = f"{settings.zalo_bot_api_url}/bot{token}"
        self.webhook_url = settings.zalo_bot_webhook_url
        secret = settings.zalo_bot_webhook_secret
        self.secret = secret.get_secret_value() if secret else None
        self.quota = MonthlyQuota(core, settings.zalo_bot_monthly_quota, clock)
        self.inbox = InboxWorker(core, CHANNEL, to_incoming, self._deliver_replies, user_of)
        self.http: aiohttp.ClientSession | None = None
        self._poller: asyncio.Task | None = None

    # -- life cycle -------------------------------------------------------------------------
    async def start(self) -> None:
        self.http = aiohttp.ClientSession()
        await self._choose_mode()
        if not self.webhook_url:
            self._poller = asyncio.create_task(self._poll(), name="zalo-bot-poll")
        self.inbox.start()

    async def stop(self) -> None:
        """Stop polling (an update being stored is stored), let turns in progress finish."""
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
        await self.inbox.stop()
        if self.http is not None:
            await self.http.close()

    async def _choose_mode(self) -> None:
        """Webhook and polling exclude each other. setWebhook is limited per day, so it is
        called only when Zalo's URL or our secret changed."""
        try:
            _, info = await self._call("getWebhookInfo")  # 404 when never set (measured)
            result = info.get("result") if info.get("ok") else None
            current = result.get("url", "") if isinstance(result, dict) else ""
            if not self.webhook_url:
                if current:
                    await self._call("deleteWebhook")
                return
            wanted = fingerprint(self.webhook_url, self.secret)
            async with self.core.sessionmaker() as session:
                stored = await read_secret(session, WEBHOOK_KEY)
            if current == self.webhook_url and stored is not None and stored.value == wanted:
                return
            _, answer = await self._call(
                "setWebhook", {"url": self.webhook_url, "secret_token": self.secret}
            )
            if not answer.get("ok"):
                log.error("zalo_bot setWebhook refused: %s", answer.get("description"))
                return
            async with self.core.sessionmaker.begin() as session:
                await write_secret(session, WEBHOOK_KEY, wanted, utcnow())
        except TemporaryFailure as problem:
            log.error("zalo_bot could not set its webhook mode: %s", problem)

    # -- inbound ----------------------------------------------------------------------------
    def routes(self) -> list[web.RouteDef]:
        return [web.post(WEBHOOK_PATH, self.webhook)] if self.webhook_url else []

    async def webhook(self, request: web.Request) -> web.Response:
        """Check the secret header before reading the body, store the update, answer 200."""
        if not carries_secret(request, SECRET_HEADER, self.secret):
            return web.Response(status=403)
        try:
            update = unwrap(await request.json())
        except ValueError:  # 200 all the same: Zalo would send it again
            await self.inbox.unreadable_body(await request.read(), "no update: not JSON")
            return web.Response(status=200)
        key = update_key(update) if update is not None else None
        if key is not None:
            await self.inbox.store([(key, update)])
        return web.Response(status=200)

    async def _poll(self) -> None:
        backoff = 1.0
        while True:
            try:
                status, body = await self._call(
                    "getUpdates", {"timeout": str(POLL_SECONDS)},
                    http_timeout=aiohttp.ClientTimeout(total=POLL_SECONDS + 10),
                )
            except TemporaryFailure as problem:
                status, body = 0, {"description": str(problem)}
            code = as_int(body.get("error_code", body.get("errorCode")), status)
            if body.get("ok") or code == 408:  # 408: nothing arrived within the timeout
                backoff = 1.0
                await self._store(body.get("result") if body.get("ok") else None)
                continue
            if code == 401:
                log.error("zalo_bot token refused (401): polling stopped")
                await alert_admins(self.core, f"zalo_bot:token:{utcnow():%Y-%m-%d}",
                                   self.core.texts("zalo.bot_token_invalid"))
                return
            log.warning("zalo_bot getUpdates failed: %s %s", code, body.get("description"))
            await asyncio.sleep(backoff * random.uniform(0.8, 1.2))
            backoff = min(backoff * 2, 60)

    async def _store(self, result: object) -> None:
        # one update documented; a list (seen in ported SDKs) or nothing accepted too
        updates = result if isinstance(result, list) else [result]
        keyed = [(key, u) for u in updates if isinstance(u, dict) and (key := update_key(u))]
        if keyed:
            await self.inbox.store(keyed)  # kept even if polling stops meanwhile

    async def _deliver_replies(self, incoming: Incoming, replies: list[Reply]) -> None:
        await self.send(incoming.chat_id, replies)

    # -- outbound ---------------------------------------------------------------------------
    async def send(
        self, chat_id: str, replies: list[Reply], *, bulk: bool = False, priority: int = 5
    ) -> None:
        """Send ``replies`` as numbered plain text, ≤ 2000 UTF-16 units a message, counted
        against the monthly quota (RetryLater until next month once it is used up)."""
        for text in render(replies):
            for part in chunks(text, MAX_TEXT, utf16_len):
                await self.quota.check()
                await self.limiter.acquire(chat_id, bulk=bulk, group=chat_id.startswith("zgr-"))
                await self._send_message(chat_id, part)
                await self.quota.count()

    async def _send_message(self, chat_id: str, text: str) -> None:
        try:
            status, body = await self._call("sendMessage", {"chat_id": chat_id, "text": text})
        except TemporaryFailure:
            self.core.metrics.send_error(CHANNEL, "network")
            raise
        if body.get("ok"):
            return
        code = as_int(body.get("error_code", body.get("errorCode")), status)
        description = str(body.get("description", ""))
        self.core.metrics.send_error(CHANNEL, code)
        if code == 429:
            raise RetryLater(QUOTA_PAUSE)
        if "chat not found" in description.lower():
            await mark_unreachable(self.core, CHANNEL, chat_id)
            raise Unreachable(chat_id)
        log.error("zalo_bot refused a message: %s %s", code, description)
        if code == 400:
            raise Rejected(description)
        raise TemporaryFailure(f"{code} {description}")

    async def _call(self, method: str, params: dict | None = None,
                    http_timeout: aiohttp.ClientTimeout = SEND_TIMEOUT) -> tuple[int, dict]:
        return await call_json(self.http, "POST", f"{self._base}/{method}", http_timeout,
                               json=params or {})
