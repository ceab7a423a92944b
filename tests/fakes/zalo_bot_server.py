"""An offline fake of the Zalo Bot Platform API (``bot-api.zaloplatforms.com``) for tests.

``FakeZaloBot`` runs an aiohttp server on ``127.0.0.1`` (a free port) that serves
``/bot<TOKEN>/<method>`` the way the reference (``zalo-platforms.md``, sections A2-A10)
describes the real API. Point the adapter's configurable base URL at :attr:`base_url`.

What it enforces, and which answers are the fake's own choice where the sources are silent:

- Wrong token: HTTP 401 ``Unauthorized``. Unknown or undocumented method (``editMessageText``,
  ``sendTemplate``, ...; names are case-sensitive): HTTP 400 ``Bad Request`` (fake's choice).
  Telegram-only parameters (``offset``, ``limit``, ``allowed_updates``,
  ``reply_to_message_id``, ``reply_markup``) are refused with HTTP 400 as well.
- Parameters come from the query string, a form (urlencoded or multipart; file parts are
  ignored, like Zalo does) and a JSON object, merged in that order.
- ``getUpdates`` dequeues ONE update (``result`` is an object, never a list). When idle it
  answers ``{"ok":false,"error_code":408,"description":"Request timeout"}`` with HTTP 200 (or
  ``idle_http_status``) after ``timeout`` seconds (string or number; capped by
  ``poll_timeout_cap``). While a webhook is set: HTTP 400 ``Webhook is active`` (fake's choice).
- ``setWebhook`` wants ``https://`` (``http://`` to a loopback host is allowed for tests) and a
  ``secret_token`` of 8-256 characters. ``getWebhookInfo`` on a bot that never had a webhook
  answers HTTP 404 ``Not Found`` as measured on a real bot (set :attr:`webhook_info_404` to
  False for the documented ``url: ""`` answer instead).
- ``sendMessage`` etc. need a known chat (one that has messaged the bot; else HTTP 400
  ``chat not found``, fake's choice), text/caption of 1-2000 UTF-16 code units (markup counts),
  ``parse_mode`` in {``markdown``, ``html``}. Past the monthly quota: HTTP 429 ``Quota
  exceeded``. ``sendChatAction`` answers ``{"ok": true}`` with no ``result``.
- Simulated users (``user_says`` and friends) add the chat to the known chats and either
  POST the update to the webhook at once (one attempt: the real retry policy is unknown; use
  :meth:`redeliver` to simulate a retry) or queue it for ``getUpdates``.

All public methods must be called from the event loop thread that runs the fake.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from tests.fakes.watching import Watched, post_webhook

TEXT_LIMIT = 2000  # UTF-16 code units
SECRET_MIN, SECRET_MAX = 8, 256
DEFAULT_POLL_TIMEOUT = 30.0
MAX_POLL_SECONDS = 300.0  # a hard bound on any long poll, whatever the client asks
PARSE_MODES = frozenset({"markdown", "html"})
CHAT_ACTIONS = frozenset({"typing", "upload_photo"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]+")
# Telegram parameters that ported SDKs send but Zalo never documented.
TELEGRAM_ONLY_PARAMS = frozenset(
    {"offset", "limit", "allowed_updates", "reply_to_message_id", "reply_markup"}
)
STYLE_CODES = frozenset(
    {
        "b", "i", "u", "s", "f_13", "f_15", "f_18", "f_20",
        "c_050a19", "c_15a85f", "c_f7b503", "c_f27806", "c_db342e",
        "lst_1", "lst_2", "ind_1", "ind_2", "ind_3", "ind_4", "ind_5",
    }
)  # fmt: skip
WEBHOOK_USER_AGENT = "Java/17.0.12"  # what Zalo's deliveries are reported to send
VERIFIED_HINT = "Your endpoint responded successfully."


class ApiError(Exception):
    """A Bot Platform error: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, status: int, description: str, error_code: int | None = None):
        super().__init__(description)
        self.status = status
        self.error_code = status if error_code is None else error_code
        self.description = description

    def response(self) -> web.Response:
        """The HTTP answer for this error."""
        body = {"ok": False, "error_code": self.error_code, "description": self.description}
        return web.json_response(body, status=self.status)


