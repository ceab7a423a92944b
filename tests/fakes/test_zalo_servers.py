"""Tests of the Zalo fakes (Bot Platform and OA Open API), through plain aiohttp calls."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from .zalo_bot_server import FakeZaloBot
from .zalo_oa_server import FakeZaloOA, encode_event, sign

CHAT = "6ede9afa66b88fe6d6a9"
USER = "2512523625412515"
HEX20 = re.compile(r"[0-9a-f]{20}")
SECRET = "mykey-abcxyz"


class Receiver:
    """A webhook endpoint on 127.0.0.1 that records each request and answers ``status``."""

    def __init__(self, status: int = 200):
        self.status = status
        self.requests: list[dict[str, Any]] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        self.requests.append({"headers": request.headers.copy(), "raw": raw})
        return web.Response(status=self.status)

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hook"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


@pytest.fixture
async def zbot():
    async with FakeZaloBot(poll_timeout_cap=2.0) as fake:
        yield fake


@pytest.fixture
async def receiver():
    async with Receiver() as endpoint:
        yield endpoint


@pytest.fixture
async def oa(receiver: Receiver):
    async with FakeZaloOA(webhook_url=receiver.url) as fake:
        yield fake


async def bot_call(
    fake: FakeZaloBot,
    method: str,
    *,
    token: str | None = None,
    http: str = "POST",
    form: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    **params: Any,
) -> tuple[int, dict[str, Any]]:
    """Call the Bot Platform: JSON body (``params``), form body or query string."""
    url = f"{fake.base_url}/bot{token or fake.token}/{method}"
    kwargs: dict[str, Any] = {"params": query}
    if form is not None:
        kwargs["data"] = form
    elif params:
        kwargs["json"] = params
    timeout = aiohttp.ClientTimeout(total=10)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.request(http, url, **kwargs) as response,
    ):
        return response.status, await response.json()


async def oa_call(
    fake: FakeZaloOA,
    path: str,
    *,
    token: str | None,
    body: Any = None,
    data: dict[str, Any] | None = None,
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Call the OpenAPI host: POST JSON ``body``, or GET with ``?data=<json>``."""
    headers = {"access_token": token} if token is not None else {}
    async with aiohttp.ClientSession() as session:
        if body is not None:
            request = session.post(f"{fake.openapi_base_url}{path}", json=body, headers=headers)
        else:
            params = {"data": json.dumps(data, ensure_ascii=False)} if data is not None else {}
            request = session.get(f"{fake.openapi_base_url}{path}", params=params, headers=headers)
        async with request as response:
            return response.status, await response.json(), dict(response.headers)


async def token_call(
    fake: FakeZaloOA, form: dict[str, str], *, secret_key: str | None = None
) -> dict[str, Any]:
    """POST the OAuth token endpoint like the docs: form body, ``secret_key`` header."""
    headers = {"secret_key": fake.app_secret if secret_key is None else secret_key}
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{fake.oauth_base_url}/v4/oa/access_token", data=form, headers=headers
        ) as response,
    ):
        assert response.status == 200
        return await response.json()


