"""The web chat, for people with neither Telegram nor Zalo: one page on the project's aiohttp
app. A signed cookie issued by the server identifies the person (bot.channels.web_session);
messages go through the same dispatcher; messages queued for them later (reminders, notices)
wait in the outbox until the page fetches and acknowledges them.

It is public, so every request to its API passes, in order: a token bucket per client address,
JSON only and a size limit, a valid session, the same Origin or the page's CSRF token (POST),
and a token bucket per session. Opening the page writes nothing: a contact and a conversation
are created by the visitor's first real message."""

import json
import math
import time
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from bot.channels.limiter import Bucket
from bot.channels.text import saved_documents
from bot.channels.web_session import SESSION_LIFETIME, Session, SessionKeys
from bot.offline_turn import one_turn
from bot.web import client_address, is_https, own_origin
from bot.wiring import Core
from handlers import organisation
from handlers.turn import Incoming, Reply, is_payload
from messages.loader import escape
from storage import outbox

CHANNEL = "web"
COOKIE = "qnam_chat"
CSRF_HEADER = "X-CSRF-Token"
PAGE = Path(__file__).parents[1] / "static" / "chat.html"
MAX_BODY = 8 * 1024


class Buckets:
    """Token buckets by key (an address, a session), kept in memory: they only protect. Full
    buckets are dropped now and then, so a flood of keys does not grow it for ever."""

    def __init__(self, per_minute: float, burst: int, clock=time.monotonic):
        self.rate, self.burst, self.clock = per_minute / 60, float(burst), clock
        self._buckets: dict[str, Bucket] = {}
        self._pruned = 0.0

    def take(self, key: str) -> float:
        """0 if ``key`` may go (a token is taken), else the seconds until it may."""
        now = self.clock()
        if len(self._buckets) > 10_000 and now - self._pruned > 1:  # not at every request
            refill, self._pruned = self.burst / self.rate, now
            self._buckets = {k: b for k, b in self._buckets.items() if now - b.stamp < refill}
        bucket = self._buckets.setdefault(key, Bucket(self.rate, self.burst))
        wait = bucket.wait(now)
        if not wait:
            bucket.take()
        return wait


class Refused(Exception):
    """A request the chat does not serve; carries the answer to give."""

    def __init__(self, response: web.Response):
        self.response = response


