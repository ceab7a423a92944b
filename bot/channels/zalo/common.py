"""What both Zalo adapters share: JSON over HTTP that never shows a URL, values kept in the
``channel_secrets`` table, admin alerts and outgoing text chunks."""

import hashlib
import unicodedata
from collections.abc import Callable

import aiohttp

from bot.channels.base import TemporaryFailure
from bot.channels.text import split_text
from bot.wiring import Core
from handlers.dispatcher import utcnow
from handlers.reminders import notify_admins

SEND_TIMEOUT = aiohttp.ClientTimeout(total=10)


async def call_json(
    http: aiohttp.ClientSession, method: str, url: str,
    http_timeout: aiohttp.ClientTimeout = SEND_TIMEOUT, **kwargs,
) -> tuple[int, dict]:
    """One HTTP call: (status, JSON object), read whatever the status (Zalo answers errors
    with JSON bodies, often under HTTP 200). A transport error or a body that is not a JSON
    object raises TemporaryFailure naming only its type: aiohttp's errors carry the URL, and
    the Bot Platform's URL carries the token."""
    try:
        async with http.request(method, url, timeout=http_timeout, **kwargs) as response:
            status = response.status
            body = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as problem:
        raise TemporaryFailure(type(problem).__name__) from None
    if not isinstance(body, dict):
        raise TemporaryFailure(f"HTTP {status}: the answer is not a JSON object")
    return status, body


def as_int(value: object, default: int | None = None) -> int | None:
    """A number Zalo may send as a number or as a string ("90000", "-216")."""
    try:
        return int(str(value).strip())
    except ValueError:
        return default


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of the Bot Platform's 2000 limit."""
    return len(text.encode("utf-16-le")) // 2


def chunks(text: str, limit: int, size: Callable[[str], int] = len) -> list[str]:
    """``text`` in NFC, split at paragraph and line boundaries into pieces of ≤ ``limit``."""
    return split_text(unicodedata.normalize("NFC", text).strip(), limit, size)


def fingerprint(*values: str) -> str:
    """A one-way mark of secret values, to notice that they changed without storing them."""
    return hashlib.sha256("\n".join(values).encode()).hexdigest()


async def alert_admins(core: Core, key: str, text: str) -> None:
    """Queue ``text`` to every admin through the outbox, once per ``key``."""
    async with core.sessionmaker.begin() as session:
        await notify_admins(session, core.config, key, text, utcnow())