def cs(user_id: str, text: str, buttons: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A CS message body, with buttons in the "text + payload.buttons" form if given."""
    message: dict[str, Any] = {"text": text}
    if buttons is not None:
        message["attachment"] = {"type": "template", "payload": {"buttons": buttons}}
    return {"recipient": {"user_id": user_id}, "message": message}


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# =========================================================================== Bot Platform


async def test_bot_free_ports_and_base_url():
    async with FakeZaloBot() as one, FakeZaloBot("42:other") as two:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", one.base_url)
        assert one.base_url != two.base_url
    with pytest.raises(ValueError):
        FakeZaloBot("not-a-token")


async def test_bot_wrong_token_unknown_and_undocumented_methods(zbot: FakeZaloBot):
    assert await bot_call(zbot, "getMe", token="999:wrong") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    bad = (400, {"ok": False, "error_code": 400, "description": "Bad Request"})
    await zbot.user_says(CHAT, "xin chào")
    for method in (
        "editMessageText", "deleteMessage", "pinMessage", "banChatMember", "setChatKeyboard",
        "uploadFile", "getFileInfo", "sendTemplate", "sendDocument", "getme", "SendMessage",
    ):  # fmt: skip
        assert await bot_call(zbot, method, chat_id=CHAT, text="x") == bad, method
    assert [name for name, _ in zbot.calls][:2] == ["editMessageText", "deleteMessage"]
    status, body = await bot_call(zbot, "sendMessage", chat_id=CHAT, text="x", reply_markup={})
    assert status == 400 and "reply_markup" in body["description"]
    status, body = await bot_call(
        zbot, "sendMessage", chat_id=CHAT, text="x", reply_to_message_id="abc"
    )
    assert status == 400
    assert zbot.sent() == []
    async with aiohttp.ClientSession() as session, session.get(zbot.base_url + "/nope") as resp:
        assert resp.status == 404 and (await resp.json())["error_code"] == 404


async def test_bot_get_me_by_get_and_post(zbot: FakeZaloBot):
    status, body = await bot_call(zbot, "getMe", http="GET")
    assert status == 200 and body["ok"] is True
    assert body["result"]["id"] == "12345689"
    assert body["result"]["account_type"] == "BASIC"
    assert body["result"]["can_join_groups"] is False
    assert (await bot_call(zbot, "getMe"))[1] == body


async def test_bot_params_from_json_form_and_query_are_merged(zbot: FakeZaloBot):
    await zbot.user_says(CHAT, "hi")
    status, _ = await bot_call(zbot, "sendMessage", form={"chat_id": CHAT, "text": "form"})
    assert status == 200
    status, _ = await bot_call(zbot, "sendMessage", query={"chat_id": CHAT, "text": "query"})
    assert status == 200
    status, _ = await bot_call(zbot, "sendMessage", query={"chat_id": CHAT}, text="mixed")
    assert status == 200
    assert zbot.texts(CHAT) == ["form", "query", "mixed"]
    assert zbot.calls_to("sendMessage")[2] == {"chat_id": CHAT, "text": "mixed"}


async def test_bot_update_shapes(zbot: FakeZaloBot):
    before = time.time() * 1000
    update = await zbot.user_says(CHAT, "Xin chào", display_name="Ted")
    assert update["event_name"] == "message.text.received"
    message = update["message"]
    assert message["from"] == {"id": CHAT, "display_name": "Ted", "is_bot": False}
    assert message["chat"] == {"id": CHAT, "chat_type": "PRIVATE"}
    assert message["text"] == "Xin chào"
    assert HEX20.fullmatch(message["message_id"])
    assert before - 1000 <= message["date"] <= time.time() * 1000 + 1000  # milliseconds

    group = await zbot.user_says("zgr-123456", "@bot hello", display_name="An")
    assert group["message"]["chat"] == {"id": "zgr-123456", "chat_type": "GROUP"}
    assert HEX20.fullmatch(group["message"]["from"]["id"])

    photo = await zbot.user_sends_image(CHAT, "https://x.vn/a.jpg", "Ảnh hồ sơ")
    assert photo["event_name"] == "message.image.received"
    assert (photo["message"]["photo"], photo["message"]["caption"]) == (
        "https://x.vn/a.jpg",
        "Ảnh hồ sơ",
    )
    alt = await zbot.user_sends_image(CHAT, "https://x.vn/b.jpg", field="photo_url")
    assert alt["message"]["photo_url"] == "https://x.vn/b.jpg" and "photo" not in alt["message"]
    assert "caption" not in alt["message"]

    bare = await zbot.unsupported_event()
    assert bare == {"event_name": "message.unsupported.received"}
    other = FakeZaloBot.new_chat_id()
    with_chat = await zbot.unsupported_event(other)
    assert with_chat["message"]["chat"]["id"] == other and "text" not in with_chat["message"]
    assert other in zbot.known_chats
    assert len(zbot.pending_updates) == 6


async def test_bot_sticker_voice_updates_and_reset(zbot: FakeZaloBot):
    sticker = await zbot.user_sends_sticker(CHAT)
    assert sticker["event_name"] == "message.sticker.received"
    assert sticker["message"]["sticker"] and sticker["message"]["url"].startswith("https://")
    voice = await zbot.user_sends_voice(CHAT, "https://x.vn/v.aac")
    assert voice["event_name"] == "message.voice.received"
    assert voice["message"]["voice_url"] == "https://x.vn/v.aac"
    styles = json.dumps([{"start": 0, "len": 2, "st": ["i"]}])  # a form sends JSON text
    form = {"chat_id": CHAT, "text": "Chào", "text_styles": styles}
    assert (await bot_call(zbot, "sendMessage", form=form))[0] == 200
    zbot.reset()
    assert zbot.pending_updates == [] and zbot.sent() == [] and zbot.calls == []
    assert CHAT in zbot.known_chats  # chats stay known


async def test_bot_get_updates_returns_one_update_object_per_call(zbot: FakeZaloBot):
    first = await zbot.user_says(CHAT, "một")
    second = await zbot.user_says(CHAT, "hai")
    status, body = await bot_call(zbot, "getUpdates", timeout="30")
    assert status == 200 and body == {"ok": True, "result": first}
    assert isinstance(body["result"], dict)
    status, body = await bot_call(zbot, "getUpdates", timeout=30)  # number accepted too
    assert body == {"ok": True, "result": second}
    assert zbot.pending_updates == []


async def test_bot_long_poll_wakes_up_on_a_new_message(zbot: FakeZaloBot):
    poll = asyncio.create_task(bot_call(zbot, "getUpdates", timeout="30"))
    await zbot.wait_until(lambda: len(zbot.calls) == 1, what="the poll")
    update = await zbot.user_says(CHAT, "muộn")
    assert (await asyncio.wait_for(poll, 5))[1]["result"] == update


async def test_bot_idle_get_updates_is_408_with_http_200(zbot: FakeZaloBot):
    started = time.monotonic()
    status, body = await bot_call(zbot, "getUpdates", timeout="0.3")
    elapsed = time.monotonic() - started
    assert (status, body) == (
        200,
        {"ok": False, "error_code": 408, "description": "Request timeout"},
    )
    assert 0.25 <= elapsed < 2


async def test_bot_idle_status_and_timeout_cap_are_configurable():
    async with FakeZaloBot(idle_http_status=408, poll_timeout_cap=0.2) as fake:
        started = time.monotonic()
        status, body = await bot_call(fake, "getUpdates", timeout="30")
        assert time.monotonic() - started < 2
        assert status == 408 and body["error_code"] == 408


async def test_bot_get_updates_refuses_bad_and_telegram_params(zbot: FakeZaloBot):
    assert (await bot_call(zbot, "getUpdates", timeout="soon"))[0] == 400
    assert (await bot_call(zbot, "getUpdates", timeout="0", offset=5))[0] == 400
    assert (await bot_call(zbot, "getUpdates", timeout="0", allowed_updates=["message"]))[0] == 400


async def test_bot_stop_answers_a_pending_poll_at_once():
    fake = FakeZaloBot()
    await fake.start()
    poll = asyncio.create_task(bot_call(fake, "getUpdates", timeout="30"))
    await fake.wait_until(lambda: bool(fake.calls), what="the poll")
    started = time.monotonic()
    await fake.stop()
    assert time.monotonic() - started < 2
    assert (await asyncio.wait_for(poll, 5))[1]["error_code"] == 408


async def test_bot_send_message_rules(zbot: FakeZaloBot):
    status, body = await bot_call(zbot, "sendMessage", chat_id=CHAT, text="chưa nhắn")
    assert (status, body["description"]) == (400, "chat not found")
    await zbot.user_says(CHAT, "hi")

    status, body = await bot_call(zbot, "sendMessage", chat_id=CHAT, text="Xin chào!")
    assert status == 200 and set(body["result"]) == {"message_id", "date"}
    assert HEX20.fullmatch(body["result"]["message_id"])
    assert isinstance(body["result"]["date"], int)

    assert (await bot_call(zbot, "sendMessage", chat_id=CHAT, text=""))[0] == 400
    assert (await bot_call(zbot, "sendMessage", chat_id=CHAT, text="a" * 2000))[0] == 200
    assert (await bot_call(zbot, "sendMessage", chat_id=CHAT, text="a" * 2001))[0] == 400
    emoji = "😀" * 1000  # 1000 code points, 2000 UTF-16 units
    assert utf16(emoji) == 2000
    assert (await bot_call(zbot, "sendMessage", chat_id=CHAT, text=emoji))[0] == 200
    too_long = emoji + "ă"  # 1001 code points, 2001 UTF-16 units
    assert (await bot_call(zbot, "sendMessage", chat_id=CHAT, text=too_long))[0] == 400

    for mode, expected in (("markdown", 200), ("html", 200), ("MarkdownV2", 400), ("HTML", 400)):
        status, _ = await bot_call(
            zbot, "sendMessage", chat_id=CHAT, text="**đậm**", parse_mode=mode
        )
        assert status == expected, mode
    styles = [{"start": 0, "len": 7, "st": ["b", "c_db342e"]}]
    ok = await bot_call(zbot, "sendMessage", chat_id=CHAT, text="Xin chào", text_styles=styles)
    assert ok[0] == 200
    bad_styles = [{"start": 0, "len": 99, "st": ["b"]}]
    bad = await bot_call(zbot, "sendMessage", chat_id=CHAT, text="Xin", text_styles=bad_styles)
    assert bad[0] == 400

    sent = zbot.sent(CHAT)
    assert [e["parse_mode"] for e in sent] == [None, None, None, "markdown", "html", None]
    assert sent[-1]["text_styles"] == styles and sent[0]["method"] == "sendMessage"
    assert zbot.monthly_sent == 6


async def test_bot_send_chat_action_has_no_result(zbot: FakeZaloBot):
    await zbot.user_says(CHAT, "hi")
    assert await bot_call(zbot, "sendChatAction", chat_id=CHAT, action="typing") == (
        200,
        {"ok": True},
    )
    assert (await bot_call(zbot, "sendChatAction", chat_id=CHAT, action="record_voice"))[0] == 400
    assert zbot.chat_actions == [(CHAT, "typing")] and zbot.sent() == []


async def test_bot_photo_sticker_and_voice(zbot: FakeZaloBot):
    await zbot.user_says(CHAT, "hi")
    await zbot.user_says("zgr-1", "hi group")
    status, body = await bot_call(zbot, "sendPhoto", chat_id=CHAT, photo="data:image/png;base64,")
    assert (status, body["description"]) == (400, "The photo must start with http:// or https://")
    async with aiohttp.ClientSession() as session:
        form = aiohttp.FormData({"chat_id": CHAT})
        form.add_field("photo", b"\x89PNG", filename="a.png", content_type="image/png")
        url = f"{zbot.base_url}/bot{zbot.token}/sendPhoto"
        async with session.post(url, data=form) as response:
            assert response.status == 400
            assert (await response.json())["description"] == "The photo must not be empty"
    ok = await bot_call(
        zbot, "sendPhoto", chat_id=CHAT, photo="https://x.vn/p.jpg", caption="Lịch"
    )
    assert ok[0] == 200
    assert (await bot_call(zbot, "sendSticker", chat_id=CHAT, sticker="0e078a2f"))[0] == 200
    voice = "https://x.vn/nhac.aac"
    assert (await bot_call(zbot, "sendVoice", chat_id=CHAT, voice_url=voice))[0] == 200
    assert (await bot_call(zbot, "sendVoice", chat_id=CHAT, voice_url="https://x/a.mp3"))[0] == 400
    assert (await bot_call(zbot, "sendVoice", chat_id="zgr-1", voice_url=voice))[0] == 400
    assert [e["method"] for e in zbot.sent()] == ["sendPhoto", "sendSticker", "sendVoice"]
    assert zbot.sent()[0]["caption"] == "Lịch"


async def test_bot_monthly_quota_gives_429():
    async with FakeZaloBot(monthly_quota=2) as fake:
        await fake.user_says(CHAT, "hi")
        for _ in range(2):
            assert (await bot_call(fake, "sendMessage", chat_id=CHAT, text="x"))[0] == 200
        assert await bot_call(fake, "sendMessage", chat_id=CHAT, text="x") == (
            429,
            {"ok": False, "error_code": 429, "description": "Quota exceeded"},
        )
        assert (await bot_call(fake, "sendPhoto", chat_id=CHAT, photo="https://x/p.jpg"))[0] == 429
        assert fake.monthly_sent == 2 and len(fake.sent()) == 2
        fake.set_quota(3)
        assert (await bot_call(fake, "sendMessage", chat_id=CHAT, text="x"))[0] == 200
        fake.new_month()
        assert fake.monthly_sent == 0


async def test_bot_set_webhook_rules_and_info(zbot: FakeZaloBot):
    status, body = await bot_call(zbot, "getWebhookInfo")
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    cases = [
        ("http://bot.example.gov.vn/hook", SECRET),  # not https
        ("ftp://bot.example.gov.vn/hook", SECRET),
        ("https://bot.example.gov.vn/hook", "short"),  # secret < 8
        ("https://bot.example.gov.vn/hook", "s" * 257),  # secret > 256
        ("https://bot.example.gov.vn/hook", ""),
    ]
    for url, secret in cases:
        assert (await bot_call(zbot, "setWebhook", url=url, secret_token=secret))[0] == 400, url
    assert zbot.webhook is None
    url = "https://bot.example.gov.vn/zalo/webhook"
    status, body = await bot_call(zbot, "setWebhook", url=url, secret_token="s" * 256)
    assert status == 200 and body["result"]["url"] == url
    assert body["result"]["verification"]["outcome"] == "webhook.ok"
    assert isinstance(body["result"]["updated_at"], int)
    status, body = await bot_call(zbot, "getWebhookInfo")
    assert body["result"] == {"url": url, "updated_at": body["result"]["updated_at"]}
    loopback = "http://127.0.0.1:9/hook"  # plain http is allowed to loopback, for tests
    assert (await bot_call(zbot, "setWebhook", url=loopback, secret_token=SECRET))[0] == 200
    assert await bot_call(zbot, "getUpdates", timeout="0") == (
        400,
        {"ok": False, "error_code": 400, "description": "Webhook is active"},
    )
    status, body = await bot_call(zbot, "deleteWebhook")
    assert status == 200 and body["result"]["url"] == ""
    assert (await bot_call(zbot, "getWebhookInfo"))[1]["result"]["url"] == ""
    assert (await bot_call(zbot, "getUpdates", timeout="0"))[1]["error_code"] == 408


async def test_bot_get_webhook_info_documented_variant():
    async with FakeZaloBot() as fake:
        fake.webhook_info_404 = False
        assert await bot_call(fake, "getWebhookInfo") == (
            200,
            {"ok": True, "result": {"url": "", "updated_at": 0}},
        )


@pytest.mark.parametrize("wrap", [False, True])
async def test_bot_webhook_delivery_bare_or_wrapped_with_secret(wrap: bool):
    async with Receiver() as receiver, FakeZaloBot(wrap_webhook=wrap) as fake:
        await bot_call(fake, "setWebhook", url=receiver.url, secret_token=SECRET)
        update = await fake.user_says(CHAT, "Tôi muốn đăng ký")
        assert len(receiver.requests) == 1 and fake.pending_updates == []
        request = receiver.requests[0]
        assert request["headers"]["X-Bot-Api-Secret-Token"] == SECRET
        assert request["headers"]["Content-Type"].startswith("application/json")
        assert request["headers"]["User-Agent"].startswith("Java/")
        body = json.loads(request["raw"])
        assert body == ({"ok": True, "result": update} if wrap else update)
        assert fake.webhook_deliveries[-1]["status"] == 200
        assert CHAT in fake.known_chats

        receiver.status = 403
        assert await fake.redeliver(update) == 403
        assert json.loads(receiver.requests[1]["raw"]) == body
        assert await fake.redeliver(update, secret="wrong-secret") == 403
        assert receiver.requests[2]["headers"]["X-Bot-Api-Secret-Token"] == "wrong-secret"
        assert await fake.redeliver(update, secret="") == 403
        assert "X-Bot-Api-Secret-Token" not in receiver.requests[3]["headers"]
        assert [d["status"] for d in fake.webhook_deliveries] == [200, 403, 403, 403]


async def test_bot_webhook_unreachable_is_recorded(zbot: FakeZaloBot):
    async with Receiver() as receiver:
        url = receiver.url
    await bot_call(zbot, "setWebhook", url=url, secret_token=SECRET)  # nobody listens now
    await zbot.user_says(CHAT, "hi")
    delivery = zbot.webhook_deliveries[-1]
    assert delivery["status"] == 0 and delivery["error"]


async def test_bot_fail_next(zbot: FakeZaloBot):
    await zbot.user_says(CHAT, "hi")
    zbot.fail_next("sendMessage")
    zbot.fail_next("sendMessage", 403, description="internal server error")
    assert await bot_call(zbot, "sendMessage", chat_id=CHAT, text="a") == (
        500,
        {"ok": False, "error_code": 500, "description": "Internal Server Error"},
    )
    assert (await bot_call(zbot, "sendMessage", chat_id=CHAT, text="b"))[0] == 403
    assert (await bot_call(zbot, "sendMessage", chat_id=CHAT, text="c"))[0] == 200
    assert zbot.texts() == ["c"] and len(zbot.calls_to("sendMessage")) == 3
    zbot.fail_next("getUpdates", 200, error_code=401, description="Unauthorized")
    assert (await bot_call(zbot, "getUpdates", timeout="0"))[1]["error_code"] == 401
    zbot.fail_next("sendMessage", 0)  # a transport error
    with pytest.raises(aiohttp.ClientError):
        await bot_call(zbot, "sendMessage", chat_id=CHAT, text="d")
    assert (await bot_call(zbot, "sendMessage", chat_id=CHAT, text="e"))[0] == 200


async def test_bot_wait_until_is_bounded(zbot: FakeZaloBot):
    with pytest.raises(TimeoutError, match="a reply"):
        await zbot.wait_until(lambda: False, timeout=0.1, what="a reply")


# =========================================================================== OA Open API


async def test_oa_free_ports_and_base_urls():
    async with FakeZaloOA() as one, FakeZaloOA() as two:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", one.openapi_base_url)
        assert one.oauth_base_url == one.openapi_base_url != two.openapi_base_url


async def test_oa_authorization_code_grant_with_pkce(oa: FakeZaloOA):
    verifier = "v" * 43
    code = oa.issue_code(oa.code_challenge_for(verifier))
    form = {"code": code, "app_id": oa.app_id, "grant_type": "authorization_code"}
    bad = await token_call(oa, {**form, "code_verifier": "x" * 43})
    assert bad["error"] < 0 and "error_name" in bad
    code = oa.issue_code(oa.code_challenge_for(verifier))
    form["code"] = code
    body = await token_call(oa, {**form, "code_verifier": verifier})
    assert set(body) == {"access_token", "refresh_token", "expires_in"}
    assert body["expires_in"] == "90000"
    again = await token_call(oa, {**form, "code_verifier": verifier})  # a code works once
    assert again["error"] < 0
    status, detail, _ = await oa_call(oa, "/v2.0/oa/getoa", token=body["access_token"])
    assert detail["error"] == 0

    expired = oa.issue_code()
    oa.advance_clock(hours=1)
    assert (await token_call(oa, {**form, "code": expired, "code_verifier": "z"}))["error"] < 0


async def test_oa_token_endpoint_checks_secret_key_and_app_id(oa: FakeZaloOA):
    _, refresh = oa.issue_tokens()
    form = {"refresh_token": refresh, "app_id": oa.app_id, "grant_type": "refresh_token"}
    assert (await token_call(oa, form, secret_key="wrong"))["error"] < 0
    assert (await token_call(oa, {**form, "app_id": "1"}))["error"] < 0
    assert (await token_call(oa, {**form, "grant_type": "password"}))["error"] < 0
    assert "access_token" in await token_call(oa, form)  # the refresh token was not burnt


async def test_oa_refresh_rotates_and_the_old_refresh_token_is_refused(oa: FakeZaloOA):
    access, refresh = oa.issue_tokens()
    form = {"refresh_token": refresh, "app_id": oa.app_id, "grant_type": "refresh_token"}
    first = await token_call(oa, form)
    assert first["expires_in"] == "90000"
    assert first["access_token"] != access and first["refresh_token"] != refresh
    assert await token_call(oa, form) == {"error": -14014, "error_name": "Invalid refresh token"}
    second = await token_call(oa, {**form, "refresh_token": first["refresh_token"]})
    assert second["refresh_token"] not in (refresh, first["refresh_token"])
    assert [call["error"] for call in oa.refresh_calls] == [0, -14014, 0]
    assert oa.refresh_calls[0]["refresh_token"] == refresh
    for token in (first["access_token"], second["access_token"]):
        assert (await oa_call(oa, "/v2.0/oa/getoa", token=token))[1]["error"] == 0


async def test_oa_missing_unknown_and_expired_tokens(oa: FakeZaloOA):
    invalid = {"error": -216, "message": "Access token is invalid"}
    for token in (None, "", "not-a-token"):
        status, body, _ = await oa_call(oa, "/v3.0/oa/message/cs", token=token, body=cs(USER, "x"))
        assert (status, body) == (200, invalid)
    access, _ = oa.issue_tokens()
    oa.expire_access_token()
    status, body, _ = await oa_call(oa, "/v2.0/oa/getoa", token=access)
    assert status == 200 and body["error"] == -220 and "data" not in body

    fresh, _ = oa.issue_tokens()
    assert (await oa_call(oa, "/v2.0/oa/getoa", token=fresh))[1]["error"] == 0
    oa.advance_clock(hours=24, days=0)
    assert (await oa_call(oa, "/v2.0/oa/getoa", token=fresh))[1]["error"] == 0
    oa.advance_clock(hours=1)  # 25 h
    assert (await oa_call(oa, "/v2.0/oa/getoa", token=fresh))[1]["error"] == -220


async def test_oa_webhook_mac_verifies_on_raw_bytes_only(oa: FakeZaloOA, receiver: Receiver):
    event, status = await oa.user_says(USER, "Tôi muốn đăng ký")
    assert status == 200
    request = receiver.requests[0]
    raw, header = request["raw"], request["headers"]["X-ZEvent-Signature"]
    assert header.startswith("mac=")
    parsed = json.loads(raw)
    assert parsed == event
    assert parsed["event_name"] == "user_send_text" and parsed["app_id"] == oa.app_id
    assert parsed["sender"] == {"id": USER} and parsed["recipient"] == {"id": oa.oa_id}
    assert parsed["message"]["text"] == "Tôi muốn đăng ký" and parsed["message"]["msg_id"]
    assert isinstance(parsed["timestamp"], str) and parsed["timestamp"].isdigit()

    def mac(body: bytes) -> str:
        material = oa.app_id.encode() + body + parsed["timestamp"].encode()
        return "mac=" + hashlib.sha256(material + oa.oa_secret_key.encode()).hexdigest()

    assert header == mac(raw)
    reserialised = json.dumps(parsed).encode()
    assert reserialised != raw and mac(reserialised) != header
    # The app secret is not the key; oa_id is not the first term.
    assert header != sign(oa.app_id, raw, parsed["timestamp"], oa.app_secret)
    assert header != sign(oa.oa_id, raw, parsed["timestamp"], oa.oa_secret_key)
    assert oa.webhook_deliveries[0]["body"] == raw


async def test_oa_wrong_signature_flag_signs_with_the_app_secret():
    async with Receiver() as receiver, FakeZaloOA(wrong_signature=True) as fake:
        fake.webhook_url = receiver.url
        event, _ = await fake.user_says(USER, "hi")
        raw = receiver.requests[0]["raw"]
        header = receiver.requests[0]["headers"]["X-ZEvent-Signature"]
        assert header != sign(fake.app_id, raw, event["timestamp"], fake.oa_secret_key)
        assert header == sign(fake.app_id, raw, event["timestamp"], fake.app_secret)


async def test_oa_post_event_redelivery_forgery_and_raw_bytes(oa: FakeZaloOA, receiver: Receiver):
    event, _ = await oa.user_says(USER, "một lần")
    assert await oa.post_event(event) == 200  # a retry: same bytes, same msg_id, same mac
    assert receiver.requests[1]["raw"] == receiver.requests[0]["raw"]
    assert (
        receiver.requests[1]["headers"]["X-ZEvent-Signature"]
        == receiver.requests[0]["headers"]["X-ZEvent-Signature"]
    )
    receiver.status = 401
    assert await oa.post_event(event, signature="mac=" + "0" * 64) == 401
    assert receiver.requests[2]["headers"]["X-ZEvent-Signature"] == "mac=" + "0" * 64
    assert await oa.post_event(event, signature="") == 401
    assert "X-ZEvent-Signature" not in receiver.requests[3]["headers"]
    raw = json.dumps(event, indent=2).encode()
    await oa.post_event(event, raw=raw)
    assert receiver.requests[4]["raw"] == raw
    assert receiver.requests[4]["headers"]["X-ZEvent-Signature"] == sign(
        oa.app_id, raw, event["timestamp"], oa.oa_secret_key
    )
    assert [d["status"] for d in oa.webhook_deliveries] == [200, 200, 401, 401, 401]
    assert encode_event(event) == receiver.requests[0]["raw"]


async def test_oa_simulated_user_events(oa: FakeZaloOA):
    tap, _ = await oa.user_taps(USER, "#dangky")
    assert tap["event_name"] == "user_send_text" and tap["message"]["text"] == "#dangky"
    follow, _ = await oa.user_follows(USER)
    assert follow["event_name"] == "follow" and follow["oa_id"] == oa.oa_id
    assert follow["follower"] == {"id": USER} and "sender" not in follow
    info = {
        "name": "Nguyễn Văn A",
        "phone": "84912345678",
        "full_address": {"user_city": "Quảng Nam", "user_address": "1 Trần Hưng Đạo"},
    }
    submitted, _ = await oa.user_submits_info(USER, info)
    assert submitted["event_name"] == "user_submit_info" and submitted["info"] == info
    image, _ = await oa.user_sends_image(USER, "https://x.vn/a.jpg")
    assert image["message"]["attachments"][0]["type"] == "image"
    echo, _ = await oa.admin_sends(USER, "Chào bạn")
    assert echo["sender"]["id"] == oa.oa_id and echo["recipient"] == {"id": USER}
    await oa.wait_until(lambda: len(oa.webhook_deliveries) == 5, what="5 deliveries")
    assert len({e["message"]["msg_id"] for e in (tap, image, echo)}) == 3
    with pytest.raises(ValueError):
        await oa.user_says(CHAT, "a Bot Platform id is not an OA user id")


async def test_oa_unfollow_and_revoked_tokens(oa: FakeZaloOA):
    access, refresh = oa.issue_tokens()
    await oa.user_follows(USER)
    before = oa.last_interaction(USER)
    oa.advance_clock(hours=1)
    event, status = await oa.user_unfollows(USER)
    assert status == 200 and event["event_name"] == "unfollow"
    assert oa.last_interaction(USER) == before  # unfollowing is not an interaction
    oa.revoke_tokens()
    assert (await oa_call(oa, "/v2.0/oa/getoa", token=access))[1]["error"] == -216
    form = {"refresh_token": refresh, "app_id": oa.app_id, "grant_type": "refresh_token"}
    assert (await token_call(oa, form))["error"] == -14014


async def test_oa_user_says_needs_a_webhook():
    async with FakeZaloOA() as fake:
        with pytest.raises(RuntimeError):
            await fake.user_says(USER, "hi")
        with pytest.raises(RuntimeError):
            await fake.user_follows(USER)
        assert fake.last_interaction(USER) is None


async def test_oa_cs_reply_window_and_billing(oa: FakeZaloOA):
    token, _ = oa.issue_tokens()
    path = "/v3.0/oa/message/cs"
    _, body, headers = await oa_call(oa, path, token=token, body=cs(USER, "chưa tương tác"))
    assert body == {
        "error": -230,
        "message": "User has not interacted with the OA in the past 7 days",
    }
    assert headers["X-RateLimit-Limit"] == "4000" and int(headers["X-RateLimit-Remain"]) < 4000

    event, _ = await oa.user_says(USER, "hi")
    assert oa.last_interaction(USER) is not None
    _, body, _ = await oa_call(oa, path, token=token, body=cs(USER, "Xin chào!"))
    assert body["error"] == 0 and body["message"] == "Success"
    data = body["data"]
    assert set(data) == {"message_id", "user_id", "sent_time", "quota"}
    assert data["user_id"] == USER and isinstance(data["sent_time"], str)
    assert data["quota"] == {"quota_type": "reply"}

    oa.advance_clock(hours=47)
    token, _ = oa.issue_tokens()  # access tokens live 25 h on the fake clock
    assert (await oa_call(oa, path, token=token, body=cs(USER, "47h")))[1]["error"] == 0
    oa.advance_clock(days=3)
    token, _ = oa.issue_tokens()
    _, body, _ = await oa_call(oa, path, token=token, body=cs(USER, "3 ngày sau"))
    assert body["data"]["quota"]["quota_type"] == "sub_quota"
    oa.advance_clock(days=4)  # more than 7 days since the message
    token, _ = oa.issue_tokens()
    assert (await oa_call(oa, path, token=token, body=cs(USER, "quá hạn")))[1]["error"] == -230

    assert [(e["text"], e["quota_type"], e["billable"]) for e in oa.sent(USER)] == [
        ("Xin chào!", "reply", False),
        ("47h", "reply", False),
        ("3 ngày sau", "sub_quota", True),
    ]
    await oa.user_says(USER, "quay lại")  # a new interaction reopens the free window
    _, body, _ = await oa_call(oa, path, token=token, body=cs(USER, "lại miễn phí"))
    assert body["data"]["quota"]["quota_type"] == "reply"
    assert oa.last_interaction(USER) - oa.now() < timedelta(seconds=5)
    assert event["timestamp"] != oa.sent()[-1]["sent_time"]


@pytest.mark.parametrize(
    ("ago", "expected"),
    [
        (timedelta(hours=47, minutes=59), ("reply", False)),
        (timedelta(hours=48, minutes=1), ("sub_quota", True)),
        (timedelta(days=6, hours=23), ("sub_quota", True)),
        (timedelta(days=7, minutes=1), None),
    ],
)
async def test_oa_cs_window_boundaries(
    oa: FakeZaloOA, ago: timedelta, expected: tuple[str, bool] | None
):
    token, _ = oa.issue_tokens()
    oa.set_user(USER, last_interaction=oa.now() - ago)
    _, body, _ = await oa_call(oa, "/v3.0/oa/message/cs", token=token, body=cs(USER, "nhắc"))
    if expected is None:
        assert body["error"] == -230 and oa.sent() == []
    else:
        assert body["data"]["quota"]["quota_type"] == expected[0]
        assert (oa.sent()[0]["quota_type"], oa.sent()[0]["billable"]) == expected


async def test_oa_cs_text_and_button_validation(oa: FakeZaloOA):
    token, _ = oa.issue_tokens()
    path = "/v3.0/oa/message/cs"
    await oa.user_says(USER, "hi")
    text_invalid = {"error": -201, "message": "text is invalid!"}
    assert (await oa_call(oa, path, token=token, body=cs(USER, "a" * 2001)))[1] == text_invalid
    assert (await oa_call(oa, path, token=token, body=cs(USER, "")))[1] == text_invalid
    assert (await oa_call(oa, path, token=token, body=cs(USER, "a" * 2000)))[1]["error"] == 0

    buttons = [
        {"title": "Đăng ký tham gia", "type": "oa.query.show", "payload": "#dangky"},
        {"title": "Xem kế hoạch", "type": "oa.query.hide", "payload": "#kehoach"},
        {"title": "Trang thông tin", "type": "oa.open.url", "payload": {"url": "https://x.vn"}},
        {"title": "Gọi", "type": "oa.open.phone", "payload": {"phone_code": "84912345678"}},
        {
            "title": "SMS",
            "type": "oa.open.sms",
            "payload": {"content": "DK", "phone_code": "84912345678"},
        },
    ]
    ok = await oa_call(oa, path, token=token, body=cs(USER, "Bạn muốn làm gì?", buttons))
    assert ok[1]["error"] == 0
    assert oa.sent(USER)[-1]["buttons"] == buttons
    six = buttons + [{"title": "Thêm", "type": "oa.query.show", "payload": "#them"}]
    _, body, _ = await oa_call(oa, path, token=token, body=cs(USER, "6 nút", six))
    assert body["error"] == -201
    for bad in (
        {"title": "Gọi lại", "type": "oa.query.callback", "payload": "#x"},
        {"title": "", "type": "oa.query.show", "payload": "#x"},
        {"title": "Link", "type": "oa.open.url", "payload": "https://x.vn"},
        {"title": "x" * 101, "type": "oa.query.show", "payload": "#x"},
    ):
        _, body, _ = await oa_call(oa, path, token=token, body=cs(USER, "nút sai", [bad]))
        assert body["error"] == -201, bad
    _, body, _ = await oa_call(oa, path, token=token, body=cs(USER, "a" * 2001, buttons))
    assert body == text_invalid
    assert len(oa.sent()) == 2


async def test_oa_cs_other_forms_and_bad_bodies(oa: FakeZaloOA):
    token, _ = oa.issue_tokens()
    path = "/v3.0/oa/message/cs"
    await oa.user_says(USER, "hi")
    form = {
        "recipient": {"user_id": USER},
        "message": {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "request_user_info",
                    "elements": [{"title": "Sở KH&CN", "subtitle": "Xin thông tin để đăng ký"}],
                },
            }
        },
    }
    assert (await oa_call(oa, path, token=token, body=form))[1]["error"] == 0
    assert oa.sent()[-1]["text"] is None and oa.sent()[-1]["buttons"] == []
    elements = form["message"]["attachment"]["payload"]["elements"]
    elements.append(dict(elements[0]))
    assert (await oa_call(oa, path, token=token, body=form))[1]["error"] == -201
    for body in (
        {"message": {"text": "không có người nhận"}},
        {"recipient": {"user_id": int(USER)}, "message": {"text": "số"}},
        {"recipient": {"user_id": CHAT}, "message": {"text": "id Bot Platform"}},
        {"recipient": {"user_id": USER}},
        [1, 2],
    ):
        assert (await oa_call(oa, path, token=token, body=body))[1]["error"] == -201, body
    list_template = {"template_type": "list", "elements": []}
    body = {
        "recipient": {"user_id": USER},
        "message": {"attachment": {"type": "template", "payload": list_template}},
    }
    assert (await oa_call(oa, path, token=token, body=body))[1]["error"] == -201


async def test_oa_quota_user_detail_and_getoa(oa: FakeZaloOA):
    token, _ = oa.issue_tokens()
    status, body, _ = await oa_call(
        oa, "/v3.0/oa/quota/message", token=token, body={"user_id": USER}
    )
    assert status == 200 and body["error"] == -230
    event, _ = await oa.user_says(USER, "hi")
    _, body, _ = await oa_call(oa, "/v3.0/oa/quota/message", token=token, body={"user_id": USER})
    assert body == {
        "data": {"last_interaction": event["timestamp"]},
        "error": 0,
        "message": "Success",
    }

    oa.set_user(USER, display_name="Nguyễn Văn A")
    _, body, _ = await oa_call(oa, "/v3.0/oa/user/detail", token=token, data={"user_id": USER})
    assert body["error"] == 0
    assert body["data"]["display_name"] == "Nguyễn Văn A"
    assert body["data"]["user_is_follower"] is False and "shared_info" not in body["data"]
    await oa.user_follows(USER)
    await oa.user_submits_info(USER, {"name": "A", "phone": "84912345678", "city": "Tam Kỳ"})
    _, body, _ = await oa_call(oa, "/v3.0/oa/user/detail", token=token, data={"user_id": USER})
    assert body["data"]["user_is_follower"] is True
    assert body["data"]["shared_info"]["phone"] == "84912345678"
    assert body["data"]["shared_info"]["city"] == "Tam Kỳ"
    _, body, _ = await oa_call(oa, "/v3.0/oa/user/detail", token=token, data={"user_id": "1"})
    assert body["error"] == -201
    assert oa.calls_to("/v3.0/oa/user/detail")[0] == {"user_id": USER}

    _, body, _ = await oa_call(oa, "/v2.0/oa/getoa", token=token)
    assert body["data"]["oa_id"] == oa.oa_id and body["data"]["is_verified"] is True
    assert body["data"]["package_name"] and body["data"]["num_follower"] == 1
    assert (await oa_call(oa, "/v2.0/oa/getoa", token=None))[1]["error"] == -216


async def test_oa_unknown_paths_and_fail_next(oa: FakeZaloOA):
    token, _ = oa.issue_tokens()
    status, body, _ = await oa_call(oa, "/v3.0/oa/message/promotion", token=token, body={})
    assert status == 404 and body["error"] == -404
    await oa.user_says(USER, "hi")
    oa.fail_next("/v3.0/oa/message/cs", -32, "reached limit call api")
    path = "/v3.0/oa/message/cs"
    assert (await oa_call(oa, path, token=token, body=cs(USER, "a")))[1] == {
        "error": -32,
        "message": "reached limit call api",
    }
    assert (await oa_call(oa, path, token=token, body=cs(USER, "b")))[1]["error"] == 0
    assert [e["text"] for e in oa.sent()] == ["b"]
    assert len(oa.calls_to(path)) == 2


async def test_oa_wait_until_is_bounded(oa: FakeZaloOA):
    with pytest.raises(TimeoutError):
        await oa.wait_until(lambda: False, timeout=0.1)


# =========================================================================== both


async def test_text_over_2000_is_rejected_on_both(zbot: FakeZaloBot, oa: FakeZaloOA):
    long_text = "ư" * 2001
    await zbot.user_says(CHAT, "hi")
    assert (await bot_call(zbot, "sendMessage", chat_id=CHAT, text=long_text))[0] == 400
    token, _ = oa.issue_tokens()
    await oa.user_says(USER, "hi")
    _, body, _ = await oa_call(oa, "/v3.0/oa/message/cs", token=token, body=cs(USER, long_text))
    assert body["error"] == -201
    assert zbot.sent() == [] and oa.sent() == []
