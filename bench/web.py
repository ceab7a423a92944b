"""Measure the web chat over real HTTP: requests/s of visitors talking to it, then the p95 of one
real visitor while a flood from one address (new sessions, as fast as it can) is refused by the
limiter.

Run from the repository root: ``.venv/bin/python bench/web.py [--seconds 10]``.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: make `bot`, `handlers`… importable

from bot.channels.web import COOKIE, CSRF_HEADER, WebChat  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.web import init_app  # noqa: E402
from bot.wiring import build_core  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Contact  # noqa: E402

TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
WORDS = ["/start", "năng suất là gì", "lớp học", "câu lạc bộ", "hạn báo cáo"]


async def open_page(http: aiohttp.ClientSession, base: str, address: str) -> dict:
    """A visitor's headers: their address (behind the trusted proxy), cookie and token."""
    page = await http.get(f"{base}/chat/", headers={"X-Forwarded-For": address})
    value = page.cookies[COOKIE].value
    return {"X-Forwarded-For": address, "Cookie": f"{COOKIE}={value}",
            CSRF_HEADER: TOKEN.search(await page.text()).group(1)}


async def talk(http, base, headers, until: float, took: list[float] | None = None) -> int:
    """Send messages one after another until ``until``; returns how many were answered."""
    answered, n = 0, 0
    while time.monotonic() < until:
        before = time.monotonic()
        async with http.post(f"{base}/chat/api/send", headers=headers,
                             json={"text": WORDS[n % len(WORDS)], "id": f"{n}"}) as response:
            await response.read()
            answered += response.status == 200
        if took is not None:
            took.append(time.monotonic() - before)
        n += 1
    return answered


async def flood(http, base, until: float) -> tuple[int, int]:
    """New visitors from one address, each opening the page and posting at once; returns
    (requests sent, requests refused)."""
    sent = refused = 0
    address = {"X-Forwarded-For": "203.0.113.7"}
    while time.monotonic() < until:
        async with http.get(f"{base}/chat/", headers=address) as page:
            html = await page.text()
            cookie = page.cookies.get(COOKIE)
        sent += 1
        if page.status != 200:
            refused += 1
            continue
        headers = {**address, "Cookie": f"{COOKIE}={cookie.value}",
                   CSRF_HEADER: TOKEN.search(html).group(1)}
        async with http.post(f"{base}/chat/api/send", json={"text": "/start"},
                             headers=headers) as response:
            await response.read()
        sent += 1
        refused += response.status != 200
    return sent, refused


async def main(seconds: float, visitors: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        await asyncio.to_thread(upgrade, url)
        settings = Settings(_env_file=None, database_url=url, web_trusted_proxies="127.0.0.1",
                            web_session_per_minute=6000, web_session_burst=100,
                            export_dir=Path(folder))
        core = build_core(settings)
        runner = web.AppRunner(init_app(core, WebChat(core).routes()), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        jar = aiohttp.DummyCookieJar()  # each visitor carries its own cookie
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            people = [await open_page(http, base, f"198.51.100.{n + 1}")
                      for n in range(visitors)]
            start = time.monotonic()
            until = start + seconds
            answered = sum(await asyncio.gather(*(talk(http, base, p, until) for p in people)))
            print(f"{visitors} visitors talking: {answered / (time.monotonic() - start):.0f} "
                  "answered requests/s")

            me = await open_page(http, base, "192.0.2.10")
            took: list[float] = []
            until = time.monotonic() + seconds
            start = time.monotonic()
            results = await asyncio.gather(talk(http, base, me, until, took),
                                           *(flood(http, base, until) for _ in range(20)))
            elapsed = time.monotonic() - start
            sent = sum(s for s, _ in results[1:])
            refused = sum(r for _, r in results[1:])
            p95 = statistics.quantiles(took, n=20)[-1] * 1000
            async with core.sessionmaker() as session:
                contacts = (await session.execute(select(func.count(Contact.id)))).scalar()
            print(f"flood of new visitors from one address: {sent / elapsed:.0f} requests/s, "
                  f"{refused / sent:.1%} refused, {contacts - visitors - 1} contacts left; "
                  f"a real visitor meanwhile: {len(took)} answers, "
                  f"p50 {statistics.median(took) * 1000:.0f} ms, p95 {p95:.0f} ms")
        await runner.cleanup()
        await core.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--visitors", type=int, default=10, help="visitors talking at once")
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.visitors))
