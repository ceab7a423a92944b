"""Zalo Official Account (Open API v3): the agency's verified OA. Webhook events are checked
against their signature on the raw bytes, stored in the durable inbox and answered 200 at once,
then handled from the inbox. Replies are customer-service messages, with ``oa.query.hide``
buttons where they fit, inside Zalo's reply window (see ``send``)."""

import hashlib
import hmac
import json
import logging
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import aiohttp
from aiohttp import web

from bot.channels.base import (
    OutsideWindow,
    Rejected,
    RetryLater,
    TemporaryFailure,
    Unreachable,
    mark_unreachable,
)
from bot.channels.inbox_worker import InboxWorker
from bot.channels.limiter import Limiter, Limits
from bot.channels.text import plain, render
from bot.channels.zalo.common import as_int, call_json, chunks
from bot.channels.zalo.oa_tokens import OATokens
from bot.wiring import Core
from handlers.dispatcher import utcnow
from handlers.turn import Incoming, Reply, is_payload
from storage import contacts

log = logging.getLogger(__name__)
CHANNEL = "zalo"
WEBHOOK_PATH = "/zalo/oa/webhook"
SIGNATURE_HEADER = "X-ZEvent-Signature"
MAX_TEXT, MAX_BUTTONS, MAX_TITLE = 2000, 5, 100
FREE_WINDOW, CS_WINDOW = timedelta(hours=48), timedelta(days=7)
# A tapped oa.query button comes back as user_send_text carrying its payload; the "#" marks
# the bot's own payloads so that a typed word ("hello", "ok") is never taken for one.
TAPPED = re.compile(r"#([a-z]+(?::[A-Za-z0-9_.-]+)*)")
REFUSED_TOKEN = (-216, -220)  # invalid, expired: refresh and try once more


def to_incoming(event: dict) -> Incoming | None:
    """The neutral form of an OA webhook event; None for events the bot does not answer."""
    name = event.get("event_name")
    sender = _id(event.get("sender"))
    common = dict(channel=CHANNEL, update_id=event_key(event), received_at=datetime.now(UTC))
    if name == "user_send_text" and sender:
        text = str((event.get("message") or {}).get("text") or "")
        tapped = TAPPED.fullmatch(text)
        if tapped and is_payload(tapped.group(1)):
            return Incoming(user_id=sender, chat_id=sender, payload=tapped.group(1), **common)
        return Incoming(user_id=sender, chat_id=sender, text=text, **common) if text else None
    if name == "follow" and (follower := _id(event.get("follower"))):
        return Incoming(user_id=follower, chat_id=follower, text="/start", **common)
    if name == "user_submit_info" and sender:
        phone = (event.get("info") or {}).get("phone")
        if phone:
            return Incoming(user_id=sender, chat_id=sender, phone=str(phone), **common)
    return None


def user_of(event: dict) -> str | None:
    """The person an event comes from, as ``to_incoming`` names them."""
    return _id(event.get("sender")) or _id(event.get("follower"))


def event_key(event: dict) -> str:
    """The inbox key: the message id, else event name + timestamp + sender."""
    message = event.get("message")
    msg_id = message.get("msg_id") if isinstance(message, dict) else None  # a malformed one too
    if msg_id:
        return str(msg_id)[:64]
    who = _id(event.get("sender")) or _id(event.get("follower")) or event.get("user_id_by_app")
    key = f"{event.get('event_name')}:{event.get('timestamp')}:{who}"
    return key if len(key) <= 64 else hashlib.sha256(key.encode()).hexdigest()


def signed_with(raw: bytes, header: str, timestamp: str, firsts: list[str], key: str) -> str:
    """Which first term (app id or OA id) makes ``mac=sha256(first + raw + timestamp + key)``
    match the header; "" if none does. A plain SHA-256, not an HMAC, as Zalo signs."""
    got = header.strip().removeprefix("mac=").strip().lower().encode()
    for first in firsts:
        want = hashlib.sha256(first.encode() + raw + timestamp.encode() + key.encode())
        if hmac.compare_digest(got, want.hexdigest().encode()):
            return first
    return ""


def cs_messages(replies: list[Reply], texts) -> list[dict]:
    """The CS ``message`` objects for a turn: plain text with ``oa.query.hide`` buttons when
    every reply's buttons fit, else the whole turn as a numbered list (numbered like the
    dispatcher numbers the turn's menu); a phone question adds Zalo's share-info form."""
    fits = all(
        len(reply.all_buttons()) <= MAX_BUTTONS
        and all(len(b.label) <= MAX_TITLE for b in reply.all_buttons())
        for reply in replies
    )
    bodies = [plain(r.text) for r in replies] if fits else render(replies)
    messages: list[dict] = []
    for reply, body in zip(replies, bodies, strict=True):
        parts = [{"text": part} for part in chunks(body, MAX_TEXT)]
        if parts and fits and reply.buttons:
            buttons = [{"title": unicodedata.normalize("NFC", b.label), "type": "oa.query.hide",
                        "payload": f"#{b.payload}"} for b in reply.all_buttons()]
            parts[-1]["attachment"] = {"type": "template", "payload": {"buttons": buttons}}
        messages += parts
        if reply.ask_phone:
            element = {"title": plain(texts("zalo.oa_phone_form_title")),
                       "subtitle": plain(texts("zalo.oa_phone_form_subtitle"))}
            messages.append({"attachment": {"type": "template", "payload": {
                "template_type": "request_user_info", "elements": [element]}}})
    return messages


