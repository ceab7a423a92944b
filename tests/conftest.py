"""Shared fixtures: a migrated SQLite database per test (copied from one migrated template),
the real texts and router, a hand-moved clock."""

import shutil

import pytest

from handlers import build_router
from handlers.context import BotConfig
from handlers.dispatcher import Dispatcher
from messages.loader import Texts
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from tests.fakes.chat import Clock, FakeChat


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def db_url(migrated_template, tmp_path):
    path = tmp_path / "bot.db"
    shutil.copy(migrated_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def sessionmaker(db_url):
    engine = create_engine(db_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture(scope="session")
def texts():
    return Texts.load()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def config():
    return BotConfig(admins=frozenset({"console:admin"}))


@pytest.fixture
def make_dispatcher(sessionmaker, texts, clock, config):
    def make(router=None):
        return Dispatcher(sessionmaker, texts, router or build_router(), config, clock=clock)

    return make


@pytest.fixture
def dispatcher(make_dispatcher):
    return make_dispatcher()


@pytest.fixture
def chat(dispatcher):
    return FakeChat(dispatcher)
