"""An offline fake of the Telegram Bot API for tests and benchmarks.

``FakeTelegram`` runs a small aiohttp server on ``127.0.0.1`` (a free port) that speaks the
Bot API wire protocol closely enough for python-telegram-bot (PTB) to be pointed at it with
``Bot(token, base_url=fake.base_url, base_file_url=fake.base_file_url)``.

It accepts what PTB sends (``application/x-www-form-urlencoded`` or ``multipart/form-data``
bodies in which non-string values are JSON-encoded strings) as well as JSON bodies and query
strings, answers with the Bot API envelope and enforces the limits that commonly bite bots in
production (text length after entity parsing, HTML validity, callback_data size, ...).

Simulated users produce updates (``user_sends_text`` and friends) that the bot receives with
``getUpdates`` or through a webhook; everything the bot does is recorded for assertions.
All public methods must be called from the event loop thread that runs the fake.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import mimetypes
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from tests.fakes.watching import Watched

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes, UTF-8
CALLBACK_ANSWER_LIMIT = 200
MAX_BUTTONS = 100
MAX_COMMANDS = 100
LONG_POLL_MAX = 50  # seconds; the real server clamps longer timeouts
UPLOAD_LIMIT = 50 * 1024 * 1024

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
POLL_TERMINATED = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
BAD_MARKUP = "Bad Request: can't parse reply keyboard markup JSON object"

# Update types that are only delivered when explicitly listed in allowed_updates.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
INLINE_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip

# How PTB-style form values are decoded back into JSON types, by parameter name.
JSON_PARAMS = frozenset(
    {
        "reply_markup", "commands", "scope", "allowed_updates", "entities",
        "caption_entities", "link_preview_options", "reply_parameters",
    }
)  # fmt: skip
INT_PARAMS = frozenset(
    {
        "chat_id", "message_id", "offset", "limit", "timeout", "cache_time",
        "max_connections", "reply_to_message_id", "message_thread_id",
    }
)  # fmt: skip
BOOL_PARAMS = frozenset(
    {
        "drop_pending_updates", "show_alert", "disable_notification", "protect_content",
        "disable_content_type_detection", "allow_sending_without_reply",
    }
)  # fmt: skip

SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]+")
COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]+")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class ApiError(Exception):
    """A Bot API error: becomes ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def envelope(self) -> dict[str, Any]:
        """The JSON body Telegram answers with."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    """A 400 error with Telegram's ``Bad Request: `` prefix."""
    return ApiError(400, f"Bad Request: {detail}")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for offsets and limits."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------- HTML parse mode

# tag -> entity type; tags not listed here are rejected like Telegram does.
HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler", "code": "code",
    "pre": "pre", "a": "text_link", "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}  # fmt: skip
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
ENTITY_RE = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z]+));")


def _parse_error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, index: int) -> tuple[str, int] | None:
    """Decode the character entity starting at ``text[index] == '&'``."""
    match = ENTITY_RE.match(text, index)
    if match is None:
        return None
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        char = NAMED_ENTITIES.get(name)
        return (char, match.end()) if char is not None else None
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


@dataclass
class _OpenTag:
    name: str
    entity: dict[str, Any] | None  # None: the tag produces no entity
    start: int  # UTF-16 offset in the parsed text


