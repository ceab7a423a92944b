"""Rendering for text-only channels (terminal, Zalo Bot Platform): HTML stripped, buttons as a
numbered list that `handlers.dispatcher.resolve_typed_choice` maps back; and the splitting of
long texts every channel shares."""

import html
import re
from collections.abc import Callable

from handlers.turn import Reply

_TAG = re.compile(r"</?(b|i|u|s|code|pre)>")


def plain(text: str) -> str:
    """Telegram-HTML text as plain text."""
    return html.unescape(_TAG.sub("", text))


def render(replies: list[Reply]) -> list[str]:
    """One plain-text message per reply; the buttons of the last message with buttons numbered
    from 1 (when it offers choices), the others shown as labels to type."""
    last = max((i for i, reply in enumerate(replies) if reply.buttons), default=None)
    messages = []
    for index, reply in enumerate(replies):
        lines = [plain(reply.text)]
        if reply.buttons and reply.numbered and index == last:
            for number, button in enumerate(reply.all_buttons(), start=1):
                lines.append(f"  {number}. {button.label}")
        elif reply.buttons:
            lines.append("  " + " · ".join(f"[{b.label}]" for b in reply.all_buttons()))
        if reply.document is not None:
            lines.append(f"  📎 {reply.document.filename}")
        messages.append("\n".join(lines))
    return messages


def split_text(text: str, limit: int = 4096, size: Callable[[str], int] = len) -> list[str]:
    """Split ``text`` at paragraph, then line, then word boundaries into chunks whose ``size``
    is ≤ ``limit`` (code points by default; pass another measure, e.g. UTF-16 units)."""
    chunks, rest = [], text
    while size(rest) > limit:
        end = limit
        while (excess := size(rest[:end]) - limit) > 0:  # each excess unit is ≤ 1 character
            end -= excess
        window = rest[:end]
        cuts = (window.rfind(sep) for sep in ("\n\n", "\n", " "))
        cut = next((c for c in cuts if c > end // 4), end)
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    return [*chunks, rest] if rest else chunks
