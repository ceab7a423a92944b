"""What each CLI command starts. Migrations run before the event loop (Alembic runs its own)."""

import asyncio
import contextlib
import logging
import signal
import sys

from bot.channels import console
from bot.channels.text import plain
from bot.channels.web import WebChat
from bot.outbox import OutboxSender
from bot.scheduler import start_scheduler
from bot.settings import Settings
from bot.web import start_web
from bot.wiring import build_calendar, build_channels, build_core, configure_logging, migrate
from messages.loader import Texts

log = logging.getLogger(__name__)


def migrate_only(settings: Settings) -> None:
    configure_logging(settings)
    migrate(settings)
    print(plain(Texts.load()("cli.migrated")))


async def chat(settings: Settings, user_id: str, name: str | None) -> int:
    configure_logging(settings)
    await asyncio.to_thread(migrate, settings)
    core = build_core(settings)
    try:
        await console.chat(core.dispatcher, user_id=user_id, name=name)
    finally:
        await core.close()
    return 0


async def run(settings: Settings) -> int:
    """Web server, scheduler and every configured channel; the terminal chat when none is."""
    configure_logging(settings)
    await asyncio.to_thread(migrate, settings)
    core = build_core(settings)
    channels = build_channels(core)
    terminal = None if channels else console.ConsoleChannel(sys.stdout)
    calendar = build_calendar(settings)
    senders = {c.name: c for c in channels} if channels else {terminal.name: terminal}
    routes = [r for c in (*channels, WebChat(core)) for r in c.routes()]
    web_runner = await start_web(core, routes)
    scheduler = start_scheduler(core, OutboxSender(core, senders, calendar), calendar)
    log.info("web server on http://%s:%s (web chat at /chat/)", settings.web_host,
             settings.web_port)
    try:
        for channel in channels:
            await channel.start()
            log.info("channel %s started", channel.name)
        if channels:
            await _until_stopped()
        else:
            log.info("no channel configured: terminal chat in the foreground")
            await console.chat(core.dispatcher, greet=sys.stdin.isatty())
    finally:
        for channel in channels:
            await channel.stop()
        scheduler.shutdown(wait=False)
        await web_runner.cleanup()
        await core.close()
    return 0


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    await stop.wait()
