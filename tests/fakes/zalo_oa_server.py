"""An offline fake of the Zalo Official Account (OA) Open API v3 and its OAuth v4 host.

``FakeZaloOA`` runs one aiohttp server on ``127.0.0.1`` (a free port) that plays both hosts
of the reference (``zalo-platforms.md``, sections B2-B8):

- ``oauth.zaloapp.com``: ``POST /v4/oa/access_token`` (form body, ``secret_key`` header),
  grants ``authorization_code`` (with ``code_verifier``) and ``refresh_token``. Every success
  is a new pair ``{"access_token", "refresh_token", "expires_in": "90000"}``; a refresh token
  works once. Errors are ``{"error": <-14xxx>, "error_name": ...}`` (codes: fake's choice).
- ``openapi.zalo.me``: ``POST /v3.0/oa/message/cs``, ``POST /v3.0/oa/quota/message``,
  ``GET /v3.0/oa/user/detail?data=<json>`` and ``GET /v2.0/oa/getoa``. Every answer is HTTP 200
  with ``{"error": <code>, "message": ...}`` (plus ``data`` on success); a missing or unknown
  ``access_token`` header gives -216, an expired one -220 (access tokens live 25 h on the
  fake clock). Unknown paths get HTTP 404 ``{"error": -404, "message": "Not Found"}``
  (fake's choice).

CS messages are checked as the reference says: ``recipient.user_id`` (a digit string), text of
1-2000 characters (-201 ``text is invalid!``), at most 5 buttons of the five documented types,
a ``request_user_info`` form with exactly one element. Then the user's last interaction
decides: none or more than 7 days ago -230; up to 48 h ``quota_type`` "reply" (free); from 48 h
to 7 days "sub_quota" (billable). ``remain``/``total`` are not returned (removed 2026-03-01).

Simulated users (``user_says`` and friends) update the user's last interaction on the fake
clock and POST a signed webhook to :attr:`webhook_url`: the raw JSON bytes (compact, UTF-8,
not ASCII-escaped) with ``X-ZEvent-Signature: mac=<sha256(app_id + body + timestamp +
oa_secret_key)>``. With ``wrong_signature=True`` every webhook is signed with the *app* secret
instead, the classic misconfiguration. A webhook POST is tried once; :meth:`post_event`
re-sends anything (a retry, a forged or missing signature, hand-made bytes).

All public methods must be called from the event loop thread that runs the fake.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from tests.fakes.watching import Watched, post_webhook

TEXT_LIMIT = 2000  # characters (code points)
MAX_BUTTONS = 5
BUTTON_TITLE_LIMIT = 100
FORM_TITLE_LIMIT, FORM_SUBTITLE_LIMIT = 100, 500
ACCESS_TOKEN_LIFETIME = timedelta(hours=25)
REFRESH_TOKEN_LIFETIME = timedelta(days=90)
CODE_LIFETIME = timedelta(minutes=10)
FREE_WINDOW = timedelta(hours=48)
CS_WINDOW = timedelta(days=7)
RATE_LIMIT = 4000  # requests per minute, app level
BUTTON_TYPES = frozenset(
    {"oa.query.show", "oa.query.hide", "oa.open.url", "oa.open.phone", "oa.open.sms"}
)

# OAuth errors. Only the shape {error, error_name} and -14014 come from the reference;
# the other codes are the fake's choice.
INVALID_APP_ID = (-14001, "Invalid app_id")
INVALID_SECRET_KEY = (-14002, "Invalid secret_key")
INVALID_PARAMETER = (-14003, "Invalid parameter")
INVALID_REFRESH_TOKEN = (-14014, "Invalid refresh token")
INVALID_CODE_VERIFIER = (-14016, "Invalid code_verifier")
INVALID_CODE = (-14019, "Invalid authorization code")

TOKEN_INVALID = (-216, "Access token is invalid")
TOKEN_EXPIRED = (-220, "Access token has expired")
NO_INTERACTION = (-230, "User has not interacted with the OA in the past 7 days")


class OaError(Exception):
    """An OpenAPI error: HTTP 200 with ``{"error": code, "message": message}``."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class OAuthError(Exception):
    """A token endpoint error: ``{"error": code, "error_name": name}``."""

    def __init__(self, code: int, name: str):
        super().__init__(name)
        self.body = {"error": code, "error_name": name}


