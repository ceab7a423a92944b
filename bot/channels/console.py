"""Terminal chat over the same dialogue: one line in, the replies out. Works through a pipe."""

import asyncio
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TextIO

from bot.channels.base import RetryLater
from bot.channels.text import render, saved_documents
from bot.wiring import Core
from handlers.turn import Incoming, Reply

CHANNEL = "console"
QUIT = ""  # what the reader hands over at EOF, and Ctrl+C or SIGTERM too
QUIT_SIGNALS = (signal.SIGINT, signal.SIGTERM)


async def chat(
    core: Core,
    user_id: str = "local",
    name: str | None = None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    greet: bool | None = None,
) -> None:
    """Read lines until EOF (or Ctrl+C) and print the bot's replies; a file, which a terminal
    cannot show, is written to the exports folder. A new person at a terminal is greeted."""
    interactive = stdin.isatty() if greet is None else greet

    async def send(text: str) -> None:
        incoming = Incoming(
            channel=CHANNEL, user_id=user_id, chat_id=user_id, text=text,
            display_name=name, received_at=datetime.now(UTC),
        )
        replies = await core.dispatcher.handle(incoming)
        for message in render(saved_documents(replies, core.settings.export_dir, core.texts)):
            stdout.write(message + "\n\n")
        stdout.flush()

    with _input(stdin) as lines:
        if interactive:
            await send("/start")
        while True:
            if interactive:
                stdout.write("> ")
                stdout.flush()
            line = await lines.get()
            if line == QUIT:
                return
            if line.strip():
                await send(line.rstrip("\n"))


@contextlib.contextmanager
def _input(stdin: TextIO) -> Iterator[asyncio.Queue]:
    """Lines of ``stdin``, then QUIT; Ctrl+C and SIGTERM add QUIT, so the chat ends as at EOF
    instead of being cancelled mid-turn. The reading thread is a daemon: a read still waiting
    for the keyboard does not keep the process from exiting."""
    loop, lines = asyncio.get_running_loop(), asyncio.Queue()

    def read() -> None:
        while True:
            line = stdin.readline()  # "" at EOF, which is QUIT
            try:
                loop.call_soon_threadsafe(lines.put_nowait, line)
            except RuntimeError:  # the loop is closed: the chat is over
                return
            if not line:
                return

    threading.Thread(target=read, name="terminal-input", daemon=True).start()
    with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
        for signum in QUIT_SIGNALS:
            loop.add_signal_handler(signum, lines.put_nowait, QUIT)
    try:
        yield lines
    finally:
        with contextlib.suppress(NotImplementedError):
            for signum in QUIT_SIGNALS:
                loop.remove_signal_handler(signum)


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
