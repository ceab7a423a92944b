"""A real PTB bot and our Telegram adapter against the offline fake Bot API."""

import os
from contextlib import asynccontextmanager

import pytest
from aiohttp.test_utils import unused_port
from sqlalchemy import select

from bot.channels.limiter import Limiter, Limits
from bot.channels.telegram import TelegramChannel
from bot.settings import Settings
from bot.web import start_web
from bot.wiring import build_core
from storage.models import Contact, InboxUpdate
from tests.fakes.telegram_server import FakeTelegram

os.environ.setdefault("PTB_TIMEDELTA", "true")
SECRET = "s3cr3t-Secret_for-the-webhook-0123456789"


def fast_limiter() -> Limiter:
    """Real limiter logic at a pace that keeps dialogue tests short (its own tests check the
    real limits)."""
    return Limiter(Limits(per_chat_per_second=100, per_chat_burst=20))


@asynccontextmanager
async def running(channel, serve: bool = False):
    """``channel`` started (with the web app serving its routes when ``serve``); then stopped,
    and its core closed."""
    runner = await start_web(channel.core, channel.routes()) if serve else None
    await channel.start()
    try:
        yield channel
    finally:
        await channel.stop()
        if runner is not None:
            await runner.cleanup()
        await channel.core.close()


@pytest.fixture
async def tg():
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def polling_bot(tg, db_url):
    settings = Settings(
        _env_file=None, database_url=db_url, telegram_bot_token=tg.token,
        telegram_api_base_url=tg.base_url,
    )
    async with running(TelegramChannel(build_core(settings), limiter=fast_limiter())) as bot:
        yield bot


@pytest.fixture
async def webhook_bot(tg, db_url):
    port = unused_port()
    settings = Settings(
        _env_file=None, database_url=db_url, telegram_bot_token=tg.token,
        telegram_api_base_url=tg.base_url, web_port=port,
        telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/webhook",
        telegram_webhook_secret=SECRET,
    )
    channel = TelegramChannel(build_core(settings), limiter=fast_limiter())
    async with running(channel, serve=True) as bot:
        yield bot


async def said(
    tg: FakeTelegram, chat_id: int, fragment: str, within: float = 10, count: int = 1
) -> dict:
    """Wait until the bot sent (or edited to) ``count`` messages containing ``fragment``."""

    def found():
        return [m for m in tg.sent(chat_id) if fragment in (m.get("text") or "")]

    await tg.wait_until(lambda: len(found()) >= count, timeout=within, what=fragment)
    return found()[-1]


@pytest.fixture
def senders(sessionmaker):
    """The senders the inbox recorded for a channel's updates, and its contacts' user ids:
    erasure finds a person's updates by the first, so they must be the same."""

    async def of(channel: str) -> tuple[set[str], set[str]]:
        async with sessionmaker() as session:
            stored = await session.scalars(
                select(InboxUpdate.user_id).where(InboxUpdate.channel == channel))
            people = await session.scalars(
                select(Contact.user_id).where(Contact.channel == channel))
            return set(stored), set(people)

    return of
