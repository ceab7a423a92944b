"""Rendering for text-only channels (terminal, Zalo Bot Platform): HTML stripped, buttons as a
numbered list that `handlers.dispatcher.resolve_typed_choice` maps back; and the splitting of
long texts every channel shares."""

import html
import itertools
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from handlers.turn import Reply
from messages.loader import Safe, Texts

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


def saved_documents(replies: list[Reply], folder: Path, texts: Texts) -> list[Reply]:
    """For channels that cannot carry a file (the terminal, the web chat): each file is written
    to ``folder`` under a name not yet taken, and its reply says the full path instead."""
    return [_saved(reply, folder, texts) if reply.document else reply for reply in replies]


def _saved(reply: Reply, folder: Path, texts: Texts) -> Reply:
    folder.mkdir(parents=True, exist_ok=True)
    name = Path(reply.document.filename)
    for number in itertools.count(1):
        path = folder / (name.name if number == 1 else f"{name.stem}-{number}{name.suffix}")
        if not path.exists():
            break
    path.write_bytes(reply.document.content)
    note = texts("cli.document_saved", path=path.resolve())
    return replace(reply, text=Safe(f"{reply.text}\n{note}"), document=None)


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
