"""Rendering for text-only channels (terminal, Zalo Bot Platform): HTML stripped, buttons as a
numbered list that `handlers.dispatcher.resolve_typed_choice` maps back."""

import html
import re

from handlers.turn import Reply, menu_of

_TAG = re.compile(r"</?(b|i|u|s|code|pre)>")


def plain(text: str) -> str:
    """Telegram-HTML text as plain text."""
    return html.unescape(_TAG.sub("", text))


def render(replies: list[Reply]) -> list[str]:
    """One plain-text message per reply; buttons numbered across the whole turn."""
    _, numbered = menu_of(replies)
    messages, number = [], 0
    for reply in replies:
        lines = [plain(reply.text)]
        if reply.buttons and numbered:
            for button in reply.all_buttons():
                number += 1
                lines.append(f"  {number}. {button.label}")
        elif reply.buttons:
            lines.append("  " + " · ".join(f"[{b.label}]" for b in reply.all_buttons()))
        if reply.document is not None:
            lines.append(f"  📎 {reply.document.filename}")
        messages.append("\n".join(lines))
    return messages
