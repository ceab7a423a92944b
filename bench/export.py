"""Measure the admins' Excel export: wall time and peak memory for a large database, and for one
ten times smaller, to show that memory stays flat as rows grow.

Run from the repository root:
``.venv/bin/python bench/export.py [--registrations 10000] [--members 5000]``.
Exit code 1 when the large export misses a target (< 2 s, < 100 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: make `handlers` and `storage` importable

from handlers.admin_export import (  # noqa: E402
    AGENCY_COLUMNS,
    CONSENT_COLUMNS,
    MEMBER_COLUMNS,
    REGISTRATION_COLUMNS,
    write_workbook,
)
from messages.choices import choice_list  # noqa: E402
from messages.loader import Texts  # noqa: E402
from storage.db import create_engine, create_sessionmaker  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import (  # noqa: E402
    ClassSession,
    ClubMembership,
    ConsentEvent,
    Contact,
    Registration,
    TrainingClass,
)

TARGET_SECONDS = 2.0
TARGET_MB = 100.0
BATCH = 2000
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
STATUSES = ("confirmed", "confirmed", "waitlisted", "interested", "cancelled")
WIDTHS = {
    "registrations": len(REGISTRATION_COLUMNS), "members": len(MEMBER_COLUMNS),
    "agencies": len(AGENCY_COLUMNS), "consents": len(CONSENT_COLUMNS),
}


def proc_status_kb(field: str) -> int:
    """A field of /proc/self/status in kB (VmRSS: resident now, VmHWM: resident at peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0); False where that is not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


async def insert_batches(conn, table, rows) -> None:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            await conn.execute(insert(table), batch)
            batch = []
    if batch:
        await conn.execute(insert(table), batch)


async def fill(engine, registrations: int, members: int) -> int:
    """Insert contacts, sessions, registrations, members and one consent per contact; return
    the number of consents."""
    people = registrations // 2 + members
    localities = [id_ for id_, _ in choice_list("localities")]
    sectors = [id_ for id_, _ in choice_list("sectors")]
    regions = [id_ for id_, _ in choice_list("regions")]
    async with engine.begin() as conn:
        classes = (await conn.execute(select(TrainingClass.id, TrainingClass.prefix))).all()
        await insert_batches(conn, Contact.__table__, (
            {"id": i, "channel": "telegram", "user_id": str(i), "chat_id": str(i),
             "display_name": None, "created_at": NOW, "last_seen_at": NOW}
            for i in range(1, people + 1)
        ))
        await insert_batches(conn, ClassSession.__table__, (
            {"id": class_id, "class_id": class_id, "starts_at": NOW + timedelta(days=10),
             "venue": "Hội trường", "capacity": registrations, "seats_taken": 0,
             "registration_open": True, "cancelled": False, "created_at": NOW}
            for class_id, _ in classes
        ))
        await insert_batches(conn, Registration.__table__, (
            {"code": f"{classes[i % 3][1]}-{i:05d}", "contact_id": i // 2 + 1,
             "class_id": classes[i % 3][0], "session_id": classes[i % 3][0],
             "status": STATUSES[i % 5], "attendees": 1 + i % 5,
             "company": f"Công ty TNHH Năng suất số {i}",
             "tax_code": f"{i:010d}" if i % 4 else f"{i:010d}002",
             "locality": localities[i % len(localities)] if i % 2 else None,  # before 2025
             "commune": None if i % 2 else f"phường số {i % 90}", "region": regions[i % 3],
             "sector": sectors[i % len(sectors)],
             "contact_name": "Nguyễn Văn An", "position": "Giám đốc",
             "phone": f"+849{i:08d}", "email": f"lienhe{i}@congty.vn",
             "created_at": NOW, "updated_at": NOW}
            for i in range(registrations)
        ))
        await insert_batches(conn, ClubMembership.__table__, (
            {"code": f"CLB-{i:05d}", "contact_id": registrations // 2 + i + 1,
             "school": ("dhqn", "cdqn")[i % 2], "status": "active",
             "full_name": "Trần Thị Bình", "student_id": f"0{i:07d}", "class_name": "K20 Tin",
             "phone": f"+843{i:08d}", "email": f"sv{i}@st.qnamuni.edu.vn",
             "age_confirmed": True, "created_at": NOW}
            for i in range(members)
        ))
        await insert_batches(conn, ConsentEvent.__table__, (
            {"contact_id": i, "action": "grant", "purposes_granted": ["news", "registration"],
             "purposes_refused": [], "text_version": "2026.1", "text_sha256": "a" * 64,
             "channel": "telegram", "at": NOW}
            for i in range(1, people + 1)
        ))
        if conn.dialect.name == "postgresql":  # explicit ids leave the id sequences behind
            for table in (Contact.__tablename__, ClassSession.__tablename__):
                await conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                                        f" (SELECT max(id) FROM {table}))"))
    return people


