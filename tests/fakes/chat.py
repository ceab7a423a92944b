"""In-process chat: drives the real dispatcher, handlers and SQLite storage, no network."""

import itertools
import re
from datetime import UTC, datetime, timedelta

from bot.channels.text import plain, render
from handlers.dispatcher import Dispatcher
from handlers.turn import Incoming, Reply

_update_ids = itertools.count(1)


class Clock:
    """A clock the tests move by hand."""

    def __init__(self, start: datetime = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


class FakeChat:
    """One person talking to the bot on ``channel``, in their private chat unless ``chat_id``
    names another (a group)."""

    def __init__(self, dispatcher: Dispatcher, user_id: str = "u1", channel: str = "console",
                 chat_id: str | None = None):
        self.dispatcher = dispatcher
        self.user_id = user_id
        self.channel = channel
        self.chat_id = chat_id or user_id
        self.replies: list[Reply] = []

    async def send(self, text: str | None = None, **fields) -> list[Reply]:
        """Send typed text (or other Incoming fields) with a fresh update id."""
        incoming = Incoming(
            channel=self.channel, user_id=self.user_id, chat_id=self.chat_id, text=text,
            update_id=fields.pop("update_id", f"chat-{next(_update_ids)}"), **fields,
        )
        self.replies = await self.dispatcher.handle(incoming)
        return self.replies

    async def press(self, label: str) -> list[Reply]:
        """Tap the button whose label contains ``label`` in the last replies."""
        return await self.send(payload=self.payload_of(label))

    def payload_of(self, label: str) -> str:
        for reply in reversed(self.replies):
            for button in reply.all_buttons():
                if label in button.label:
                    return button.payload
        raise LookupError(f"no button {label!r} in {self.labels()}")

    async def choose(self, label: str) -> list[Reply]:
        """Type the number a text channel shows before ``label``, as a person without buttons
        does."""
        return await self.send(self.number_of(label))

    def number_of(self, label: str) -> str:
        for line in "\n".join(self.screen()).splitlines():
            shown = re.match(r"\s*(\d+)\. (.*)", line)
            if shown and label in shown.group(2):
                return shown.group(1)
        raise LookupError(f"no numbered choice {label!r} in {self.screen()}")

    def screen(self) -> list[str]:
        """The last replies as a text channel (terminal, Zalo Bot) shows them."""
        return render(self.replies)

    def labels(self) -> list[str]:
        return [b.label for r in self.replies for b in r.all_buttons()]

    def text(self) -> str:
        """All reply texts of the last turn, as plain text."""
        return "\n".join(plain(r.text) for r in self.replies)