def bad_request(description: str = "Bad Request") -> ApiError:
    """An HTTP 400 error."""
    return ApiError(400, description)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (the unit of Zalo's ``text_styles`` offsets and limits)."""
    return len(text.encode("utf-16-le")) // 2


def new_id() -> str:
    """A random id shaped like Zalo's: 20 lowercase hex characters."""
    return secrets.token_hex(10)


def now_ms() -> int:
    """The current time in epoch milliseconds, the unit of ``date`` and ``updated_at``."""
    return int(time.time() * 1000)


def _valid_style(style: Any, size: int) -> bool:
    """Whether one ``text_styles`` item is ``{start, len, st}`` inside a text of ``size``."""
    if not isinstance(style, dict):
        return False
    start, length, codes = style.get("start"), style.get("len"), style.get("st")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, length)):
        return False
    if not (start >= 0 and length >= 1 and start + length <= size):
        return False
    return isinstance(codes, list) and bool(codes) and set(codes) <= STYLE_CODES


@dataclass
class _Fault:
    method: str
    status: int
    error_code: int | None
    description: str


class FakeZaloBot(Watched):
    """An in-process Zalo Bot Platform server with simulated users, recording and faults."""

    recheck = 0.05  # the tests' conditions also depend on the bot's own state

    def __init__(
        self,
        token: str = "12345689:abc-xyz",
        *,
        monthly_quota: int = 3000,
        idle_http_status: int = 200,
        wrap_webhook: bool = False,
        poll_timeout_cap: float | None = None,
    ):
        """Create the fake; call :meth:`start` (or use ``async with``) to serve it.

        ``idle_http_status``: the HTTP status of an idle ``getUpdates`` (200 measured, 408
        seen elsewhere). ``wrap_webhook``: POST ``{"ok":true,"result":update}`` to the webhook
        instead of the bare update. ``poll_timeout_cap``: the longest a ``getUpdates`` waits,
        whatever ``timeout`` the client sends (to keep tests fast).
        """
        if not TOKEN_RE.fullmatch(token):
            raise ValueError(f"not a Zalo bot token: {token!r}")
        self.token = token
        self.bot_id = token.split(":", 1)[0]
        self.monthly_quota = monthly_quota
        self.idle_http_status = idle_http_status
        self.wrap_webhook = wrap_webhook
        self.poll_timeout_cap = poll_timeout_cap
        self.display_name = "Bot QNam NSCL"
        self.webhook_info_404 = True  # getWebhookInfo before any setWebhook: 404 (measured)
        self.webhook_timeout = 5.0  # seconds for one webhook POST
        self.base_url = ""

        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.webhook_deliveries: list[dict[str, Any]] = []
        self.chat_actions: list[tuple[str, str]] = []
        self.monthly_sent = 0
        self.known_chats: dict[str, str] = {}  # chat id -> "PRIVATE" | "GROUP"

        self._sent: list[dict[str, Any]] = []
        self._updates: list[dict[str, Any]] = []
        self._webhook: dict[str, Any] | None = None  # {"url", "secret", "updated_at"}
        self._webhook_updated_at: int | None = None  # None: never set
        self._faults: list[_Fault] = []
        self._group_members: dict[tuple[str, str], str] = {}

        self._closing = False
        self._changed = asyncio.Event()
        self._methods: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendSticker": self._send_sticker,
            "sendVoice": self._send_voice,
            "sendChatAction": self._send_chat_action,
        }

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Serve on 127.0.0.1 at a free port and set :attr:`base_url`."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown_path)
        self.base_url = await self._serve(app)
        self._closing = False

    async def stop(self) -> None:
        """Stop serving; pending long polls answer at once (idle). State is kept."""
        self._closing = True
        self._notify()
        await self._stop_serving()

    # ----------------------------------------------------------------- simulated users

    @staticmethod
    def new_chat_id() -> str:
        """A fresh realistic private chat id (20 hex characters)."""
        return new_id()

    async def user_says(
        self, chat_id: str, text: str, *, display_name: str = "Lan"
    ) -> dict[str, Any]:
        """The user sends ``text`` in ``chat_id``; returns the update (delivered or queued).

        A ``chat_id`` starting with ``zgr-`` is a GROUP chat: the sender then gets an id of
        its own (stable per display name); otherwise ``from.id == chat.id``.
        """
        if not text:
            raise ValueError("Zalo users cannot send empty messages")
        message = self._message(chat_id, display_name, text=text)
        return await self._push("message.text.received", message)

    async def user_sends_image(
        self,
        chat_id: str,
        url: str,
        caption: str | None = None,
        *,
        field: str = "photo",
        display_name: str = "Lan",
    ) -> dict[str, Any]:
        """The user sends an image; the URL is under ``photo`` (docs) or ``photo_url`` (seen)."""
        if field not in ("photo", "photo_url"):
            raise ValueError("field must be 'photo' or 'photo_url'")
        message = self._message(chat_id, display_name, **{field: url})
        if caption is not None:
            message["caption"] = caption
        return await self._push("message.image.received", message)

    async def user_sends_sticker(
        self, chat_id: str, sticker: str = "0e078a2fb66a5f34067b", *, display_name: str = "Lan"
    ) -> dict[str, Any]:
        """The user sends a sticker (``sticker`` id plus its image ``url``)."""
        url = f"https://stickers.zaloapp.com/{sticker}.png"
        message = self._message(chat_id, display_name, sticker=sticker, url=url)
        return await self._push("message.sticker.received", message)

    async def user_sends_voice(
        self, chat_id: str, voice_url: str, *, display_name: str = "Lan"
    ) -> dict[str, Any]:
        """The user sends a voice message (``voice_url``)."""
        message = self._message(chat_id, display_name, voice_url=voice_url)
        return await self._push("message.voice.received", message)

    async def unsupported_event(self, chat_id: str | None = None) -> dict[str, Any]:
        """A ``message.unsupported.received`` event (protected sender: no content).

        Without ``chat_id`` the event has no ``message`` at all; with it, the message carries
        ``from``/``chat``/``message_id``/``date`` and no content.
        """
        if chat_id is None:
            return await self._push("message.unsupported.received", None)
        return await self._push("message.unsupported.received", self._message(chat_id, "Lan"))

    async def redeliver(self, update: dict[str, Any], *, secret: str | None = None) -> int:
        """POST ``update`` to the webhook again (a retry); return the HTTP status (0: no answer).

        ``secret`` overrides the ``X-Bot-Api-Secret-Token`` header ("" sends none), e.g. to
        check that the adapter refuses a forged delivery.
        """
        if self._webhook is None:
            raise RuntimeError("no webhook is set")
        return await self._deliver(update, secret=secret)

    # ----------------------------------------------------------------- what the bot did

    def sent(self, chat_id: str | None = None) -> list[dict[str, Any]]:
        """Messages the bot sent, oldest first (optionally only to ``chat_id``).

        Each entry: ``method``, ``chat_id``, ``message_id``, ``date``, ``text``,
        ``parse_mode``, ``text_styles``, ``photo``, ``caption``, ``sticker``, ``voice_url``
        (None where the method has no such field).
        """
        return [dict(e) for e in self._sent if chat_id is None or e["chat_id"] == chat_id]

    def texts(self, chat_id: str | None = None) -> list[str]:
        """The ``text`` of every ``sendMessage``, oldest first (optionally only to ``chat_id``)."""
        return [e["text"] for e in self.sent(chat_id) if e["method"] == "sendMessage"]

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates queued for ``getUpdates`` and not yet dequeued."""
        return list(self._updates)

    @property
    def webhook(self) -> dict[str, Any] | None:
        """The current webhook as ``{"url", "secret", "updated_at"}``, or None."""
        return dict(self._webhook) if self._webhook is not None else None

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        """The params of every call of ``method``, oldest first."""
        return [params for name, params in self.calls if name == method]

    # ----------------------------------------------------------------- test controls

    def set_quota(self, n: int) -> None:
        """Set the monthly message quota; sends beyond it get HTTP 429."""
        self.monthly_quota = n

    def new_month(self) -> None:
        """Reset the monthly send counter."""
        self.monthly_sent = 0

    def fail_next(
        self,
        method: str,
        status: int = 500,
        error_code: int | None = None,
        description: str = "Internal Server Error",
    ) -> None:
        """Make the next call of ``method`` fail (calls queue up, one fault per call).

        It answers HTTP ``status`` with ``{"ok":false,"error_code":error_code or status,
        "description":description}``; ``status=0`` drops the connection without an answer
        (a transport error). The call is recorded in :attr:`calls` but has no effect.
        """
        self._faults.append(_Fault(method, status, error_code, description))

    def reset(self) -> None:
        """Forget calls, sent messages, deliveries, queued updates and faults."""
        self.calls.clear()
        self.webhook_deliveries.clear()
        self.chat_actions.clear()
        self._sent.clear()
        self._updates.clear()
        self._faults.clear()
        self._notify()


    # ----------------------------------------------------------------- updates

    def _message(self, chat_id: str, display_name: str, **content: Any) -> dict[str, Any]:
        if not isinstance(chat_id, str) or not chat_id:
            raise ValueError("chat ids are non-empty strings")
        group = chat_id.startswith("zgr-")
        sender_id = chat_id
        if group:
            sender_id = self._group_members.setdefault((chat_id, display_name), new_id())
        self.known_chats[chat_id] = "GROUP" if group else "PRIVATE"
        return {
            "from": {"id": sender_id, "display_name": display_name, "is_bot": False},
            "chat": {"id": chat_id, "chat_type": self.known_chats[chat_id]},
            **content,
            "message_id": new_id(),
            "date": now_ms(),
        }

    async def _push(self, event_name: str, message: dict[str, Any] | None) -> dict[str, Any]:
        update: dict[str, Any] = {"event_name": event_name}
        if message is not None:
            update["message"] = message
        if self._webhook is not None:
            await self._deliver(update)
        else:
            self._updates.append(update)
            self._notify()
        return json.loads(json.dumps(update))

    async def _deliver(self, update: dict[str, Any], *, secret: str | None = None) -> int:
        """POST one update to the webhook, record the outcome; the HTTP status or 0."""
        if self._session is None:
            raise RuntimeError("FakeZaloBot is not running")
        assert self._webhook is not None
        url = self._webhook["url"]
        secret = self._webhook["secret"] if secret is None else secret
        body = {"ok": True, "result": update} if self.wrap_webhook else update
        headers = {"Content-Type": "application/json", "User-Agent": WEBHOOK_USER_AGENT}
        if secret:
            headers["X-Bot-Api-Secret-Token"] = secret
        status, error = await post_webhook(
            self._session, url, json.dumps(body, ensure_ascii=False).encode(), headers,
            self.webhook_timeout,
        )
        self.webhook_deliveries.append(
            {"url": url, "secret": secret, "body": body, "status": status, "error": error}
        )
        self._notify()
        return status

    # ----------------------------------------------------------------- HTTP layer

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return ApiError(401, "Unauthorized").response()
        method = request.match_info["method"]
        try:
            params = await self._read_params(request)
        except ApiError as error:
            self._record_call(method, {})
            return error.response()
        self._record_call(method, params)
        handler = self._methods.get(method)
        if handler is None:
            return bad_request().response()
        fault = next((f for f in self._faults if f.method == method), None)
        if fault is not None:
            self._faults.remove(fault)
            if fault.status == 0:
                assert request.transport is not None
                request.transport.close()
                return web.Response()
            return ApiError(fault.status, fault.description, fault.error_code).response()
        try:
            unsupported = sorted(TELEGRAM_ONLY_PARAMS & params.keys())
            if unsupported:
                raise bad_request(f"Bad Request: unsupported parameter {unsupported[0]}")
            result = await handler(params)
        except ApiError as error:
            return error.response()
        finally:
            self._notify()
        if isinstance(result, web.StreamResponse):
            return result
        body: dict[str, Any] = {"ok": True}
        if result is not None:
            body["result"] = result
        return web.json_response(body)

    async def _handle_unknown_path(self, request: web.Request) -> web.Response:
        return ApiError(404, "Not Found").response()

    def _record_call(self, method: str, params: dict[str, Any]) -> None:
        self.calls.append((method, params))
        self._notify()

    @staticmethod
    async def _read_params(request: web.Request) -> dict[str, Any]:
        """Query string, then a form (file parts dropped) or a JSON object, merged."""
        params: dict[str, Any] = dict(request.query)
        if not request.body_exists:
            return params
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
            return params
        raw = await request.text()
        if not raw.strip():
            return params
        try:
            body = json.loads(raw)
        except ValueError:
            raise bad_request("Bad Request: body is not valid JSON") from None
        if not isinstance(body, dict):
            raise bad_request("Bad Request: body must be a JSON object")
        params.update(body)
        return params

    # ----------------------------------------------------------------- parameter helpers

    @staticmethod
    def _string(params: dict[str, Any], name: str) -> str | None:
        """A string parameter; numbers are accepted and turned into strings."""
        value = params.get(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise bad_request(f"Bad Request: {name} must be a string")

    def _chat(self, params: dict[str, Any]) -> str:
        chat_id = self._string(params, "chat_id")
        if not chat_id:
            raise bad_request("Bad Request: chat_id is required")
        if chat_id not in self.known_chats:
            raise bad_request("chat not found")
        return chat_id

    def _text(self, params: dict[str, Any], name: str, *, required: bool) -> str | None:
        text = self._string(params, name)
        if text is None and not required:
            return None
        if not text or utf16_len(text) > TEXT_LIMIT:
            raise bad_request(f"Bad Request: {name} must be 1-{TEXT_LIMIT} characters")
        return text

    @staticmethod
    def _text_styles(params: dict[str, Any], text: str) -> list[dict[str, Any]] | None:
        styles = params.get("text_styles")
        if styles is None:
            return None
        if isinstance(styles, str):  # a form sends it JSON-encoded
            try:
                styles = json.loads(styles)
            except ValueError:
                raise bad_request("Bad Request: text_styles is not valid JSON") from None
        if not isinstance(styles, list):
            raise bad_request("Bad Request: text_styles must be an array")
        size = utf16_len(text)
        if not all(_valid_style(style, size) for style in styles):
            raise bad_request("Bad Request: invalid text_styles")
        return styles

    def _check_quota(self) -> None:
        if self.monthly_sent >= self.monthly_quota:
            raise ApiError(429, "Quota exceeded")

    def _record_send(self, method: str, chat_id: str, **fields: Any) -> dict[str, Any]:
        self._check_quota()
        self.monthly_sent += 1
        result = {"message_id": new_id(), "date": now_ms()}
        entry = dict.fromkeys(
            ("text", "parse_mode", "text_styles", "photo", "caption", "sticker", "voice_url")
        )
        entry.update(fields)
        self._sent.append({"method": method, "chat_id": chat_id, **result, **entry})
        return result

    # ----------------------------------------------------------------- methods

    async def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "account_name": f"bot.{self.bot_id[-6:]}",
            "account_type": "BASIC",
            "can_join_groups": False,
            "display_name": self.display_name,
        }

    async def _get_updates(self, params: dict[str, Any]) -> Any:
        if self._webhook is not None:
            raise bad_request("Webhook is active")
        wait = self._poll_seconds(params)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while not self._updates and not self._closing and self._webhook is None:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await self._wait_changed(remaining)
        if self._updates and not self._closing:
            return self._updates.pop(0)
        idle = {"ok": False, "error_code": 408, "description": "Request timeout"}
        return web.json_response(idle, status=self.idle_http_status)

    def _poll_seconds(self, params: dict[str, Any]) -> float:
        raw = params.get("timeout", DEFAULT_POLL_TIMEOUT)
        try:
            if isinstance(raw, bool):
                raise ValueError
            seconds = float(raw)
        except (TypeError, ValueError):
            raise bad_request("Bad Request: timeout must be a number of seconds") from None
        if not 0 <= seconds <= MAX_POLL_SECONDS:
            raise bad_request("Bad Request: timeout out of range")
        if self.poll_timeout_cap is not None:
            seconds = min(seconds, self.poll_timeout_cap)
        return seconds

    async def _set_webhook(self, params: dict[str, Any]) -> dict[str, Any]:
        url = self._string(params, "url") or ""
        secret = self._string(params, "secret_token") or ""
        parts = urlsplit(url)
        loopback = parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
        if not parts.hostname or not (parts.scheme == "https" or loopback):
            raise bad_request("Bad Request: url must be an https:// URL")
        if not SECRET_MIN <= len(secret) <= SECRET_MAX:
            raise bad_request(
                f"Bad Request: secret_token must be {SECRET_MIN}-{SECRET_MAX} characters"
            )
        self._webhook_updated_at = now_ms()
        self._webhook = {"url": url, "secret": secret, "updated_at": self._webhook_updated_at}
        verification = {"ok": True, "url": url, "outcome": "webhook.ok", "hint": VERIFIED_HINT}
        return {"url": url, "updated_at": self._webhook_updated_at, "verification": verification}

    async def _delete_webhook(self, params: dict[str, Any]) -> dict[str, Any]:
        self._webhook = None
        self._webhook_updated_at = now_ms()
        return {"url": "", "updated_at": self._webhook_updated_at}

    async def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        if self._webhook_updated_at is None:
            if self.webhook_info_404:
                raise ApiError(404, "Not Found")
            return {"url": "", "updated_at": 0}
        url = self._webhook["url"] if self._webhook is not None else ""
        return {"url": url, "updated_at": self._webhook_updated_at}

    async def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(params)
        text = self._text(params, "text", required=True)
        assert text is not None
        parse_mode = self._string(params, "parse_mode")
        if parse_mode is not None and parse_mode not in PARSE_MODES:
            raise bad_request("Bad Request: parse_mode must be markdown or html")
        styles = self._text_styles(params, text)
        return self._record_send(
            "sendMessage", chat_id, text=text, parse_mode=parse_mode, text_styles=styles
        )

    async def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(params)
        photo = self._string(params, "photo")
        if not photo:
            raise bad_request("The photo must not be empty")
        if not photo.startswith(("http://", "https://")):
            raise bad_request("The photo must start with http:// or https://")
        caption = self._text(params, "caption", required=False) or None
        return self._record_send("sendPhoto", chat_id, photo=photo, caption=caption)

    async def _send_sticker(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(params)
        sticker = self._string(params, "sticker")
        if not sticker:
            raise bad_request("Bad Request: sticker is required")
        return self._record_send("sendSticker", chat_id, sticker=sticker)

    async def _send_voice(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(params)
        voice_url = self._string(params, "voice_url") or ""
        parts = urlsplit(voice_url)
        if parts.scheme not in ("http", "https") or not parts.path.lower().endswith(".aac"):
            raise bad_request("Bad Request: voice_url must be an http(s) URL of an .aac file")
        if self.known_chats[chat_id] != "PRIVATE":
            raise bad_request("Bad Request: sendVoice works in private chats only")
        return self._record_send("sendVoice", chat_id, voice_url=voice_url)

    async def _send_chat_action(self, params: dict[str, Any]) -> None:
        chat_id = self._chat(params)
        action = self._string(params, "action")
        if action not in CHAT_ACTIONS:
            raise bad_request("Bad Request: action must be typing or upload_photo")
        self.chat_actions.append((chat_id, action))
        return None