async def export(sessionmaker, texts: Texts, path: Path) -> dict[str, int]:
    async with sessionmaker() as session:
        with path.open("wb") as out:
            return await write_workbook(session, out, texts, TZ, now=NOW)


async def measure(url: str, registrations: int, members: int, folder: Path) -> dict:
    """Fill the database, then export twice: once timed with RSS, once under tracemalloc."""
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    texts = Texts.load()
    consents = await fill(engine, registrations, members)
    path = folder / "export.xlsx"

    gc.collect()
    exact = reset_peak_rss()
    rss_before = proc_status_kb("VmRSS")
    hwm_before = proc_status_kb("VmHWM")
    started = time.perf_counter()
    counts = await export(sessionmaker, texts, path)
    seconds = time.perf_counter() - started
    hwm_after = proc_status_kb("VmHWM")

    gc.collect()
    tracemalloc.start()
    await export(sessionmaker, texts, path)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    await engine.dispose()
    return {
        "rows": f"{registrations}/{members}/{consents}", "seconds": seconds,
        "traced_mb": traced_peak / 2**20,
        "rss_growth_mb": (hwm_after - (rss_before if exact else hwm_before)) / 1024,
        "rss_mb": (rss_before / 1024, hwm_after / 1024), "exact": exact,
        "file_kb": path.stat().st_size / 1024,
        "cells": sum(rows * WIDTHS[sheet] for sheet, rows in counts.items()),
    }


def run(registrations: int, members: int) -> dict:
    """A fresh migrated SQLite database in a temporary folder, filled and exported."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        upgrade(url)  # blocking: outside the event loop
        return asyncio.run(measure(url, registrations, members, Path(folder)))


def main() -> int:
    """Run the small and the large export and print the figures next to the targets."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registrations", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=5_000)
    args = parser.parse_args()

    small = run(args.registrations // 10, args.members // 10)  # also warms up the imports
    large = run(args.registrations, args.members)
    print("rows (registrations/members/consents)   time      tracemalloc peak   "
          "RSS peak growth   RSS before → peak   file      cells")
    for result in (small, large):
        before, peak = result["rss_mb"]
        print(f"{result['rows']:<40}{result['seconds']:6.2f} s  {result['traced_mb']:9.1f} MB"
              f"  {result['rss_growth_mb']:12.1f} MB   {before:6.1f} → {peak:6.1f} MB"
              f"  {result['file_kb']:7.0f} kB  {result['cells']:>7}")
    print(f"{'targets':<40}{'< ' + str(TARGET_SECONDS):>6} s  {'< ' + str(TARGET_MB):>9} MB"
          f"  {'< ' + str(TARGET_MB):>12} MB")
    if not large["exact"]:
        print("(VmHWM could not be reset: RSS growth is measured against the earlier peak)")
    ok = large["seconds"] < TARGET_SECONDS and max(
        large["traced_mb"], large["rss_growth_mb"]
    ) < TARGET_MB
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
