"""A real PTB bot and our Telegram adapter against the offline fake Bot API."""

import os
from contextlib import asynccontextmanager

import pytest
from aiohttp.test_utils import unused_port
from sqlalchemy import select

from bot.channels.limiter import Limiter, Limits
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo_oa import WEBHOOK_PATH as OA_WEBHOOK_PATH
from bot.channels.zalo_oa import ZaloOAChannel
from bot.settings import Settings
from bot.web import start_web
from bot.wiring import build_core
from storage.models import Contact, InboxUpdate
from tests.fakes.telegram_server import FakeTelegram
from tests.fakes.zalo_oa_server import FakeZaloOA

os.environ.setdefault("PTB_TIMEDELTA", "true")
ADMIN = "telegram:900"  # the admin of the channel tests
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


def oa_settings(fake: FakeZaloOA, db_url: str, tokens: tuple[str, str], port: int = 0):
    access, refresh = tokens
    return Settings(
        _env_file=None, database_url=db_url, web_port=port, admin_ids=ADMIN,
        zalo_oa_app_id=fake.app_id, zalo_oa_app_secret=fake.app_secret,
        zalo_oa_secret_key=fake.oa_secret_key, zalo_oa_access_token=access,
        zalo_oa_refresh_token=refresh, zalo_oa_oauth_url=fake.oauth_base_url,
        zalo_oa_api_url=fake.openapi_base_url,
    )


@pytest.fixture
async def oa_fake():
    port = unused_port()
    async with FakeZaloOA(webhook_url=f"http://127.0.0.1:{port}{OA_WEBHOOK_PATH}") as fake:
        fake.port = port
        fake.seed = fake.issue_tokens()
        yield fake


@pytest.fixture
async def oa(oa_fake, db_url):
    core = build_core(oa_settings(oa_fake, db_url, oa_fake.seed, oa_fake.port))
    channel = ZaloOAChannel(core, limiter=fast_limiter(), clock=oa_fake.now)
    async with running(channel, serve=True):
        yield channel