def invalid(name: str) -> OaError:
    """The -201 error Zalo gives for a bad field, e.g. ``text is invalid!``."""
    return OaError(-201, f"{name} is invalid!")


def sign(app_id: str, body: bytes, timestamp: str, secret: str) -> str:
    """The ``X-ZEvent-Signature`` value for a webhook body: ``mac=`` + lowercase hex."""
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode())
    return "mac=" + digest.hexdigest()


def encode_event(event: dict[str, Any]) -> bytes:
    """The bytes the fake POSTs: compact JSON, UTF-8, non-ASCII characters kept as they are."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()


def _ms(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def _is_http_url(value: Any) -> bool:
    return isinstance(value, str) and urlsplit(value).scheme in ("http", "https")


def _nonempty_str(value: Any, limit: int | None = None) -> bool:
    return (
        isinstance(value, str) and bool(value.strip()) and (limit is None or len(value) <= limit)
    )


@dataclass
class _User:
    user_id_by_app: str
    display_name: str = "Lan"
    follower: bool = False
    last_interaction: datetime | None = None
    shared_info: dict[str, str] | None = None


@dataclass
class _Code:
    expires: datetime
    code_challenge: str | None


@dataclass
class _Tokens:
    access: dict[str, datetime] = field(default_factory=dict)  # token -> expiry
    refresh: dict[str, datetime] = field(default_factory=dict)  # unused token -> expiry
    codes: dict[str, _Code] = field(default_factory=dict)


class FakeZaloOA(Watched):
    """An in-process Zalo OA Open API + OAuth server with simulated users and a fake clock."""

    recheck = 0.05  # the tests' conditions also depend on the bot's own state

    def __init__(
        self,
        *,
        app_id: str = "360846524940903967",
        app_secret: str = "app-secret",
        oa_secret_key: str = "oa-secret-key",
        oa_id: str = "388613280878808645",
        webhook_url: str | None = None,
        wrong_signature: bool = False,
    ):
        """Create the fake; call :meth:`start` (or use ``async with``) to serve it."""
        self.app_id = app_id
        self.app_secret = app_secret
        self.oa_secret_key = oa_secret_key
        self.oa_id = oa_id
        self.webhook_url = webhook_url
        self.wrong_signature = wrong_signature
        self.oa_name = "Sở Khoa học và Công nghệ Quảng Nam"
        self.is_verified = True
        self.package_name = "Gói Nâng cao"
        self.webhook_timeout = 5.0  # seconds for one webhook POST
        self.oauth_base_url = ""
        self.openapi_base_url = ""

        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.refresh_calls: list[dict[str, Any]] = []
        self.webhook_deliveries: list[dict[str, Any]] = []

        self._sent: list[dict[str, Any]] = []
        self._users: dict[str, _User] = {}
        self._tokens = _Tokens()
        self._faults: dict[str, list[OaError]] = {}
        self._clock_offset = timedelta()
        self._minute_calls: list[float] = []

        self._changed = asyncio.Event()

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Serve on 127.0.0.1 at a free port; set both base URLs (the same server)."""
        app = web.Application()
        app.router.add_post("/v4/oa/access_token", self._handle_token)
        app.router.add_post("/v3.0/oa/message/cs", self._openapi(self._send_cs))
        app.router.add_post("/v3.0/oa/quota/message", self._openapi(self._quota))
        app.router.add_get("/v3.0/oa/user/detail", self._openapi(self._user_detail))
        app.router.add_get("/v2.0/oa/getoa", self._openapi(self._get_oa))
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown_path)
        self.oauth_base_url = self.openapi_base_url = await self._serve(app)

    async def stop(self) -> None:
        """Stop serving; state (tokens, users, sent messages) is kept."""
        await self._stop_serving()

    # ----------------------------------------------------------------- clock and tokens

    def now(self) -> datetime:
        """The fake "now" (UTC): the real time moved by :meth:`advance_clock`."""
        return datetime.now(UTC) + self._clock_offset

    def advance_clock(self, days: float = 0, hours: float = 0) -> None:
        """Move the fake clock forward (reply windows, token and code expiry)."""
        self._clock_offset += timedelta(days=days, hours=hours)

    def issue_tokens(self) -> tuple[str, str]:
        """A fresh (access_token, refresh_token) pair, as API Explorer or consent would give."""
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = self.now()
        self._tokens.access[access] = now + ACCESS_TOKEN_LIFETIME
        self._tokens.refresh[refresh] = now + REFRESH_TOKEN_LIFETIME
        return access, refresh

    def issue_code(self, code_challenge: str | None = None) -> str:
        """An authorization code (10 min, single use), as the OA admin's consent redirect gives.

        With ``code_challenge`` (PKCE S256) the exchange must send the matching
        ``code_verifier``; without it any verifier is accepted.
        """
        code = secrets.token_urlsafe(24)
        self._tokens.codes[code] = _Code(self.now() + CODE_LIFETIME, code_challenge)
        return code

    @staticmethod
    def code_challenge_for(verifier: str) -> str:
        """The PKCE S256 challenge of ``verifier`` (base64url without padding)."""
        digest = hashlib.sha256(verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def expire_access_token(self) -> None:
        """Every access token issued so far now answers -220 (expired)."""
        past = self.now() - timedelta(seconds=1)
        for token in self._tokens.access:
            self._tokens.access[token] = past

    def revoke_tokens(self) -> None:
        """Forget every token: access tokens answer -216, refresh tokens -14014."""
        self._tokens.access.clear()
        self._tokens.refresh.clear()

    # ----------------------------------------------------------------- users

    def set_user(
        self,
        user_id: str,
        *,
        display_name: str | None = None,
        follower: bool | None = None,
        last_interaction: datetime | None = None,
    ) -> None:
        """Create or change a user's profile, follow state or last interaction time."""
        user = self._user(user_id)
        if display_name is not None:
            user.display_name = display_name
        if follower is not None:
            user.follower = follower
        if last_interaction is not None:
            user.last_interaction = last_interaction

    def last_interaction(self, user_id: str) -> datetime | None:
        """When ``user_id`` last interacted with the OA (fake clock), or None."""
        user = self._users.get(user_id)
        return user.last_interaction if user is not None else None

    def _user(self, user_id: str) -> _User:
        if not isinstance(user_id, str) or not user_id.isdigit():
            raise ValueError(f"Zalo user ids are digit strings, not {user_id!r}")
        if user_id not in self._users:
            by_app = str(10**17 + secrets.randbelow(9 * 10**17))  # 18 digits, per app
            self._users[user_id] = _User(user_id_by_app=by_app)
        return self._users[user_id]

    # ----------------------------------------------------------------- simulated users

    async def user_says(self, user_id: str, text: str) -> tuple[dict[str, Any], int]:
        """The user sends ``text``: a ``user_send_text`` event; returns (event, HTTP status)."""
        if not text:
            raise ValueError("Zalo users cannot send empty messages")
        return await self._interact(user_id, "user_send_text", message={"text": text})

    async def user_taps(self, user_id: str, payload: str) -> tuple[dict[str, Any], int]:
        """The user taps an ``oa.query.show/hide`` button: ``user_send_text`` with the payload."""
        return await self.user_says(user_id, payload)

    async def user_sends_image(
        self, user_id: str, url: str, text: str = ""
    ) -> tuple[dict[str, Any], int]:
        """The user sends an image: a ``user_send_image`` event with one attachment."""
        attachment = {"type": "image", "payload": {"url": url, "thumbnail": url}}
        message = {"text": text, "attachments": [attachment]}
        return await self._interact(user_id, "user_send_image", message=message)

    async def user_follows(self, user_id: str) -> tuple[dict[str, Any], int]:
        """The user follows the OA: a ``follow`` event (``oa_id`` + ``follower``)."""
        self._check_can_post()
        self._user(user_id).follower = True
        return await self._interact(user_id, "follow")

    async def user_unfollows(self, user_id: str) -> tuple[dict[str, Any], int]:
        """The user unfollows the OA (not an interaction): an ``unfollow`` event."""
        self._check_can_post()
        self._user(user_id).follower = False
        return await self._post_signed(self._event(user_id, "unfollow"))

    async def user_submits_info(
        self, user_id: str, info: dict[str, Any]
    ) -> tuple[dict[str, Any], int]:
        """The user answers a ``request_user_info`` form: a ``user_submit_info`` event.

        ``info`` is sent as given; ``user/detail`` then shows it as ``shared_info``.
        """
        self._check_can_post()
        self._user(user_id).shared_info = _shared_info(info)
        return await self._interact(user_id, "user_submit_info", info=dict(info))

    async def admin_sends(self, user_id: str, text: str) -> tuple[dict[str, Any], int]:
        """An OA admin writes from the OA UI: an ``oa_send_text`` echo (sender is the OA)."""
        event = self._event(user_id, "oa_send_text")
        event["sender"] = {"id": self.oa_id, "admin_id": "1234567890123456789"}
        event["recipient"] = {"id": user_id}
        event["message"] = {"text": text, "msg_id": secrets.token_hex(10)}
        return await self._post_signed(event)

    async def post_event(
        self, event: dict[str, Any], *, signature: str | None = None, raw: bytes | None = None
    ) -> int:
        """POST any event to the webhook; return the HTTP status (0: no answer).

        ``raw`` replaces the body bytes (default: :func:`encode_event` of ``event``).
        ``signature`` replaces the ``X-ZEvent-Signature`` value; "" sends no header. By
        default the body is signed with ``event["timestamp"]``, like the real platform.
        """
        self._check_can_post()
        body = encode_event(event) if raw is None else raw
        if signature is None:
            key = self.app_secret if self.wrong_signature else self.oa_secret_key
            signature = sign(self.app_id, body, str(event.get("timestamp", "")), key)
        headers = {"Content-Type": "application/json"}
        if signature:
            headers["X-ZEvent-Signature"] = signature
        status, error = await post_webhook(
            self._session, self.webhook_url, body, headers, self.webhook_timeout
        )
        self.webhook_deliveries.append(
            {
                "event_name": event.get("event_name"),
                "body": body,
                "signature": signature,
                "status": status,
                "error": error,
            }
        )
        self._notify()
        return status

    def _check_can_post(self) -> None:
        if self.webhook_url is None:
            raise RuntimeError("FakeZaloOA.webhook_url is not set")
        if self._session is None:
            raise RuntimeError("FakeZaloOA is not running")

    async def _post_signed(self, event: dict[str, Any]) -> tuple[dict[str, Any], int]:
        status = await self.post_event(event)
        return json.loads(encode_event(event)), status

    async def _interact(
        self, user_id: str, event_name: str, **fields: Any
    ) -> tuple[dict[str, Any], int]:
        self._check_can_post()  # before any state changes
        moment = self.now()  # one reading: the event's timestamp is the interaction time
        self._user(user_id).last_interaction = moment
        event = self._event(user_id, event_name, moment)
        if "message" in fields:
            fields["message"] = {**fields["message"], "msg_id": secrets.token_hex(10)}
        event.update(fields)
        return await self._post_signed(event)

    def _event(
        self, user_id: str, event_name: str, moment: datetime | None = None
    ) -> dict[str, Any]:
        user = self._user(user_id)
        stamp = _ms(moment or self.now())
        event: dict[str, Any] = {"app_id": self.app_id, "user_id_by_app": user.user_id_by_app}
        if event_name in ("follow", "unfollow"):
            event = {"oa_id": self.oa_id, **event, "event_name": event_name}
            event["source"] = "oa_profile"
            event["timestamp"] = stamp
            event["follower"] = {"id": user_id}
            return event
        event["event_name"] = event_name
        event["timestamp"] = stamp
        event["sender"] = {"id": user_id}
        event["recipient"] = {"id": self.oa_id}
        return event

    # ----------------------------------------------------------------- what the bot did

    def sent(self, user_id: str | None = None) -> list[dict[str, Any]]:
        """CS messages accepted, oldest first (optionally only to ``user_id``).

        Each entry: ``user_id``, ``text`` (None for a form or image), ``buttons`` (list),
        ``billable`` (False inside 48 h), ``quota_type``, ``message_id``, ``sent_time``,
        ``message`` (the request's ``message`` object as sent).
        """
        return [dict(e) for e in self._sent if user_id is None or e["user_id"] == user_id]

    def calls_to(self, path: str) -> list[dict[str, Any]]:
        """The parameters of every call of ``path`` (e.g. ``/v3.0/oa/message/cs``)."""
        return [params for name, params in self.calls if name == path]

    def fail_next(self, path: str, error: int, message: str) -> None:
        """Make the next call of ``path`` answer ``{"error": error, "message": message}``.

        E.g. ``fail_next("/v3.0/oa/message/cs", -32, "reached limit call api")``. The fault
        fires before the token check; faults for one path queue up.
        """
        self._faults.setdefault(path, []).append(OaError(error, message))


    # ----------------------------------------------------------------- OAuth host

    async def _handle_token(self, request: web.Request) -> web.Response:
        params: dict[str, Any] = dict(request.query)
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
        self.calls.append((request.path, params))
        grant = params.get("grant_type")
        try:
            if request.headers.get("secret_key") != self.app_secret:
                raise OAuthError(*INVALID_SECRET_KEY)
            if params.get("app_id") != self.app_id:
                raise OAuthError(*INVALID_APP_ID)
            if grant == "authorization_code":
                self._redeem_code(params)
            elif grant == "refresh_token":
                self._redeem_refresh_token(params.get("refresh_token"))
            else:
                raise OAuthError(*INVALID_PARAMETER)
        except OAuthError as error:
            if grant == "refresh_token":
                self.refresh_calls.append({**params, "error": error.body["error"]})
            self._notify()
            return web.json_response(error.body)
        if grant == "refresh_token":
            self.refresh_calls.append({**params, "error": 0})
        access, refresh = self.issue_tokens()
        self._notify()
        body = {"access_token": access, "refresh_token": refresh, "expires_in": "90000"}
        return web.json_response(body)

    def _redeem_code(self, params: dict[str, Any]) -> None:
        code = self._tokens.codes.pop(params.get("code") or "", None)
        if code is None or code.expires <= self.now():
            raise OAuthError(*INVALID_CODE)
        if code.code_challenge is not None:
            verifier = params.get("code_verifier") or ""
            if self.code_challenge_for(verifier) != code.code_challenge:
                raise OAuthError(*INVALID_CODE_VERIFIER)

    def _redeem_refresh_token(self, token: str | None) -> None:
        expires = self._tokens.refresh.pop(token or "", None)
        if expires is None or expires <= self.now():
            raise OAuthError(*INVALID_REFRESH_TOKEN)

    # ----------------------------------------------------------------- OpenAPI host

    def _openapi(
        self, handler: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        """Wrap an endpoint: record, faults, token check, envelope, rate-limit headers."""

        async def endpoint(request: web.Request) -> web.Response:
            params = await self._read_params(request)
            self.calls.append((request.path, params))
            try:
                faults = self._faults.get(request.path)
                if faults:
                    raise faults.pop(0)
                self._check_token(request.headers.get("access_token"))
                data = await handler(params)
                body: dict[str, Any] = {"data": data, "error": 0, "message": "Success"}
            except OaError as error:
                body = {"error": error.code, "message": error.message}
            finally:
                self._notify()
            return web.json_response(body, headers=self._rate_limit_headers())

        return endpoint

    @staticmethod
    async def _read_params(request: web.Request) -> dict[str, Any]:
        """A JSON body (POST) or the ``data`` query parameter (GET); ``{"_invalid": ...}`` else."""
        if request.method == "GET":
            params: dict[str, Any] = {k: v for k, v in request.query.items() if k != "data"}
            raw = request.query.get("data")
            if raw is None:
                return params
        else:
            params = {}
            raw = await request.text()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return {**params, "_invalid": raw}
        return {**params, **body}

    def _check_token(self, token: str | None) -> None:
        expires = self._tokens.access.get(token or "")
        if expires is None:
            raise OaError(*TOKEN_INVALID)
        if expires <= self.now():
            raise OaError(*TOKEN_EXPIRED)

    def _rate_limit_headers(self) -> dict[str, str]:
        loop_now = asyncio.get_running_loop().time()
        self._minute_calls = [t for t in self._minute_calls if loop_now - t < 60] + [loop_now]
        remain = max(RATE_LIMIT - len(self._minute_calls), 0)
        return {"X-RateLimit-Limit": str(RATE_LIMIT), "X-RateLimit-Remain": str(remain)}

    async def _handle_unknown_path(self, request: web.Request) -> web.Response:
        self.calls.append((request.path, dict(request.query)))
        self._notify()
        return web.json_response({"error": -404, "message": "Not Found"}, status=404)

    # ----------------------------------------------------------------- endpoints

    async def _send_cs(self, body: dict[str, Any]) -> dict[str, Any]:
        if "_invalid" in body:
            raise invalid("body")
        recipient = body.get("recipient")
        user_id = recipient.get("user_id") if isinstance(recipient, dict) else None
        if not isinstance(user_id, str) or not user_id.isdigit():
            raise invalid("user_id")
        message = body.get("message")
        if not isinstance(message, dict):
            raise invalid("message")
        text, buttons = _check_cs_message(message)
        user = self._users.get(user_id)
        now = self.now()
        last = user.last_interaction if user is not None else None
        if last is None or now - last > CS_WINDOW:
            raise OaError(*NO_INTERACTION)
        billable = now - last > FREE_WINDOW
        quota_type = "sub_quota" if billable else "reply"
        message_id, sent_time = secrets.token_hex(10), _ms(now)
        self._sent.append(
            {
                "user_id": user_id,
                "text": text,
                "buttons": buttons,
                "billable": billable,
                "quota_type": quota_type,
                "message_id": message_id,
                "sent_time": sent_time,
                "message": message,
            }
        )
        return {
            "message_id": message_id,
            "user_id": user_id,
            "sent_time": sent_time,
            "quota": {"quota_type": quota_type},
        }

    async def _quota(self, body: dict[str, Any]) -> dict[str, Any]:
        user_id = body.get("user_id")
        if not isinstance(user_id, str) or not user_id.isdigit():
            raise invalid("user_id")
        last = self.last_interaction(user_id)
        if last is None:
            raise OaError(*NO_INTERACTION)
        return {"last_interaction": _ms(last)}

    async def _user_detail(self, params: dict[str, Any]) -> dict[str, Any]:
        if "_invalid" in params:
            raise invalid("data")
        user_id = params.get("user_id")
        if not isinstance(user_id, str) or user_id not in self._users:
            raise invalid("user_id")
        user = self._users[user_id]
        avatar = f"https://s120-ava-talk.zadn.vn/fake/{user_id}.jpg"
        data: dict[str, Any] = {
            "user_id": user_id,
            "user_id_by_app": user.user_id_by_app,
            "display_name": user.display_name,
            "user_alias": "",
            "is_sensitive": False,
            "user_is_follower": user.follower,
            "avatar": avatar,
            "avatars": {"120": avatar, "240": avatar},
            "tags_and_notes_info": {"tag_names": [], "notes": []},
        }
        if user.last_interaction is not None:
            data["user_last_interaction_date"] = user.last_interaction.strftime("%d/%m/%Y")
        if user.shared_info is not None:
            data["shared_info"] = dict(user.shared_info)
        return data

    async def _get_oa(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "oa_id": self.oa_id,
            "name": self.oa_name,
            "description": "Kênh thông tin chính thức",
            "is_verified": self.is_verified,
            "oa_type": 2,
            "cate_name": "Cơ quan nhà nước",
            "num_follower": sum(user.follower for user in self._users.values()),
            "avatar": "https://s160-ava-talk.zadn.vn/fake/oa.jpg",
            "cover": "https://s160-ava-talk.zadn.vn/fake/cover.jpg",
            "package_name": self.package_name,
        }


def _shared_info(info: dict[str, Any]) -> dict[str, str]:
    """``user/detail``'s flat ``shared_info`` from either form of ``user_submit_info.info``."""
    nested = info.get("full_address") if isinstance(info.get("full_address"), dict) else {}
    return {
        "name": str(info.get("name") or ""),
        "phone": str(info.get("phone") or ""),
        "address": str(info.get("address") or nested.get("user_address") or ""),
        "city": str(info.get("city") or nested.get("user_city") or ""),
        "district": str(info.get("district") or nested.get("user_district") or ""),
    }


# --------------------------------------------------------------------------- CS validation


def _check_text(text: Any) -> str:
    if not isinstance(text, str) or not text.strip() or len(text) > TEXT_LIMIT:
        raise invalid("text")
    return text


def _check_cs_message(message: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]]]:
    """Validate a CS ``message``; return (text or None, buttons)."""
    quote = message.get("quote_message_id")
    if quote is not None and not _nonempty_str(quote):
        raise invalid("quote_message_id")
    attachment = message.get("attachment")
    if attachment is None:
        return _check_text(message.get("text")), []
    if not isinstance(attachment, dict) or not isinstance(attachment.get("payload"), dict):
        raise invalid("attachment")
    payload = attachment["payload"]
    text = message.get("text")
    optional_text = None if text is None else _check_text(text)
    if attachment.get("type") == "file":
        if not _nonempty_str(payload.get("token")):
            raise invalid("token")
        return optional_text, []
    if attachment.get("type") != "template":
        raise invalid("attachment")
    template = payload.get("template_type")
    if template in (None, "button"):
        text = _check_text(message.get("text", payload.get("text")))
        return text, _check_buttons(payload.get("buttons"))
    if template == "request_user_info":
        _check_form(payload.get("elements"))
        return optional_text, []
    if template == "media":
        _check_media(payload.get("elements"))
        return optional_text, []
    raise invalid("template_type")


