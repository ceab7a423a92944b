"""Real-browser fixtures: the whole aiohttp app served in-process on a free port, Debian's
Chromium driven by Playwright (never a downloaded browser), a page per test with the viewport
its ``viewport`` mark asks for, and a screenshot of that page saved for every test.

Tests find things as a person does (by role, label and visible text), never by CSS structure,
so the page can be restyled without breaking them."""

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import unused_port

from bot.channels.web import WebChat
from bot.dashboard import Dashboard
from bot.settings import Settings
from bot.web import start_web
from bot.wiring import Core, build_core

ADMIN = "telegram:999"  # the admin of every site: signs in to the dashboard from that chat
SCREENSHOTS = Path(__file__).parents[2] / "test-artifacts" / "screenshots"
# Headless, offline and quiet: no first-run pages, no updates or sync calling out (the machine
# has no network), no GPU, and no sandbox (CI runs as root, where Chromium's sandbox refuses).
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DEFAULT_VIEWPORT = (1280, 800)


def pytest_configure(config):
    config.addinivalue_line("markers", "viewport(width, height): the page fixture's size")


@dataclass
class Site:
    """The running app: its address and the core behind it (settings, database)."""

    url: str
    core: Core


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium (``.ci/run`` installs it), or the one $CHROMIUM names."""
    path = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    found = shutil.which(path)
    if found is None:
        pytest.skip(f"no Chromium at {path}: install Debian's chromium (.ci/run does) "
                    "or point $CHROMIUM at one")
    return found


@pytest.fixture
async def site(db_url, tmp_path):
    """The app as ``python -m bot run`` serves it (health check, web chat and dashboard), on a
    free port of the loopback, over a migrated database of its own, with one admin."""
    port = unused_port()
    settings = Settings(_env_file=None, database_url=db_url, web_host="127.0.0.1",
                        web_port=port, export_dir=tmp_path / "exports", admin_ids=ADMIN)
    core = build_core(settings)
    runner = await start_web(core, [*WebChat(core).routes(), *Dashboard(core).routes()])
    try:
        yield Site(f"http://127.0.0.1:{port}", core)
    finally:
        await runner.cleanup()
        await core.close()


@pytest.fixture
async def other_site():
    """A second local origin (another port) serving an empty page: where a hostile page would
    come from. Same site for cookies (ports do not count), a different origin for CORS."""
    async def blank(_request):
        return web.Response(text="<!doctype html><title>x</title>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/", blank)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = unused_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def browser(chromium_path):
    playwright_api = pytest.importorskip("playwright.async_api")
    async with playwright_api.async_playwright() as playwright:
        # launch() gives every browser a fresh, empty profile of its own
        browser = await playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def page(browser, request):
    """A page in a fresh context (no cookies) sized by the test's ``viewport`` mark; its
    screenshot is saved when the test ends, passed or failed."""
    mark = request.node.get_closest_marker("viewport")
    width, height = mark.args if mark else DEFAULT_VIEWPORT
    context = await browser.new_context(viewport={"width": width, "height": height},
                                        locale="vi-VN")
    context.set_default_timeout(10_000)
    page = await context.new_page()
    try:
        yield page
    finally:
        await save_screenshot(page, request.node.name)
        await context.close()


async def save_screenshot(page, name: str) -> Path:
    """What the screen shows, as ``test-artifacts/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    await page.screenshot(path=path)
    return path
