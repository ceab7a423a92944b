"""PTB's requests over aiohttp: timeouts, unreachable servers and proxies as PTB expects them."""

import asyncio
import traceback

import pytest
from aiohttp import web
from aiohttp.test_utils import unused_port
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.channels.telegram_request import AiohttpRequest

TOKEN = "123456:SECRET-token-value"
ME = {"id": 1, "is_bot": True, "first_name": "Bot", "username": "plan1349_bot"}


@pytest.fixture
async def server():
    """A stand-in server: answers getMe after ``delay`` seconds and records what it was asked."""
    asked: list[web.Request] = []
    state = {"delay": 0.0}

    async def answer(request: web.Request) -> web.Response:
        asked.append(request)
        await asyncio.sleep(state["delay"])
        return web.json_response({"ok": True, "result": ME})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    port = unused_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield port, asked, state
    await runner.cleanup()


def bot_at(base: str, request: AiohttpRequest) -> Bot:
    return Bot(TOKEN, base_url=f"{base}/bot", request=request, get_updates_request=request)


async def test_a_slow_answer_is_a_timeout(server):
    port, _, state = server
    state["delay"] = 0.5
    request = AiohttpRequest(read_timeout=0.1)
    async with request:
        with pytest.raises(TimedOut) as failed:
            await bot_at(f"http://127.0.0.1:{port}", request).get_me()
    assert TOKEN not in "".join(traceback.format_exception(failed.value))


@pytest.mark.parametrize("base", [f"http://127.0.0.1:{unused_port()}", "127.0.0.1"],
                         ids=["nobody-listens", "no-scheme"])
async def test_an_unusable_server_address_is_a_network_error_that_hides_the_token(base):
    request = AiohttpRequest()
    async with request:
        with pytest.raises(NetworkError) as failed:
            await bot_at(base, request).get_me()
    assert TOKEN not in "".join(traceback.format_exception(failed.value))  # logs show this


async def test_requests_go_through_the_proxy_the_environment_names(server, monkeypatch):
    port, asked, _ = server
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{port}")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    request = AiohttpRequest()
    async with request:
        me = await bot_at("http://api.telegram.invalid", request).get_me()
    assert me.username == "plan1349_bot"
    assert asked[0].host == "api.telegram.invalid" and asked[0].path.endswith("/getMe")


async def test_a_server_in_no_proxy_is_reached_directly(server, monkeypatch):
    port, asked, _ = server
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{unused_port()}")  # nobody listens
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    request = AiohttpRequest()
    async with request:
        me = await bot_at(f"http://127.0.0.1:{port}", request).get_me()
    assert me.username == "plan1349_bot" and len(asked) == 1