class _HtmlParser:
    """Telegram-flavoured HTML to (plain text, entities), with Telegram's error messages."""

    def __init__(self, source: str):
        self.src = source
        self.out: list[str] = []
        self.pos16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        src, i = self.src, 0
        while i < len(src):
            char = src[i]
            if char == "&":
                decoded = _decode_entity(src, i)
                if decoded is None:
                    raise _parse_error(
                        f'Character "&" at byte offset {_byte_offset(src, i)} does not start'
                        " a supported entity (use &amp; &lt; &gt; &quot; or &#NNN;)"
                    )
                self._emit(decoded[0])
                i = decoded[1]
            elif char == "<":
                i = self._end_tag(i) if src.startswith("</", i) else self._start_tag(i)
            else:
                self._emit(char)
                i += 1
        if self.stack:
            tag = self.stack[-1].name
            raise _parse_error(f'Can\'t find end tag corresponding to start tag "{tag}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def _emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.pos16 += utf16_len(chunk)

    def _end_tag(self, i: int) -> int:
        end = self.src.find(">", i)
        offset = _byte_offset(self.src, i)
        if end < 0:
            raise _parse_error(f"Unclosed end tag at byte offset {offset}")
        name = self.src[i + 2 : end].strip().lower()
        if not self.stack:
            raise _parse_error(f"Unexpected end tag at byte offset {offset}")
        top = self.stack[-1]
        if name != top.name:
            raise _parse_error(
                f'Unmatched end tag at byte offset {offset}, expected "</{top.name}>", '
                f'found "</{name}>"'
            )
        self.stack.pop()
        length = self.pos16 - top.start
        if top.entity is not None and length > 0:
            self.entities.append({**top.entity, "offset": top.start, "length": length})
        return end + 1

    def _start_tag(self, i: int) -> int:
        src, offset = self.src, _byte_offset(self.src, i)
        j = i + 1
        while j < len(src) and not src[j].isspace() and src[j] != ">":
            j += 1
        if j >= len(src):
            raise _parse_error(f"Unclosed start tag at byte offset {offset}")
        name = src[i + 1 : j].lower()
        if name not in HTML_TAGS:
            raise _parse_error(f'Unsupported start tag "{name}" at byte offset {offset}')
        attrs, end = self._attributes(j, name, offset)
        self.stack.append(_OpenTag(name, self._entity_for(name, attrs, offset), self.pos16))
        return end

    def _attributes(self, j: int, tag: str, offset: int) -> tuple[dict[str, str], int]:
        """Parse ``name="value"`` pairs up to the closing '>'; return them and the next index."""
        src, attrs = self.src, {}
        while True:
            while j < len(src) and src[j].isspace():
                j += 1
            if j >= len(src):
                raise _parse_error(f"Unclosed start tag at byte offset {offset}")
            if src[j] == ">":
                return attrs, j + 1
            start = j
            while j < len(src) and not src[j].isspace() and src[j] not in "=>":
                j += 1
            attr = src[start:j].lower()
            if j < len(src) and src[j] == "=":
                value, j = self._attribute_value(j + 1, tag, offset)
            else:
                value = ""
            attrs[attr] = value

    def _attribute_value(self, j: int, tag: str, offset: int) -> tuple[str, int]:
        src = self.src
        if j >= len(src):
            raise _parse_error(f"Unclosed start tag at byte offset {offset}")
        if src[j] in "'\"":
            close = src.find(src[j], j + 1)
            if close < 0:
                raise _parse_error(
                    f'Unclosed value of an attribute of the tag "{tag}" at byte offset {offset}'
                )
            raw, end = src[j + 1 : close], close + 1
        else:
            end = j
            while end < len(src) and not src[end].isspace() and src[end] != ">":
                end += 1
            raw = src[j:end]
        return _unescape_lenient(raw), end

    def _entity_for(self, tag: str, attrs: dict[str, str], offset: int) -> dict[str, Any] | None:
        kind = HTML_TAGS[tag]
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise _parse_error(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        if tag == "a":
            href = attrs.get("href", "").strip()
            return {"type": kind, "url": href} if href else None
        if tag == "tg-emoji":
            if not attrs.get("emoji-id"):
                raise _parse_error(
                    f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset}'
                )
            return {"type": kind, "custom_emoji_id": attrs["emoji-id"]}
        if tag == "blockquote" and "expandable" in attrs:
            return {"type": "expandable_blockquote"}
        if tag == "code" and self.stack and self.stack[-1].name == "pre":
            language = attrs.get("class", "")
            pre = self.stack[-1].entity
            if language.startswith("language-") and pre is not None and "language" not in pre:
                pre["language"] = language.removeprefix("language-")
                return None  # <pre><code class="language-x"> is a single pre entity
        return {"type": kind}


def _unescape_lenient(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        decoded = _decode_entity(value, i) if value[i] == "&" else None
        if decoded is None:
            out.append(value[i])
            i += 1
        else:
            out.append(decoded[0])
            i = decoded[1]
    return "".join(out)


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Apply ``parse_mode`` and Telegram's whitespace trimming; return (text, entities).

    HTML is parsed and validated. Markdown and MarkdownV2 are accepted but not parsed: the
    text is kept verbatim (so its length includes the markup characters).
    """
    mode = (parse_mode or "").lower()
    if mode == "html":
        plain, entities = _HtmlParser(text).parse()
    elif mode in ("", "markdown", "markdownv2"):
        plain, entities = text, []
    else:
        raise bad_request("unsupported parse_mode")
    stripped = plain.strip()
    if stripped == plain:
        return plain, entities
    lead = utf16_len(plain[: len(plain) - len(plain.lstrip())])
    size = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, size)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


# --------------------------------------------------------------------------- reply markup


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request('can\'t parse inline keyboard button: Field "text" must be a String')
    if not button["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    if not any(key in button for key in INLINE_ACTIONS):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https", "tg") or not parts.netloc:
            raise bad_request("BUTTON_URL_INVALID")


def _check_reply_button(button: Any) -> None:
    text = button if isinstance(button, str) else None
    if isinstance(button, dict):
        text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("BUTTON_TEXT_INVALID")


def _rows(markup: dict[str, Any], key: str) -> list[list[Any]]:
    rows = markup[key]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, BAD_MARKUP)
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    return rows


def check_reply_markup(markup: Any) -> dict[str, Any] | None:
    """Validate a reply_markup object (inline keyboard, reply keyboard, remove, force reply)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, BAD_MARKUP)
    if "inline_keyboard" in markup:
        for row in _rows(markup, "inline_keyboard"):
            for button in row:
                _check_inline_button(button)
    elif "keyboard" in markup:
        for row in _rows(markup, "keyboard"):
            for button in row:
                _check_reply_button(button)
    elif not (markup.get("remove_keyboard") or markup.get("force_reply")):
        raise ApiError(400, BAD_MARKUP)
    return markup


def _inline_only(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    return markup if markup is not None and "inline_keyboard" in markup else None


# --------------------------------------------------------------------------- request decoding


def _decode_param(name: str, value: Any) -> Any:
    """Turn a form value back into the JSON type the Bot API documents for ``name``."""
    if not isinstance(value, str):
        return value
    if name in JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            if name == "reply_markup":
                raise ApiError(400, BAD_MARKUP) from None
            raise bad_request(f"can't parse {name} JSON object") from None
    if name in INT_PARAMS:
        try:
            return int(value)
        except ValueError:
            if name == "chat_id":
                return value  # e.g. "@channelusername"
            raise bad_request(f"invalid {name} specified") from None
    if name in BOOL_PARAMS:
        return value.lower() in ("true", "1")
    return value


@dataclass
class _Stored:
    """A message the fake knows about, as the API object plus how the bot produced it."""

    obj: dict[str, Any]
    from_bot: bool
    raw_text: str | None = None
    parse_mode: str | None = None
    markup: dict[str, Any] | None = None


@dataclass
class _Fault:
    method: str
    remaining: int
    retry_after: int
    chat_id: int | None


@dataclass
class _Poll:
    conflict: str | None = None


@dataclass
class _Described:
    """A successful result that also carries a ``description`` (setWebhook & co.)."""

    result: Any
    description: str


def _copy(obj: Any) -> Any:
    return json.loads(json.dumps(obj))


# --------------------------------------------------------------------------- the fake


class FakeTelegram(Watched):
    """An in-process Bot API server with simulated users, recording and fault injection."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        bot_username: str = "qnam_nscl_bot",
        bot_first_name: str = "QNam NSCL",
        webhook_max_attempts: int = 3,
        webhook_retry_delay: float = 0.05,
        webhook_timeout: float = 5.0,
        webhook_parallel: int = 1,
    ):
        """Create the fake; call :meth:`start` (or use ``async with``) to serve it."""
        if not TOKEN_RE.fullmatch(token):
            raise ValueError(f"not a bot token: {token!r}")
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.webhook_max_attempts = webhook_max_attempts
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_timeout = webhook_timeout
        # deliveries at once, as Telegram opens up to max_connections; one chat's in order
        self.webhook_parallel = webhook_parallel
        self.base_url = ""
        self.base_file_url = ""

        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.answered_callbacks: list[dict[str, Any]] = []
        self.commands: list[dict[str, Any]] = []
        self.commands_by_scope: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.description = ""
        self.short_description = ""
        self.chat_actions: list[tuple[int, str]] = []
        self.deleted: list[tuple[int, int]] = []
        self.webhook_deliveries: list[dict[str, Any]] = []
        # a load balancer in front of several bot instances: the URL each update is POSTed to
        # instead of the webhook's (None: the webhook's)
        self.route: Callable[[dict[str, Any]], str] | None = None

        self._sent: list[dict[str, Any]] = []
        self._updates: list[dict[str, Any]] = []  # not yet confirmed / delivered
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._users: dict[int, dict[str, Any]] = {}
        self._chats: dict[int, dict[int, _Stored]] = {}
        self._next_message_id: dict[int, int] = {}
        self._open_callbacks: set[str] = set()
        self._files: dict[str, dict[str, Any]] = {}
        self._blocked: set[int] = set()
        self._faults: list[_Fault] = []
        self._allowed_updates: frozenset[str] | None = None  # None: the default set
        self._webhook: dict[str, Any] | None = None
        self._poll: _Poll | None = None

        self._closing = False
        self._changed = asyncio.Event()
        self._webhook_task: asyncio.Task[None] | None = None
        self._methods: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "setMyDescription": self._set_my_description,
                "getMyDescription": self._get_my_description,
                "setMyShortDescription": self._set_my_short_description,
                "getMyShortDescription": self._get_my_short_description,
                "sendMessage": self._send_message,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "answerCallbackQuery": self._answer_callback_query,
                "sendDocument": self._send_document,
                "sendChatAction": self._send_chat_action,
                "deleteMessage": self._delete_message,
                "getFile": self._get_file,
            }.items()
        }

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Serve on 127.0.0.1 at a free port and set :attr:`base_url` / :attr:`base_file_url`."""
        app = web.Application(client_max_size=UPLOAD_LIMIT + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown_path)
        served = await self._serve(app)
        self._closing = False
        self.base_url = f"{served}/bot"
        self.base_file_url = f"{served}/file/bot"
        if self._webhook is not None:
            self._ensure_webhook_worker()

    async def stop(self) -> None:
        """Stop serving: pending long polls return, webhook delivery stops, state is kept."""
        self._closing = True
        self._notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        await self._stop_serving()

    # ----------------------------------------------------------------- simulated users

    def user_sends_text(
        self, chat_id: int, text: str, *, first_name: str = "An", username: str | None = None
    ) -> dict[str, Any]:
        """The user ``chat_id`` (private chat) sends ``text``; returns the Update produced.

        A leading ``/command`` gets a ``bot_command`` entity, as Telegram clients add one.
        """
        if not text:
            raise ValueError("Telegram users cannot send empty messages")
        self._users[chat_id] = {"first_name": first_name, "username": username}
        message = self._user_message(chat_id, text=text)
        command = re.match(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?", text)
        if command:
            length = utf16_len(command.group())
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self._push_update("message", message)

    def user_sends_command(
        self, chat_id: int, command: str, payload: str | None = None
    ) -> dict[str, Any]:
        """The user sends ``/command`` (``/command payload`` if given), e.g. ``/start lop1``."""
        text = "/" + command.lstrip("/")
        if payload:
            text += " " + payload
        profile = self._profile(chat_id)
        return self.user_sends_text(
            chat_id, text, first_name=profile["first_name"], username=profile["username"]
        )

    def user_presses(
        self, chat_id: int, label: str, *, message_id: int | None = None
    ) -> dict[str, Any]:
        """The user taps the inline button ``label``; returns the callback_query Update.

        The button is looked up in the given message, or else in the latest bot message to
        ``chat_id`` that (still) has an inline keyboard. Raises LookupError if there is none.
        """
        stored = self._keyboard_message(chat_id, message_id)
        labels = []
        for row in stored.obj["reply_markup"]["inline_keyboard"]:
            for button in row:
                labels.append(button["text"])
                if button["text"] != label:
                    continue
                if "callback_data" not in button:
                    raise LookupError(f"button {label!r} has no callback_data")
                return self._press(chat_id, stored, button["callback_data"])
        raise LookupError(
            f"no button {label!r} in message {stored.obj['message_id']}; buttons: {labels}"
        )

    def user_sends_callback(self, chat_id: int, data: str) -> dict[str, Any]:
        """A modified client sends ``data`` as if it were a button of the latest keyboard
        message: Telegram relays any callback_data of up to 64 bytes."""
        return self._press(chat_id, self._keyboard_message(chat_id, None), data)

    def user_shares_contact(self, chat_id: int, phone_number: str) -> dict[str, Any]:
        """The user shares their own contact (``user_id == chat_id``); returns the Update."""
        contact = {
            "phone_number": phone_number,
            "first_name": self._profile(chat_id)["first_name"],
            "user_id": chat_id,
        }
        return self._push_update("message", self._user_message(chat_id, contact=contact))

    def push_raw_update(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Queue an update made of ``fields`` as given, with the next update_id: e.g. a
        malformed one such as ``{"message": "hello"}``, which no client would send."""
        update = {"update_id": next(self._update_ids), **fields}
        self._updates.append(update)
        self._notify()
        return _copy(update)

    # ----------------------------------------------------------------- what the bot did

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Messages the bot sent or edited, oldest first (optionally only to ``chat_id``).

        Each entry: ``method``, ``chat_id``, ``message_id``, ``text`` (as the bot passed it;
        the caption for documents), ``plain_text`` (after entity parsing), ``entities``,
        ``parse_mode``, ``reply_markup`` (parsed dict or None) and ``document``
        (``(filename, bytes)`` or None).
        """
        return [entry for entry in self._sent if chat_id is None or entry["chat_id"] == chat_id]

    def last_text(self, chat_id: int) -> str:
        """The ``text`` of the latest sent/edited message to ``chat_id`` that has one."""
        for entry in reversed(self.sent(chat_id)):
            if entry["text"] is not None:
                return entry["text"]
        raise LookupError(f"the bot sent no text to chat {chat_id}")

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by getUpdates nor delivered to the webhook."""
        return list(self._updates)

    # ----------------------------------------------------------------- fault injection

    def fail_with_429(
        self,
        method: str = "sendMessage",
        *,
        times: int = 1,
        retry_after: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id`` if given) fail with 429."""
        self._faults.append(_Fault(method.lower(), times, retry_after, chat_id))

    def block_chat(self, chat_id: int) -> None:
        """Sends to ``chat_id`` fail with 403 "Forbidden: bot was blocked by the user"."""
        self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        """Undo :meth:`block_chat`."""
        self._blocked.discard(chat_id)

    # ----------------------------------------------------------------- waiting

    async def wait_for_sent(
        self,
        chat_id: int,
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the documented interface
    ) -> list[dict[str, Any]]:
        """Wait until at least ``count`` messages were sent/edited to ``chat_id``; return all."""
        try:
            await self.wait_until(lambda: len(self.sent(chat_id)) >= count, timeout)
        except TimeoutError:
            texts = [entry["text"] for entry in self.sent(chat_id)]
            raise TimeoutError(
                f"expected {count} messages to chat {chat_id} within {timeout}s, got {texts}"
            ) from None
        return self.sent(chat_id)


    # ----------------------------------------------------------------- HTTP layer

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._respond(ApiError(401, "Unauthorized"))
        given = request.match_info["method"]
        name, handler = self._methods.get(given.lower(), (given, None))
        raw: dict[str, Any] = {}
        try:
            raw = await self._read_params(request)
            params = raw if handler is None else {k: _decode_param(k, v) for k, v in raw.items()}
        except ApiError as error:
            self.calls.append((name, raw))  # recorded as received
            self._notify()
            return self._respond(error)
        self.calls.append((name, params))
        self._notify()
        if handler is None:
            return self._respond(ApiError(404, "Not Found"))
        try:
            self._inject_faults(name, params)
            result = await handler(params)
        except ApiError as error:
            return self._respond(error)
        except Exception as exc:  # a bug in the fake: make it visible to the client
            return self._respond(ApiError(500, f"Internal Server Error: fake failed: {exc!r}"))
        finally:
            self._notify()
        body = {"ok": True, "result": result}
        if isinstance(result, _Described):
            body = {"ok": True, "result": result.result, "description": result.description}
        return web.json_response(body)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return self._respond(ApiError(401, "Unauthorized"))
        for info in self._files.values():
            if info["file_path"] == request.match_info["path"]:
                return web.Response(body=info["data"], content_type=info["mime_type"])
        return self._respond(ApiError(404, "Not Found"))

    async def _handle_unknown_path(self, request: web.Request) -> web.Response:
        return self._respond(ApiError(404, "Not Found"))

    @staticmethod
    def _respond(error: ApiError) -> web.Response:
        return web.json_response(error.envelope(), status=error.code)

    @staticmethod
    async def _read_params(request: web.Request) -> dict[str, Any]:
        """Query string + body (JSON, urlencoded or multipart; uploads as (filename, bytes))."""
        params: dict[str, Any] = dict(request.query)
        if not request.body_exists:
            return params
        try:
            if request.content_type == "application/json":
                body = await request.json()
                if not isinstance(body, dict):
                    raise bad_request("request body must be a JSON object")
                params.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        params[key] = (value.filename, value.file.read(), value.content_type)
                    else:
                        params[key] = value
        except web.HTTPRequestEntityTooLarge:
            raise ApiError(413, "Request Entity Too Large") from None
        except ValueError:
            raise bad_request("can't parse JSON encoded request body") from None
        return params

    def _inject_faults(self, method: str, params: dict[str, Any]) -> None:
        for fault in self._faults:
            if fault.method != method.lower() or fault.remaining <= 0:
                continue
            if fault.chat_id is not None and params.get("chat_id") != fault.chat_id:
                continue
            fault.remaining -= 1
            self._faults = [f for f in self._faults if f.remaining > 0]
            raise ApiError(
                429,
                f"Too Many Requests: retry after {fault.retry_after}",
                retry_after=fault.retry_after,
            )

    # ----------------------------------------------------------------- chats & messages

    def _profile(self, chat_id: int) -> dict[str, Any]:
        return self._users.get(chat_id, {"first_name": "An", "username": None})

    def _user(self, chat_id: int) -> dict[str, Any]:
        profile = self._profile(chat_id)
        user = {"id": chat_id, "is_bot": False, "first_name": profile["first_name"]}
        if profile["username"]:
            user["username"] = profile["username"]
        user["language_code"] = "vi"
        return user

    def _chat(self, chat_id: int) -> dict[str, Any]:
        profile = self._profile(chat_id)
        chat = {"id": chat_id, "type": "private", "first_name": profile["first_name"]}
        if profile["username"]:
            chat["username"] = profile["username"]
        return chat

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _new_message(self, chat_id: int, sender: dict[str, Any], **fields: Any) -> dict[str, Any]:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        message = {
            "message_id": message_id,
            "from": sender,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
        }
        message.update({key: value for key, value in fields.items() if value})
        return message

    def _store(self, stored: _Stored) -> _Stored:
        chat_id = stored.obj["chat"]["id"]
        self._chats.setdefault(chat_id, {})[stored.obj["message_id"]] = stored
        return stored

    def _user_message(self, chat_id: int, **fields: Any) -> dict[str, Any]:
        message = self._new_message(chat_id, self._user(chat_id), **fields)
        self._store(_Stored(obj=message, from_bot=False))
        return _copy(message)

    def _find(self, chat_id: int, message_id: int) -> _Stored | None:
        return self._chats.get(chat_id, {}).get(message_id)

    def _keyboard_message(self, chat_id: int, message_id: int | None) -> _Stored:
        if message_id is not None:
            stored = self._find(chat_id, message_id)
            candidates = [stored] if stored is not None else []
        else:
            candidates = list(reversed(self._chats.get(chat_id, {}).values()))
        for stored in candidates:
            if stored.from_bot and "reply_markup" in stored.obj:
                return stored
        where = f"message {message_id}" if message_id is not None else "any bot message"
        raise LookupError(f"no inline keyboard in {where} to chat {chat_id}")

    def _press(self, chat_id: int, stored: _Stored, data: str) -> dict[str, Any]:
        query_id = f"{self.bot_id}{next(self._callback_ids):09d}"
        self._open_callbacks.add(query_id)
        query = {
            "id": query_id,
            "from": self._user(chat_id),
            "message": _copy(stored.obj),
            "chat_instance": f"{chat_id}{self.bot_id}"[-19:],
            "data": data,
        }
        return self._push_update("callback_query", query)

    def _push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), kind: payload}
        if self._wants(kind):
            self._updates.append(update)
        self._notify()
        return _copy(update)

    def _wants(self, kind: str) -> bool:
        """Whether the bot's allowed_updates setting lets an update of ``kind`` be queued."""
        if self._allowed_updates is None:
            return kind not in OPT_IN_UPDATES
        return kind in self._allowed_updates

    def _record(self, method: str, stored: _Stored, document: Any = None) -> None:
        obj = stored.obj
        self._sent.append(
            {
                "method": method,
                "chat_id": obj["chat"]["id"],
                "message_id": obj["message_id"],
                "text": stored.raw_text,
                "plain_text": obj.get("text", obj.get("caption")),
                "entities": obj.get("entities", obj.get("caption_entities", [])),
                "parse_mode": stored.parse_mode,
                "reply_markup": stored.markup,
                "document": document,
            }
        )

    # ----------------------------------------------------------------- parameter helpers

    def _chat_id(self, params: dict[str, Any], *, sending: bool = True) -> int:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, bool) or not isinstance(chat_id, int) or chat_id <= 0:
            raise bad_request("chat not found")
        if chat_id == self.bot_id:
            raise ApiError(403, "Forbidden: bot can't send messages to bots")
        if sending and chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _target(self, params: dict[str, Any], missing: str) -> _Stored:
        if params.get("inline_message_id"):
            raise bad_request(missing)
        chat_id = self._chat_id(params)
        message_id = params.get("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        stored = self._find(chat_id, message_id)
        if stored is None:
            raise bad_request(missing)
        return stored

    @staticmethod
    def _text(params: dict[str, Any], key: str, limit: int, too_long: str) -> tuple[Any, ...]:
        """(raw, plain, entities) for a text-like parameter after parse_mode and limits."""
        raw = params.get(key)
        if raw is None:
            return None, "", []
        raw = raw if isinstance(raw, str) else str(raw)
        plain, entities = parse_text(raw, params.get("parse_mode"))
        if utf16_len(plain) > limit:
            raise bad_request(too_long)
        return raw, plain, entities

    def _reply_to(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters")
        reply = reply if isinstance(reply, dict) else {}
        message_id = reply.get("message_id", params.get("reply_to_message_id"))
        if message_id is None:
            return None
        stored = self._find(chat_id, message_id)
        if stored is not None:
            return _copy(stored.obj)
        if reply.get("allow_sending_without_reply") or params.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")

    # ----------------------------------------------------------------- API methods

    async def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self._webhook is not None:
            raise ApiError(409, WEBHOOK_ACTIVE)
        if "allowed_updates" in params:
            self._set_allowed_updates(params["allowed_updates"])
        offset = params.get("offset") or 0
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        limit = params.get("limit") or 100
        limit = limit if 1 <= limit <= 100 else 100
        timeout = min(max(params.get("timeout") or 0, 0), LONG_POLL_MAX)
        if self._poll is not None:
            self._poll.conflict = POLL_TERMINATED
        poll = self._poll = _Poll()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            while True:
                if poll.conflict is not None:
                    raise ApiError(409, poll.conflict)
                if self._updates or self._closing:
                    return self._updates[:limit]
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return []
                await self._wait_changed(remaining)
        finally:
            if self._poll is poll:
                self._poll = None

    def _set_allowed_updates(self, allowed: Any) -> None:
        if not isinstance(allowed, list):
            raise bad_request("can't parse allowed_updates JSON object")
        self._allowed_updates = frozenset(allowed) if allowed else None

    async def _set_webhook(self, params: dict[str, Any]) -> _Described:
        url = params.get("url") or ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        if not url:
            return self._remove_webhook()
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.hostname:
            if (parts.port or 443) not in (80, 88, 443, 8443):
                raise bad_request(
                    "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
                )
        elif not (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token") or None
        if secret is not None:
            if len(secret) > 256:
                raise bad_request("secret token is too long")
            if not SECRET_TOKEN_RE.fullmatch(secret):
                raise bad_request("secret token contains unallowed characters")
        max_connections = params.get("max_connections") or 40
        if not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        if "allowed_updates" in params:
            self._set_allowed_updates(params["allowed_updates"])
        old = self._webhook
        if old is not None and (old["url"], old["secret_token"]) == (url, secret):
            return _Described(True, "Webhook is already set")
        self._webhook = {"url": url, "secret_token": secret, "max_connections": max_connections}
        if self._poll is not None:
            self._poll.conflict = "Conflict: terminated by setWebhook request"
        self._ensure_webhook_worker()
        return _Described(True, "Webhook was set")

    def _remove_webhook(self) -> _Described:
        if self._webhook is None:
            return _Described(True, "Webhook is already deleted")
        self._webhook = None
        return _Described(True, "Webhook was deleted")

    async def _delete_webhook(self, params: dict[str, Any]) -> _Described:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return self._remove_webhook()

    async def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        hook = self._webhook
        if hook is not None:
            info["url"] = hook["url"]
            info["max_connections"] = hook["max_connections"]
            info["ip_address"] = "127.0.0.1"
            for key in ("last_error_date", "last_error_message"):
                if key in hook:
                    info[key] = hook[key]
        if self._allowed_updates is not None:
            info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    @staticmethod
    def _scope_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), params.get("language_code") or ""

    async def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > MAX_COMMANDS:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand JSON object")
            name, text = command.get("command"), command.get("description")
            if not isinstance(name, str) or not COMMAND_RE.fullmatch(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(text, str) or not 1 <= len(text.strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        cleaned = [{"command": c["command"], "description": c["description"]} for c in commands]
        self.commands = cleaned
        self.commands_by_scope[self._scope_key(params)] = cleaned
        return True

    async def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self.commands_by_scope.get(self._scope_key(params), []))

    async def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self.commands_by_scope.pop(self._scope_key(params), None)
        return True

    async def _set_my_description(self, params: dict[str, Any]) -> bool:
        description = params.get("description") or ""
        if len(description) > 512:
            raise bad_request("description is too long")
        self.description = description
        return True

    async def _get_my_description(self, params: dict[str, Any]) -> dict[str, str]:
        return {"description": self.description}

    async def _set_my_short_description(self, params: dict[str, Any]) -> bool:
        short = params.get("short_description") or ""
        if len(short) > 120:
            raise bad_request("short description is too long")
        self.short_description = short
        return True

    async def _get_my_short_description(self, params: dict[str, Any]) -> dict[str, str]:
        return {"short_description": self.short_description}

    async def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        raw, plain, entities = self._text(params, "text", TEXT_LIMIT, "message is too long")
        if not plain:
            raise bad_request("message text is empty")
        markup = check_reply_markup(params.get("reply_markup"))
        message = self._new_message(
            chat_id,
            self._bot_user(),
            reply_to_message=self._reply_to(chat_id, params),
            text=plain,
            entities=entities,
            reply_markup=_inline_only(markup),
        )
        stored = self._store(_Stored(message, True, raw, params.get("parse_mode"), markup))
        self._record("sendMessage", stored)
        return message

    async def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self._target(params, "message to edit not found")
        raw, plain, entities = self._text(params, "text", TEXT_LIMIT, "message is too long")
        if not plain:
            raise bad_request("message text is empty")
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        if "text" not in stored.obj:
            raise bad_request("there is no text in the message to edit")
        markup = self._inline_markup_param(params)
        obj = stored.obj
        if (obj["text"], obj.get("entities", []), obj.get("reply_markup")) == (
            plain,
            entities,
            markup,
        ):
            raise ApiError(400, NOT_MODIFIED)
        obj["text"] = plain
        self._set_optional(obj, "entities", entities)
        self._set_optional(obj, "reply_markup", markup)
        obj["edit_date"] = int(time.time())
        stored.raw_text, stored.parse_mode, stored.markup = raw, params.get("parse_mode"), markup
        self._record("editMessageText", stored)
        return obj

    async def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self._target(params, "message to edit not found")
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        markup = self._inline_markup_param(params)
        if stored.obj.get("reply_markup") == markup:
            raise ApiError(400, NOT_MODIFIED)
        self._set_optional(stored.obj, "reply_markup", markup)
        stored.obj["edit_date"] = int(time.time())
        stored.markup = markup
        self._record("editMessageReplyMarkup", stored)
        return stored.obj

    @staticmethod
    def _inline_markup_param(params: dict[str, Any]) -> dict[str, Any] | None:
        markup = check_reply_markup(params.get("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise bad_request("inline keyboard expected")
        return markup

    @staticmethod
    def _set_optional(obj: dict[str, Any], key: str, value: Any) -> None:
        if value:
            obj[key] = value
        else:
            obj.pop(key, None)

    async def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = params.get("callback_query_id")
        if query_id not in self._open_callbacks:
            raise ApiError(400, QUERY_INVALID)
        if utf16_len(str(params.get("text") or "")) > CALLBACK_ANSWER_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        self._open_callbacks.discard(query_id)
        self.answered_callbacks.append(params)
        return True

    async def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        filename, data, mime_type = self._document_input(params)
        raw, plain, entities = self._text(
            params, "caption", CAPTION_LIMIT, "message caption is too long"
        )
        markup = check_reply_markup(params.get("reply_markup"))
        number = next(self._file_ids)
        file_id = f"BQACAgUAAxkDAAI{number:06d}{self.bot_id}"
        extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
        self._files[file_id] = {
            "file_id": file_id,
            "file_unique_id": f"AgAD{number:06d}",
            "file_name": filename,
            "mime_type": mime_type,
            "file_size": len(data),
            "file_path": f"documents/file_{number}.{extension}",
            "data": data,
        }
        document = {
            key: self._files[file_id][key]
            for key in ("file_name", "mime_type", "file_id", "file_unique_id", "file_size")
        }
        message = self._new_message(
            chat_id,
            self._bot_user(),
            reply_to_message=self._reply_to(chat_id, params),
            document=document,
            caption=plain,
            caption_entities=entities,
            reply_markup=_inline_only(markup),
        )
        stored = self._store(_Stored(message, True, raw, params.get("parse_mode"), markup))
        self._record("sendDocument", stored, document=(filename, data))
        return message

    def _document_input(self, params: dict[str, Any]) -> tuple[str, bytes, str]:
        """Resolve the ``document`` parameter to (filename, bytes, mime type)."""
        document = params.get("document")
        if isinstance(document, str) and document.startswith("attach://"):
            document = params.get(document.removeprefix("attach://"))
        if document is None or document == "":
            raise bad_request("there is no document in the request")
        if isinstance(document, str):
            if document in self._files:
                info = self._files[document]
                return info["file_name"], info["data"], info["mime_type"]
            if document.startswith(("http://", "https://")):
                raise bad_request("failed to get HTTP URL content")
            raise bad_request("wrong file identifier/HTTP URL specified")
        if not isinstance(document, tuple):
            raise bad_request("wrong file identifier/HTTP URL specified")
        filename, data, content_type = document
        if not data:
            raise bad_request("file must be non-empty")
        filename = filename or "document"
        guessed = mimetypes.guess_type(filename)[0]
        generic = (None, "", "application/octet-stream")
        mime_type = guessed if content_type in generic and guessed else content_type
        return filename, data, mime_type or "application/octet-stream"

    async def _send_chat_action(self, params: dict[str, Any]) -> bool:
        chat_id = self._chat_id(params)
        action = params.get("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.chat_actions.append((chat_id, action))
        return True

    async def _delete_message(self, params: dict[str, Any]) -> bool:
        chat_id = self._chat_id(params, sending=False)
        message_id = params.get("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        if self._chats.get(chat_id, {}).pop(message_id, None) is None:
            raise bad_request("message to delete not found")
        self.deleted.append((chat_id, message_id))
        return True

    async def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        info = self._files.get(params.get("file_id") or "")
        if info is None:
            raise bad_request("invalid file_id")
        keys = ("file_id", "file_unique_id", "file_size", "file_path")
        return {key: info[key] for key in keys}

    # ----------------------------------------------------------------- webhook delivery

    def _ensure_webhook_worker(self) -> None:
        if self._session is None:
            return  # not started; start() launches the worker
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.get_running_loop().create_task(self._webhook_worker())

    async def _webhook_worker(self) -> None:
        """Deliver queued updates one at a time, in order, while a webhook is set."""
        if self.webhook_parallel > 1:
            return await self._deliver_side_by_side()
        while not self._closing and self._webhook is not None:
            if not self._updates:
                await self._wait_changed(1.0)
                continue
            update = self._updates[0]
            outcome = await self._deliver(self._webhook, update)
            if outcome != "aborted" and self._updates and self._updates[0] is update:
                self._updates.pop(0)
            self._notify()

    async def _deliver_side_by_side(self) -> None:
        """Up to ``webhook_parallel`` deliveries at once; a chat's updates one after the
        other, in the order the users sent them."""
        flying: dict[int, asyncio.Task[str]] = {}  # id(update) → its delivery
        chats: set[Any] = set()  # chats with an update on its way

        def landed(task: asyncio.Task[str], update: dict[str, Any], chat: Any) -> None:
            flying.pop(id(update), None)
            chats.discard(chat)
            if not task.cancelled() and task.result() != "aborted":
                self._updates[:] = [u for u in self._updates if u is not update]
            self._notify()

        try:
            while not self._closing and self._webhook is not None:
                changed = self._changed
                update = next((u for u in self._updates if id(u) not in flying
                               and _chat_of(u) not in chats), None)
                if update is None or len(flying) >= self.webhook_parallel:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(changed.wait(), 1.0)
                    continue
                chat = _chat_of(update)
                chats.add(chat)
                task = asyncio.create_task(self._deliver(self._webhook, update))
                flying[id(update)] = task
                task.add_done_callback(lambda t, u=update, c=chat: landed(t, u, c))
        finally:
            for task in list(flying.values()):
                task.cancel()

    async def _deliver(self, hook: dict[str, Any], update: dict[str, Any]) -> str:
        """POST one update, retrying non-2xx answers; "delivered", "gave_up" or "aborted"."""
        headers = {}
        if hook["secret_token"]:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
        assert self._session is not None
        for attempt in range(1, self.webhook_max_attempts + 1):
            if self._webhook is not hook or self._closing:
                return "aborted"
            status, error = None, None
            url = hook["url"] if self.route is None else self.route(update)
            try:
                async with self._session.post(
                    url,
                    json=update,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=self.webhook_timeout),
                ) as response:
                    await response.read()
                    status = response.status
                    error = f"Wrong response from the webhook: {status} {response.reason}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = f"Connection failed: {type(exc).__name__}: {exc}"
            self.webhook_deliveries.append(
                {
                    "update_id": update["update_id"],
                    "attempt": attempt,
                    "url": url,
                    "status": status,
                    "error": None if status is not None and status < 300 else error,
                }
            )
            self._notify()
            if status is not None and 200 <= status < 300:
                return "delivered"
            hook["last_error_date"] = int(time.time())
            hook["last_error_message"] = error
            if attempt < self.webhook_max_attempts:
                await asyncio.sleep(self.webhook_retry_delay)
        return "gave_up"


def _chat_of(update: dict[str, Any]) -> Any:
    """The chat an update comes from (its update id when it names none)."""
    message = update.get("message") or (update.get("callback_query") or {}).get("message")
    if isinstance(message, dict) and isinstance(message.get("chat"), dict):
        return message["chat"].get("id")
    return ("update", update.get("update_id"))