class WebChat:
    """Routes: GET /chat/ (the page), GET /chat/api/welcome, POST /chat/api/send,
    GET /chat/api/inbox (reads only) and POST /chat/api/ack (marks what the page showed)."""

    name = CHANNEL

    def __init__(self, core: Core):
        self.core = core
        settings = core.settings
        self.template = PAGE.read_text(encoding="utf-8")
        self.sessions = SessionKeys(core.sessionmaker)
        self.per_address = Buckets(settings.web_address_per_minute, settings.web_address_burst)
        self.per_session = Buckets(settings.web_session_per_minute, settings.web_session_burst)

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/chat/", self.show_page),
            web.get("/chat/api/welcome", self.welcome),
            web.post("/chat/api/send", self.receive),
            web.get("/chat/api/inbox", self.inbox),
            web.post("/chat/api/ack", self.acknowledge),
        ]

    # --- the gate every request passes -------------------------------------------------

    def _slow_down(self, wait: float) -> Refused:
        seconds = max(1, math.ceil(wait))
        html = self.core.texts("web.slow_down", seconds=seconds)
        return Refused(web.json_response({"error": "slow down", "html": html,
                                          "retry_after": seconds},
                                         status=429, headers={"Retry-After": str(seconds)}))

    async def _session(self, request: web.Request) -> Session | None:
        return await self.sessions.check(request.cookies.get(COOKIE, ""))

    async def _set_cookie(self, request: web.Request, response: web.StreamResponse,
                          visitor: str | None = None) -> str:
        value = await self.sessions.issue(visitor)
        response.set_cookie(COOKIE, value, httponly=True, samesite="Lax",
                            # path "/": it replaces a cookie set at "/" by an older page or an
                            # attacker, which the browser would otherwise send alongside it
                            secure=is_https(request) or None, path="/",
                            max_age=int(SESSION_LIFETIME.total_seconds()))
        return value.partition(".")[0]

    async def _new_session(self, request: web.Request) -> Refused:
        """A missing, forged or expired cookie: refused, with a new session and its token."""
        response = web.json_response({"error": "session"}, status=403)
        visitor = await self._set_cookie(request, response)
        response.headers[CSRF_HEADER] = await self.sessions.csrf_token(visitor)
        return Refused(response)

    async def _admit(self, request: web.Request) -> Session:
        """The visitor's session if the request may be served; else raises Refused."""
        if wait := self.per_address.take(client_address(request)):
            raise self._slow_down(wait)
        if request.method == "POST":
            if request.content_type != "application/json":
                raise Refused(web.json_response({"error": "JSON only"}, status=415))
            if (request.content_length or 0) > MAX_BODY:
                raise Refused(web.json_response({"error": "too large"}, status=413))
        session = await self._session(request)
        if session is None:
            raise await self._new_session(request)
        if request.method == "POST" and not await self._same_site(request, session):
            raise Refused(web.json_response({"error": "cross-origin"}, status=403))
        if wait := self.per_session.take(session.visitor):
            raise self._slow_down(wait)
        return session

    async def _same_site(self, request: web.Request, session: Session) -> bool:
        """A POST from our own page: the same Origin, or the CSRF token the page was given."""
        if request.headers.get("Origin", "").lower() == own_origin(request):
            return True
        token = request.headers.get(CSRF_HEADER, "")
        return bool(token) and await self.sessions.csrf_ok(session.visitor, token)

    async def _answer(self, request: web.Request, handler) -> web.StreamResponse:
        try:
            session = await self._admit(request)
        except Refused as refused:
            return refused.response
        response = await handler(request, session)
        if session.renew:
            await self._set_cookie(request, response, session.visitor)
        return response

    # --- the page ---------------------------------------------------------------------

    async def page(self, csrf: str) -> str:
        """The page, titled with the department an admin entered (or the default)."""
        texts = self.core.texts
        async with self.core.sessionmaker() as session:
            found = await organisation.load(session, texts)
        return self.template.format(
            title=texts("web.title", department=found.department), csrf=csrf,
            **{key.removeprefix("web."): escape(texts(key)) for key in
               ("web.placeholder", "web.send", "web.log_label", "web.offline", "web.you",
                "web.bot")},
        )

    async def show_page(self, request: web.Request) -> web.Response:
        if wait := self.per_address.take(client_address(request)):
            seconds = max(1, math.ceil(wait))
            return web.Response(text=self.core.texts("web.slow_down", seconds=seconds),
                                status=429, headers={"Retry-After": str(seconds)})
        session = await self._session(request)
        visitor = session.visitor if session else None
        response = web.Response(content_type="text/html")
        if session is None or session.renew:
            visitor = await self._set_cookie(request, response, visitor)
        response.text = await self.page(await self.sessions.csrf_token(visitor))
        response.headers["Cache-Control"] = "no-store"  # it carries this visitor's token
        return response

    # --- the API ----------------------------------------------------------------------

    async def welcome(self, request: web.Request) -> web.StreamResponse:
        return await self._answer(request, self._welcome)

    async def _welcome(self, request: web.Request, session: Session) -> web.Response:
        """The greeting and main menu, computed in a transaction that is rolled back."""
        incoming = Incoming(channel=CHANNEL, user_id=session.visitor, chat_id=session.visitor,
                            text="/start", received_at=datetime.now(UTC))
        replies = await one_turn(self.core, incoming, self.core.config, commit=False)
        return web.json_response({"replies": [as_json(reply) for reply in replies]})

    async def receive(self, request: web.Request) -> web.StreamResponse:
        return await self._answer(request, self._receive)

    async def _receive(self, request: web.Request, session: Session) -> web.Response:
        try:
            body = await _json_body(request)
            text, payload = body.get("text"), body.get("payload")
            message_id = str(body.get("id", ""))[:64] or None
            if not isinstance(text, str | None) or not isinstance(payload, str | None):
                raise ValueError
        except (ValueError, AttributeError):
            return web.json_response({"error": "bad request"}, status=400)
        visitor = session.visitor
        incoming = Incoming(
            channel=CHANNEL, user_id=visitor, chat_id=visitor, text=text,
            payload=payload if payload and is_payload(payload) else None,
            update_id=message_id, received_at=datetime.now(UTC),
        )
        replies = await self.core.dispatcher.handle(incoming)
        replies = saved_documents(replies, self.core.settings.export_dir, self.core.texts)
        return web.json_response({"replies": [as_json(reply) for reply in replies]})

    async def inbox(self, request: web.Request) -> web.StreamResponse:
        return await self._answer(request, self._inbox)

    async def _inbox(self, request: web.Request, session: Session) -> web.Response:
        async with self.core.sessionmaker() as db:
            items = await outbox.waiting_for_chat(db, CHANNEL, session.visitor,
                                                  datetime.now(UTC))
        return web.json_response({"replies": [
            {"id": item.id, "html": item.text,
             "buttons": [pair for row in item.buttons for pair in row]}
            for item in items
        ]})

    async def acknowledge(self, request: web.Request) -> web.StreamResponse:
        return await self._answer(request, self._acknowledge)

    async def _acknowledge(self, request: web.Request, session: Session) -> web.Response:
        try:
            ids = (await _json_body(request)).get("ids")
            if not isinstance(ids, list) or not all(type(i) is int for i in ids):
                raise ValueError
        except (ValueError, AttributeError):
            return web.json_response({"error": "bad request"}, status=400)
        async with self.core.sessionmaker.begin() as db:
            done = await outbox.mark_fetched(db, CHANNEL, session.visitor, ids[:20],
                                             datetime.now(UTC))
        return web.json_response({"acknowledged": done})


async def _json_body(request: web.Request) -> dict:
    """The JSON object sent, at most MAX_BODY bytes; ValueError for anything else."""
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise ValueError
    body = json.loads(raw)
    # JSON may escape a lone surrogate (\ud800), which no database can store:
    # UnicodeEncodeError is a ValueError, so any field holding one is a bad request
    json.dumps(body, ensure_ascii=False).encode()
    if not isinstance(body, dict):
        raise ValueError
    return body


def as_json(reply: Reply) -> dict:
    """A reply for the page: its HTML (values already escaped), its buttons, and whether it
    asks for typed text (the page then leaves the focus in the text box)."""
    return {"html": reply.text, "buttons": [[b.label, b.payload] for b in reply.all_buttons()],
            "asks_text": not reply.numbered}