class ZaloOAChannel:
    """The OA webhook, one inbox worker, one sending path through the limiter and the window."""

    name = CHANNEL

    def __init__(self, core: Core, limiter: Limiter | None = None,
                 clock: Callable[[], datetime] = utcnow):
        """``clock`` is the platform's "now" for the reply window and token expiry."""
        settings = core.settings
        self.core = core
        self.clock = clock
        self.limiter = limiter or Limiter(Limits(per_second=50))  # Zalo: 4,000 a minute
        self.cs_url = f"{settings.zalo_oa_api_url}/v3.0/oa/message/cs"
        self.app_id = settings.zalo_oa_app_id
        self.secret_key = settings.zalo_oa_secret_key.get_secret_value()
        self.paid_max_priority = settings.zalo_oa_paid_max_priority
        self.tokens = OATokens(core, clock)
        self.inbox = InboxWorker(core, CHANNEL, to_incoming, self._deliver_replies, user_of)
        self.http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self.http = self.tokens.http = aiohttp.ClientSession()
        await self.tokens.load()
        self.inbox.start()

    async def stop(self) -> None:
        """Let turns in progress finish (stored events wait for the next start), then close."""
        await self.inbox.stop()
        if self.http is not None:
            await self.http.close()

    # -- inbound ----------------------------------------------------------------------------
    def routes(self) -> list[web.RouteDef]:
        return [web.post(WEBHOOK_PATH, self.webhook)]

    async def webhook(self, request: web.Request) -> web.Response:
        """Check the signature on the raw bytes before using anything from the body, store
        the event, answer 200 at once (Zalo wants an answer within 2 s)."""
        raw = await request.read()
        try:
            event = json.loads(raw)
        except ValueError:
            event = None
        if not isinstance(event, dict):
            return web.Response(status=403)
        # Zalo's docs do not say whether the app id or the OA id comes first; accept both
        firsts = [self.app_id, *{str(i) for i in (event.get("oa_id"),
                                                   _id(event.get("recipient"))) if i}]
        header = request.headers.get(SIGNATURE_HEADER, "")
        first = signed_with(raw, header, str(event.get("timestamp", "")), firsts,
                            self.secret_key)
        if not first:
            log.warning("zalo_oa webhook refused: bad or missing signature")
            return web.Response(status=403)
        log.debug("zalo_oa webhook signed with the %s", "app id" if first == self.app_id
                  else "OA id")
        await self.inbox.store([(event_key(event), event)])
        return web.Response(status=200)

    async def _deliver_replies(self, incoming: Incoming, replies: list[Reply]) -> None:
        await self.send(incoming.chat_id, replies)

    # -- outbound ---------------------------------------------------------------------------
    async def send(
        self, chat_id: str, replies: list[Reply], *, bulk: bool = False, priority: int = 5
    ) -> None:
        """Send ``replies`` as CS messages. Answers to a person who just wrote are inside the
        window; a bulk send goes out within 48 h of the person's last message, from 48 h to
        7 days only if ``priority`` ≤ ZALO_OA_PAID_MAX_PRIORITY (Zalo bills those), and never
        later (OutsideWindow, without calling Zalo)."""
        if bulk:
            await self._check_window(chat_id, priority)
        for message in cs_messages(replies, self.core.texts):
            await self.limiter.acquire(chat_id, bulk=bulk)
            await self._send_cs({"recipient": {"user_id": chat_id}, "message": message})

    async def _check_window(self, chat_id: str, priority: int) -> None:
        async with self.core.sessionmaker() as session:
            last_seen = await contacts.last_seen(session, CHANNEL, chat_id)
        age = self.clock() - last_seen if last_seen is not None else None
        if age is None or age > CS_WINDOW:
            raise OutsideWindow("no interaction within 7 days")
        if age > FREE_WINDOW and priority > self.paid_max_priority:
            raise OutsideWindow(f"priority {priority} is not worth a paid message")

    async def _send_cs(self, body: dict) -> None:
        token = await self.tokens.token()
        code, message = await self._post(token, body)
        if code in REFUSED_TOKEN:
            code, message = await self._post(await self.tokens.refresh(stale=token), body)
        if code == 0:
            return
        self.core.metrics.send_error(CHANNEL, code)
        chat_id = body["recipient"]["user_id"]
        if code in (-230, -232):
            raise OutsideWindow(message)
        if code == -32:  # the app's 4,000 calls a minute
            raise RetryLater(60)
        if code in (-227, -244):  # banned, inactive, or refuses messages from this OA
            await mark_unreachable(self.core, CHANNEL, chat_id)
            raise Unreachable(chat_id)
        log.error("zalo_oa refused a message: %s %s", code, message)
        if code in (-201, -248):  # an invalid field; content against platform rules
            raise Rejected(f"{code} {message}")
        raise TemporaryFailure(f"{code} {message}")

    async def _post(self, token: str, body: dict) -> tuple[int | None, str]:
        try:
            _, answer = await call_json(self.http, "POST", self.cs_url, json=body,
                                        headers={"access_token": token})
        except TemporaryFailure:
            self.core.metrics.send_error(CHANNEL, "network")
            raise
        return as_int(answer.get("error"), -1), str(answer.get("message", ""))


def _id(holder: object) -> str | None:
    """The ``id`` of a ``sender``/``recipient``/``follower`` object, as a string."""
    value = holder.get("id") if isinstance(holder, dict) else None
    return str(value) if value not in (None, "") else None
