"""Shared fixtures: a migrated database per test (copied from one migrated template), on SQLite
and on PostgreSQL, the real texts and router, a hand-moved clock.

Every test that uses ``db_url`` (or what is built on it: ``sessionmaker``, ``dispatcher``,
``chat``…) runs twice, ``[sqlite]`` and ``[postgresql]``, unless marked ``sqlite_only``. The
PostgreSQL server is the one at TEST_POSTGRES_URL, else a throw-away cluster started here when
the server binaries exist (tests/pg_cluster.py); without either the PostgreSQL variants skip,
or fail when TEST_POSTGRES_REQUIRED is set (CI)."""

import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy.engine import make_url

from handlers import build_router
from handlers.context import BotConfig
from handlers.dispatcher import Dispatcher
from messages.loader import Texts
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from tests import pg_cluster
from tests.fakes.chat import Clock, FakeChat
from tests.postgres import Server

DATABASES = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc):
    if "database" in metafunc.fixturenames and not metafunc.definition.get_closest_marker(
            "sqlite_only"):
        only = metafunc.definition.get_closest_marker("postgresql_only")
        metafunc.parametrize("database", ["postgresql"] if only else DATABASES, indirect=True)


@pytest.fixture
def database(request) -> str:
    """Which database the test runs on: "sqlite" (also for tests marked sqlite_only) or
    "postgresql"."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def postgres_server() -> Server | str:
    """The PostgreSQL server the tests create their databases on, or why there is none."""
    url = os.environ.get("TEST_POSTGRES_URL")
    cluster = None
    if not url:
        if pg_cluster.find_bin() is None:
            yield "no PostgreSQL: set TEST_POSTGRES_URL or install the postgresql server package"
            return
        try:
            cluster = pg_cluster.start()
        except RuntimeError as error:
            yield f"no PostgreSQL: the throw-away cluster did not start ({error})"
            return
        url = os.environ["TEST_POSTGRES_URL"] = cluster.url  # for processes the tests start
    try:
        yield Server(url)
    finally:
        if cluster is not None:
            os.environ.pop("TEST_POSTGRES_URL", None)
            pg_cluster.stop(cluster.folder)


@pytest.fixture(scope="session")
def postgres(postgres_server) -> Server:
    """The server, or the test skips (fails in CI, where TEST_POSTGRES_REQUIRED is set)."""
    if isinstance(postgres_server, str):
        if os.environ.get("TEST_POSTGRES_REQUIRED"):
            pytest.fail(postgres_server, pytrace=False)
        pytest.skip(postgres_server)
    return postgres_server


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres):
    """The name of a PostgreSQL database migrated to head once per session."""
    name = postgres.create()
    upgrade(postgres.url_of(name))
    yield name
    postgres.drop(name)


@pytest.fixture
def new_db_url(database, request, tmp_path_factory):
    """Makes fresh migrated databases of the test's kind, each dropped after the test."""
    made: list[str] = []

    def new() -> str:
        if database == "sqlite":
            path = tmp_path_factory.mktemp("db") / "bot.db"
            shutil.copy(request.getfixturevalue("migrated_template"), path)
            return f"sqlite+aiosqlite:///{path}"
        server = request.getfixturevalue("postgres")
        made.append(server.create(template=request.getfixturevalue("postgres_template")))
        return server.url_of(made[-1])

    yield new
    for name in made:
        request.getfixturevalue("postgres").drop(name)


@pytest.fixture
def db_url(new_db_url) -> str:
    return new_db_url()


@pytest.fixture
def empty_db_url(database, request, tmp_path):
    """A database with no schema, for tests of the migrations themselves."""
    if database == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    server = request.getfixturevalue("postgres")
    name = server.create()
    yield server.url_of(name)
    server.drop(name)


@pytest.fixture
def snapshot(db_url, database, request, tmp_path):
    """``save()`` keeps a copy of the test's database and ``restore()`` puts it back (dispose
    of the engines on it first)."""
    if database == "sqlite":
        path, saved = Path(make_url(db_url).database), tmp_path / "saved.db"

        def save() -> None:
            shutil.copy(path, saved)

        def restore() -> None:
            for suffix in ("-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            shutil.copy(saved, path)

        yield SimpleNamespace(save=save, restore=restore)
        return
    server, name = request.getfixturevalue("postgres"), make_url(db_url).database
    copies: list[str] = []

    def save() -> None:
        copies.append(server.create(template=name))

    def restore() -> None:
        server.drop(name)
        server.create(template=copies[-1], name=name)

    yield SimpleNamespace(save=save, restore=restore)
    for copy in copies:
        server.drop(copy)


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
