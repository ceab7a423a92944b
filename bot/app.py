"""What each CLI command starts. Migrations run before the event loop (Alembic runs its own)."""

import asyncio
import contextlib
import errno
import logging
import signal
import sys

from bot.channels import console
from bot.channels.text import plain
from bot.channels.web import WebChat
from bot.dashboard import Dashboard
from bot.outbox import OutboxSender
from bot.scheduler import start_scheduler
from bot.settings import Settings, SettingsError
from bot.web import start_web
from bot.wiring import (
    Core,
    build_calendar,
    build_channels,
    build_core,
    configure_logging,
    migrate,
)
from messages.loader import Texts

log = logging.getLogger(__name__)


def migrate_only(settings: Settings) -> None:
    configure_logging(settings)
    migrate(settings)
    print(plain(Texts.load()("cli.migrated")))


async def chat(settings: Settings, user_id: str, name: str | None) -> int:
    configure_logging(settings, to_file=True)  # the terminal belongs to the chat
    await asyncio.to_thread(migrate, settings)
    core = build_core(settings)
    try:
        _tell_log_file(core)
        await console.chat(core, user_id=user_id, name=name)
    finally:
        await core.close()
    return 0


async def run(settings: Settings) -> int:
    """Web server, scheduler and every configured channel; the terminal chat when none is."""
    configure_logging(settings, to_file=not settings.any_channel_enabled)
    await asyncio.to_thread(migrate, settings)
    core = build_core(settings)
    channels = build_channels(core)
    terminal = None if channels else console.ConsoleChannel(sys.stdout)
    calendar = build_calendar(settings)
    senders = {c.name: c for c in channels} if channels else {terminal.name: terminal}
    routes = [r for c in (*channels, WebChat(core), Dashboard(core)) for r in c.routes()]
    try:
        web_runner = await start_web(core, routes)
    except OSError as problem:
        await core.close()
        raise _cannot_listen(core, problem) from None
    jobs = start_scheduler(core, OutboxSender(core, senders, calendar), calendar)
    log.info("web server on http://%s:%s (web chat at /chat/, dashboard at /admin/)",
             settings.web_host, settings.web_port)
    try:
        for channel in channels:
            await channel.start()
            log.info("channel %s started", channel.name)
        if channels:
            await _until_stopped()
        else:
            log.info("no channel configured: terminal chat in the foreground")
            _tell_log_file(core)
            await console.chat(core, greet=sys.stdin.isatty())
    finally:
        for channel in channels:
            await channel.stop()
        await jobs.stop()
        await web_runner.cleanup()
        await core.close()
    return 0


def _tell_log_file(core: Core) -> None:
    """Said once as the terminal chat starts: its log lines are in a file, not on the screen."""
    path = core.settings.log_file.resolve()
    print(plain(core.texts("cli.log_file", path=path)), file=sys.stderr)


def _cannot_listen(core: Core, problem: OSError) -> SettingsError:
    """One line naming the port, instead of aiohttp's traceback."""
    host, port = core.settings.web_host, core.settings.web_port
    log.error("cannot listen on %s:%s: %s", host, port, problem)
    if problem.errno == errno.EADDRINUSE:
        return SettingsError(plain(core.texts("cli.port_in_use", port=port)))
    return SettingsError(plain(core.texts("cli.cannot_listen", host=host, port=port)))


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    await stop.wait()
