"""The web chat, for people with neither Telegram nor Zalo: one page on the project's aiohttp
app. A cookie identifies the person; messages go through the same dispatcher; messages queued
for them later (reminders, notices) wait in the outbox until the page asks for them."""

import json
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from bot.channels.text import saved_documents
from bot.wiring import Core
from handlers import organisation
from handlers.turn import Incoming, Reply, is_payload
from messages.loader import escape
from storage import outbox

CHANNEL = "web"
COOKIE = "qnam_chat"
PAGE = Path(__file__).parents[1] / "static" / "chat.html"
VISITOR = re.compile(r"[A-Za-z0-9_-]{16,40}")
MAX_BODY = 8 * 1024


class WebChat:
    """Routes: GET /chat/ (the page), POST /chat/api/send, GET /chat/api/inbox."""

    name = CHANNEL

    def __init__(self, core: Core):
        self.core = core
        self.template = PAGE.read_text(encoding="utf-8")

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/chat/", self.show_page),
            web.post("/chat/api/send", self.receive),
            web.get("/chat/api/inbox", self.inbox),
        ]

    async def page(self) -> str:
        """The page, titled with the department an admin entered (or the default)."""
        texts = self.core.texts
        async with self.core.sessionmaker() as session:
            found = await organisation.load(session, texts)
        return self.template.format(
            title=texts("web.title", department=found.department),
            placeholder=escape(texts("web.placeholder")), send=escape(texts("web.send")),
        )

    async def show_page(self, request: web.Request) -> web.Response:
        response = web.Response(text=await self.page(), content_type="text/html")
        if not VISITOR.fullmatch(request.cookies.get(COOKIE, "")):
            response.set_cookie(COOKIE, secrets.token_urlsafe(18), httponly=True,
                                samesite="Lax", max_age=180 * 24 * 3600)
        return response

    async def receive(self, request: web.Request) -> web.Response:
        visitor = request.cookies.get(COOKIE, "")
        if not VISITOR.fullmatch(visitor):
            return web.json_response({"error": "no session"}, status=403)
        raw = await request.content.read(MAX_BODY + 1)
        try:
            if len(raw) > MAX_BODY:
                raise ValueError
            body = json.loads(raw)
            # JSON may escape a lone surrogate (\ud800), which no database can store:
            # UnicodeEncodeError is a ValueError, so any field holding one is a bad request
            json.dumps(body, ensure_ascii=False).encode()
            text, payload = body.get("text"), body.get("payload")
            message_id = str(body.get("id", ""))[:64] or None
            if not isinstance(text, str | None) or not isinstance(payload, str | None):
                raise ValueError
        except (ValueError, AttributeError):
            return web.json_response({"error": "bad request"}, status=400)
        incoming = Incoming(
            channel=CHANNEL, user_id=visitor, chat_id=visitor, text=text,
            payload=payload if payload and is_payload(payload) else None,
            update_id=message_id, received_at=datetime.now(UTC),
        )
        replies = await self.core.dispatcher.handle(incoming)
        replies = saved_documents(replies, self.core.settings.export_dir, self.core.texts)
        return web.json_response({"replies": [as_json(reply) for reply in replies]})

    async def inbox(self, request: web.Request) -> web.Response:
        visitor = request.cookies.get(COOKIE, "")
        if not VISITOR.fullmatch(visitor):
            return web.json_response({"replies": []})
        async with self.core.sessionmaker.begin() as session:
            items = await outbox.take_for_chat(session, CHANNEL, visitor, datetime.now(UTC))
        return web.json_response({"replies": [
            {"html": item.text, "buttons": [pair for row in item.buttons for pair in row]}
            for item in items
        ]})


def as_json(reply: Reply) -> dict:
    """A reply for the page: its HTML (values already escaped) and its buttons."""
    return {"html": reply.text, "buttons": [[b.label, b.payload] for b in reply.all_buttons()]}
