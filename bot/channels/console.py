"""Terminal chat over the same dialogue: one line in, the replies out. Works through a pipe."""

import asyncio
import sys
from datetime import UTC, datetime
from typing import TextIO

from bot.channels.base import RetryLater
from bot.channels.text import render
from handlers.dispatcher import Dispatcher
from handlers.turn import Incoming, Reply

CHANNEL = "console"


async def chat(
    dispatcher: Dispatcher,
    user_id: str = "local",
    name: str | None = None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    greet: bool | None = None,
) -> None:
    """Read lines until EOF and print the bot's replies. A new person at a terminal is greeted."""
    interactive = stdin.isatty() if greet is None else greet

    async def send(text: str) -> None:
        incoming = Incoming(
            channel=CHANNEL, user_id=user_id, chat_id=user_id, text=text,
            display_name=name, received_at=datetime.now(UTC),
        )
        for message in render(await dispatcher.handle(incoming)):
            stdout.write(message + "\n\n")
        stdout.flush()

    if interactive:
        await send("/start")
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            return
        if line.strip():
            await send(line.rstrip("\n"))


class ConsoleChannel:
    """Messages from the outbox (reminders, notices) printed to the person at this terminal."""

    name = CHANNEL
    text_only = True  # choices are numbered; the outbox remembers them as the person's menu

    def __init__(self, stdout: TextIO, user_id: str = "local"):
        self.stdout = stdout
        self.user_id = user_id

    def routes(self) -> list:
        return []

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(
        self, chat_id: str, replies: list[Reply], *, bulk: bool = False, priority: int = 5
    ) -> None:
        if chat_id != self.user_id:  # another terminal user: keep it for when they are here
            raise RetryLater(300)
        for message in render(replies):
            self.stdout.write("\n" + message + "\n\n")
        self.stdout.flush()
