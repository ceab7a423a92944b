"""`python -m bot db upgrade | backup --out F | restore --from F`.

Backup uses SQLite's online backup API: one read transaction copies a consistent snapshot
while the bot keeps writing (WAL lets readers and the writer work side by side). Restore
replaces the file only while no bot has it open: every command that opens the database holds
a shared lock on ``<database>.lock`` (`in_use`), restore takes it exclusively, and the kernel
drops a lock when its process dies, so a killed bot leaves nothing stale. The replaced file is
kept next to it. PostgreSQL has pg_dump and pg_restore for this (see the README)."""

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.channels.text import plain
from bot.settings import Settings
from messages.loader import Texts
from storage.migrate import known_revisions


class Refused(Exception):
    """Nothing was changed; the text key and values say why."""

    def __init__(self, key: str, **values):
        super().__init__(key)
        self.key, self.values = key, values


def add_parser(commands) -> None:
    db = commands.add_parser("db", help="cơ sở dữ liệu")
    actions = db.add_subparsers(dest="action", metavar="VIỆC", required=True)
    actions.add_parser("upgrade", help="nâng cấp lên lược đồ mới nhất")
    save = actions.add_parser("backup", help="sao lưu tệp SQLite (được cả khi bot đang chạy)")
    save.add_argument("--out", required=True, type=Path, help="tệp sao lưu mới")
    load = actions.add_parser("restore", help="khôi phục tệp SQLite (bot phải dừng trước)")
    load.add_argument("--from", dest="source", required=True, type=Path, help="tệp sao lưu")


def run(settings: Settings, args) -> int:
    """Backup or restore (`db upgrade` runs as the other commands do, in `bot.__main__`)."""
    texts = Texts.load()
    try:
        database = sqlite_file(settings.database_url)
        if args.action == "backup":
            backup(database, args.out)
            print(plain(texts("cli.backup_done", path=args.out)))
        else:
            kept = restore(database, args.source)
            if kept is None:
                print(plain(texts("cli.restored_fresh", source=args.source)))
            else:
                print(plain(texts("cli.restored", source=args.source, kept=kept)))
    except Refused as refused:
        print(plain(texts(refused.key, **refused.values)))
        return 2
    return 0


def sqlite_file(url: str) -> Path:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        raise Refused("cli.backup_not_sqlite")
    return Path(parsed.database)


@contextmanager
def in_use(url: str) -> Iterator[None]:
    """Held while a command has the SQLite database open; waits while a restore runs."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        yield
        return
    path = Path(parsed.database)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(_lock_file(path), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_SH)
        yield


def backup(database: Path, out: Path) -> None:
    """A consistent copy of ``database`` (what its WAL holds included) as one file at ``out``,
    which must not exist yet: an older backup is never overwritten."""
    if not database.exists():
        raise Refused("cli.backup_no_database", path=database)
    if out.exists():
        raise Refused("cli.backup_exists", path=out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    with closing(sqlite3.connect(database)) as source, closing(sqlite3.connect(partial)) as copy:
        source.backup(copy)  # one step, so one snapshot; the bot's writes go on meanwhile
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    os.replace(partial, out)


def restore(database: Path, source: Path) -> Path | None:
    """Replace ``database`` with the backup ``source`` while no bot has it open; returns where
    the replaced file was kept (None when there was none)."""
    _check_backup(source)
    database.parent.mkdir(parents=True, exist_ok=True)
    with open(_lock_file(database), "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Refused("cli.restore_in_use", path=database) from None
        incoming = database.with_name(database.name + ".restoring")
        incoming.unlink(missing_ok=True)
        with closing(sqlite3.connect(source)) as backup_file, \
                closing(sqlite3.connect(incoming)) as copy:
            backup_file.backup(copy)
        kept = None
        if database.exists():
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            kept = database.with_name(f"{database.name}.before-restore-{stamp}")
            backup(database, kept)  # through SQLite, so what the WAL held is kept too
        for leftover in ("-wal", "-shm"):  # the old file's: they must not meet the new one
            database.with_name(database.name + leftover).unlink(missing_ok=True)
        os.replace(incoming, database)
    return kept


def _check_backup(source: Path) -> None:
    """A readable, intact database of this bot at a schema this code knows."""
    if not source.is_file():
        raise Refused("cli.restore_not_a_backup", path=source)
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as connection:
            intact = connection.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        raise Refused("cli.restore_not_a_backup", path=source) from None
    if not intact or revision is None:
        raise Refused("cli.restore_not_a_backup", path=source)
    if revision[0] not in known_revisions():
        raise Refused("cli.restore_too_new", path=source, revision=revision[0])


def _lock_file(database: Path) -> Path:
    return database.with_name(database.name + ".lock")