def _check_buttons(buttons: Any) -> list[dict[str, Any]]:
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        raise invalid("buttons")
    for button in buttons:
        if not isinstance(button, dict) or button.get("type") not in BUTTON_TYPES:
            raise invalid("buttons")
        if not _nonempty_str(button.get("title"), BUTTON_TITLE_LIMIT):
            raise invalid("title")
        if not _valid_button_payload(button["type"], button.get("payload")):
            raise invalid("payload")
    return buttons


def _valid_button_payload(kind: str, payload: Any) -> bool:
    if kind in ("oa.query.show", "oa.query.hide"):
        return _nonempty_str(payload)
    if not isinstance(payload, dict):
        return False
    if kind == "oa.open.url":
        return _is_http_url(payload.get("url"))
    if kind == "oa.open.sms" and not _nonempty_str(payload.get("content")):
        return False
    return _nonempty_str(payload.get("phone_code"))


def _check_form(elements: Any) -> None:
    if not isinstance(elements, list) or len(elements) != 1 or not isinstance(elements[0], dict):
        raise invalid("elements")
    element = elements[0]
    if not _nonempty_str(element.get("title"), FORM_TITLE_LIMIT):
        raise invalid("title")
    subtitle = element.get("subtitle")
    if subtitle is not None and not (
        isinstance(subtitle, str) and len(subtitle) <= FORM_SUBTITLE_LIMIT
    ):
        raise invalid("subtitle")
    image_url = element.get("image_url")
    if image_url is not None and not _is_http_url(image_url):
        raise invalid("image_url")


def _check_media(elements: Any) -> None:
    if not isinstance(elements, list) or len(elements) != 1 or not isinstance(elements[0], dict):
        raise invalid("elements")
    element = elements[0]
    if element.get("media_type") not in ("image", "gif"):
        raise invalid("media_type")
    if not (_is_http_url(element.get("url")) or _nonempty_str(element.get("attachment_id"))):
        raise invalid("url")
