"""Builds the running bot from settings. The only place that knows every part."""

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.logs import JsonFormatter
from bot.metrics import Metrics
from bot.settings import Settings, parse_days
from handlers import build_router
from handlers.calendar import WorkCalendar
from handlers.context import BotConfig
from handlers.dispatcher import Dispatcher
from messages.loader import Texts
from storage.db import create_engine, create_reader, create_sessionmaker
from storage.migrate import upgrade


@dataclass
class Core:
    """What every channel and job shares: the database, the texts and the dispatcher."""

    settings: Settings
    config: BotConfig
    engine: AsyncEngine
    sessionmaker: async_sessionmaker
    texts: Texts
    dispatcher: Dispatcher
    metrics: Metrics
    reader: async_sessionmaker  # long reads: exports, statistics (see storage.db.create_reader)

    async def close(self) -> None:
        await self.engine.dispose()
        if self.reader.kw["bind"] is not self.engine:
            await self.reader.kw["bind"].dispose()


def configure_logging(settings: Settings, to_file: bool = False) -> None:
    """Log to stderr, or to ``settings.log_file`` when the terminal belongs to the chat; as
    text, or as one JSON object a line (LOG_FORMAT=json)."""
    if to_file:
        settings.log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(settings.log_file, encoding="utf-8")
    else:
        handler = logging.StreamHandler()
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=settings.log_level, handlers=[handler])
    # the scheduler and Alembic would otherwise write a line every two seconds / at every start
    for noisy in ("apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def migrate(settings: Settings) -> None:
    """Upgrade the database to the newest schema (blocking; run before the event loop)."""
    upgrade(settings.database_url)


def build_core(settings: Settings) -> Core:
    engine = create_engine(settings.database_url)
    sessionmaker = create_sessionmaker(engine)
    reader = create_sessionmaker(create_reader(settings.database_url, engine))
    texts = Texts.load()
    config = BotConfig(admins=settings.admins, tz=settings.tz, web_public_url=settings.public_url,
                       admin_login_minutes=settings.admin_login_minutes)
    metrics = Metrics()
    dispatcher = Dispatcher(sessionmaker, texts, build_router(), config, observe=metrics.turn,
                            reader=reader)
    return Core(settings, config, engine, sessionmaker, texts, dispatcher, metrics, reader)


def build_calendar(settings: Settings) -> WorkCalendar:
    """Working days and office hours, with the admin-configured exceptions."""
    return WorkCalendar(
        tz=settings.tz, office_start=settings.office_start, office_end=settings.office_end,
        extra_days_off=parse_days(settings.extra_days_off),
        extra_working_days=parse_days(settings.extra_working_days),
    )


def build_channels(core: Core) -> list:
    """Every channel whose credentials are configured."""
    channels = []
    if core.settings.telegram_enabled:
        from bot.channels.telegram import TelegramChannel  # imports PTB only when used

        channels.append(TelegramChannel(core))
    if core.settings.zalo_oa_enabled:
        from bot.channels.zalo_oa import ZaloOAChannel

        channels.append(ZaloOAChannel(core))
    if core.settings.zalo_bot_enabled:
        from bot.channels.zalo_bot import ZaloBotChannel

        channels.append(ZaloBotChannel(core))
    return channels
