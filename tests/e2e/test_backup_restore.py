"""`python -m bot db backup` while the bot writes, and `db restore`: refused while a bot has
the file open, the replaced file kept, the data back as it was."""

import asyncio
import shutil
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.__main__ import main
from bot.db_cli import in_use
from storage import outbox
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from storage.models import OutboxMessage

ROWS_PER_COMMIT = 50


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("backup-template") / "bot.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def db_url(template, tmp_path) -> str:
    """These commands are about the SQLite file: a migrated one, whatever the suite runs on."""
    path = tmp_path / "data" / "bot.db"
    path.parent.mkdir()
    shutil.copy(template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def bot(monkeypatch, tmp_path, capsys):
    """`python -m bot …` in this process (starting one takes seconds on a busy machine)."""
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    monkeypatch.setenv("LOG_LEVEL", "WARNING")

    def run(*args: str, url: str) -> tuple[int, str]:
        monkeypatch.setenv("DATABASE_URL", url)
        code = main(list(args))
        return code, capsys.readouterr().out

    return run


async def write_batches(sessionmaker, first: int, count: int | None, stop=None) -> int:
    """Commits of ROWS_PER_COMMIT outbox rows each, tagged by their commit; returns how many."""
    batch = first
    while (count is None or batch < first + count) and not (stop and stop.is_set()):
        async with sessionmaker.begin() as session:
            for n in range(ROWS_PER_COMMIT):
                await outbox.enqueue(session, dedupe_key=f"b{batch}:{n}", channel="zalo",
                                     chat_id=f"c{n}", contact_id=None, text=f"Tin {batch}",
                                     buttons=[], now=datetime.now(UTC))
        batch += 1
        await asyncio.sleep(0.005)  # a steady writer that leaves the CPU to the backup too
    return batch - first


def batches_in(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(path)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return dict(connection.execute(
            "SELECT text, count(*) FROM outbox GROUP BY text").fetchall())


async def test_a_backup_taken_while_the_bot_writes_is_one_consistent_moment(db_url, tmp_path,
                                                                             bot):
    engine = create_engine(db_url)
    sessionmaker = create_sessionmaker(engine)
    stop = asyncio.Event()
    writer = asyncio.create_task(write_batches(sessionmaker, 0, None, stop))
    await asyncio.sleep(0.3)  # the writer is well under way
    out = tmp_path / "backups" / "bot-1.db"
    # the command in a thread of its own, its own connection, while the loop keeps writing
    code, said = await asyncio.to_thread(bot, "db", "backup", "--out", str(out), url=db_url)
    await asyncio.sleep(0.2)  # and it goes on after the backup
    stop.set()
    written = await writer
    await engine.dispose()
    assert code == 0 and "Đã sao lưu cơ sở dữ liệu vào" in said
    copied = batches_in(out)
    assert 0 < len(copied) < written  # taken mid-run…
    assert set(copied.values()) == {ROWS_PER_COMMIT}  # …and no commit torn in two
    assert not list(out.parent.glob("*-wal")) and not list(out.parent.glob("*.partial"))
    code, said = bot("db", "backup", "--out", str(out), url=db_url)  # never over an older one
    assert code == 2 and "đã có" in said
    assert batches_in(out) == copied


async def test_restore_waits_for_the_bot_to_stop_keeps_the_old_file_and_brings_data_back(
        db_url, tmp_path, bot):
    database = Path(db_url.removeprefix("sqlite+aiosqlite:///"))
    engine = create_engine(db_url)
    sessionmaker = create_sessionmaker(engine)
    await write_batches(sessionmaker, 0, 3)
    saved = tmp_path / "saved.db"
    assert bot("db", "backup", "--out", str(saved), url=db_url)[0] == 0
    await write_batches(sessionmaker, 3, 2)  # written after the backup: gone after restoring

    with in_use(db_url):  # as `python -m bot run` holds it
        code, said = bot("db", "restore", "--from", str(saved), url=db_url)
    assert code == 2 and "Bot đang mở cơ sở dữ liệu" in said
    assert len(batches_in(database)) == 5

    await engine.dispose()  # the bot stopped (its WAL not checkpointed, as after a kill -9)
    code, said = bot("db", "restore", "--from", str(saved), url=db_url)
    assert code == 0 and "Đã khôi phục cơ sở dữ liệu" in said
    [kept] = database.parent.glob("bot.db.before-restore-*")
    assert len(batches_in(kept)) == 5  # the replaced file, what its WAL held included
    engine = create_engine(db_url)  # the bot starts again on the restored data
    async with create_sessionmaker(engine)() as session:
        texts = (await session.execute(
            select(OutboxMessage.text, func.count()).group_by(OutboxMessage.text))).all()
    await engine.dispose()
    assert dict(texts) == {"Tin 0": 50, "Tin 1": 50, "Tin 2": 50}
    assert (await asyncio.to_thread(bot, "db", "upgrade", url=db_url))[0] == 0


def test_restore_refuses_what_is_not_a_backup_of_this_bot(db_url, tmp_path, bot):
    database = Path(db_url.removeprefix("sqlite+aiosqlite:///"))
    before = database.read_bytes()
    junk = tmp_path / "notes.db"
    junk.write_text("không phải cơ sở dữ liệu", encoding="utf-8")
    other = tmp_path / "other.db"
    with closing(sqlite3.connect(other)) as connection:
        connection.execute("CREATE TABLE notes (text)")
    future = tmp_path / "future.db"
    with closing(sqlite3.connect(future)) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32))")
        connection.execute("INSERT INTO alembic_version VALUES ('9999')")
        connection.commit()
    for source, expected in ((junk, "không phải bản sao lưu"), (other, "không phải bản sao lưu"),
                             (tmp_path / "missing.db", "không phải bản sao lưu"),
                             (future, "mới hơn phiên bản bot này")):
        code, said = bot("db", "restore", "--from", str(source), url=db_url)
        assert code == 2 and expected in said, said
    assert database.read_bytes() == before
    assert not list(database.parent.glob("bot.db.before-restore-*"))


def test_on_postgresql_the_commands_point_to_pg_dump(tmp_path, bot):
    code, said = bot("db", "backup", "--out", str(tmp_path / "x.db"),
                     url="postgresql+asyncpg://bot@127.0.0.1:1/bot")
    assert code == 2 and "pg_dump" in said
    assert not (tmp_path / "x.db").exists()
