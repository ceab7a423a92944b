"""The two Zalo adapters end to end against their offline fakes, with a real migrated SQLite
database: the OA (signed webhooks, buttons, token rotation, reply window) and the Bot Platform
(polling and webhook, numbered text, monthly quota)."""

import asyncio
import json
import logging
import re
from contextlib import AsyncExitStack
from datetime import UTC, date, datetime

import aiohttp
import pytest
from aiohttp.test_utils import unused_port
from sqlalchemy import func, select

from bot.channels.base import OutsideWindow, Rejected, RetryLater, TemporaryFailure, Unreachable
from bot.channels.text import split_text
from bot.channels.zalo.common import utf16_len
from bot.channels.zalo_bot import WEBHOOK_PATH as BOT_WEBHOOK_PATH
from bot.channels.zalo_bot import ZaloBotChannel
from bot.channels.zalo_oa import ZaloOAChannel, cs_messages
from bot.outbox import OutboxSender
from bot.settings import Settings, SettingsError, load_settings
from bot.wiring import build_channels, build_core
from handlers.calendar import WorkCalendar
from handlers.turn import Button, Reply, rows
from storage import agencies, outbox
from storage.models import ChannelSecret, Contact, InboxUpdate, OutboxMessage, Registration
from tests.channel.conftest import ADMIN, fast_limiter, oa_settings, running
from tests.dialogue.helpers import valid_tax_code
from tests.fakes.zalo_bot_server import FakeZaloBot
from tests.fakes.zalo_oa_server import FakeZaloOA, encode_event, sign

USER = "2512523625412515"
CHAT = "6ede9afa66b88fe6d6a9"
BOT_SECRET = "mykey-abcxyz-0123"
CS = "/v3.0/oa/message/cs"
QUESTION = "lop tap huan ve doi moi sang tao la gi"


# -- fixtures and helpers ------------------------------------------------------------------


async def oa_said(fake: FakeZaloOA, user: str, fragment: str, count: int = 1) -> dict:
    """Wait until the OA sent ``count`` messages to ``user`` containing ``fragment``."""

    def found():
        return [m for m in fake.sent(user) if fragment in (m["text"] or "")]

    await fake.wait_until(lambda: len(found()) >= count, timeout=10, what=fragment)
    return found()[-1]


def payload_of(message: dict, label: str) -> str:
    return next(b["payload"] for b in message["buttons"] if label in b["title"])


def number_of(text: str, label: str) -> str:
    """The number a text channel shows before the choice ``label``."""
    for line in text.splitlines():
        shown = re.match(r"\s*(\d+)\. (.*)", line)
        if shown and label in shown.group(2):
            return shown.group(1)
    raise LookupError(f"no numbered choice {label!r} in {text!r}")


def bot_settings(fake: FakeZaloBot, db_url: str, **extra) -> Settings:
    given = dict(database_url=db_url, admin_ids=ADMIN, zalo_bot_token=fake.token,
                 zalo_bot_api_url=fake.base_url)
    return Settings(_env_file=None, **{**given, **extra})


@pytest.fixture
async def zb():
    async with FakeZaloBot(poll_timeout_cap=0.5) as fake:
        yield fake


@pytest.fixture
async def make_bot(zb, db_url):
    """Start a Bot Platform adapter (polling unless a webhook URL is given); stopped after."""
    async with AsyncExitStack() as started:

        async def make(serve: bool = False, **extra) -> ZaloBotChannel:
            channel = ZaloBotChannel(build_core(bot_settings(zb, db_url, **extra)),
                                     limiter=fast_limiter())
            return await started.enter_async_context(running(channel, serve))

        yield make


async def bot_said(fake: FakeZaloBot, chat: str, fragment: str, count: int = 1) -> str:
    """Wait until the bot sent ``count`` messages to ``chat`` containing ``fragment``."""

    def found():
        return [text for text in fake.texts(chat) if fragment in text]

    await fake.wait_until(lambda: len(found()) >= count, timeout=10, what=fragment)
    return found()[-1]


class BotUser:
    """A person on the Bot Platform who reads what came since their last message."""

    def __init__(self, fake: FakeZaloBot, chat: str = CHAT):
        self.fake, self.chat, self.mark = fake, chat, 0

    async def say(self, text: str) -> None:
        self.mark = len(self.fake.texts(self.chat))
        await self.fake.user_says(self.chat, text)

    async def expect(self, fragment: str) -> str:
        """The first message since my last one that contains ``fragment`` (waits for it)."""

        def found():
            return [t for t in self.fake.texts(self.chat)[self.mark:] if fragment in t]

        await self.fake.wait_until(lambda: bool(found()), timeout=10, what=fragment)
        return found()[0]

    async def choose(self, label: str) -> None:
        """Type the number shown before ``label``, as a person without buttons does."""
        shown = await self.expect(f". {label}")
        await self.say(number_of(shown, label))


async def inbox_count(sessionmaker, channel: str) -> int:
    async with sessionmaker() as session:
        return await session.scalar(
            select(func.count(InboxUpdate.id)).where(InboxUpdate.channel == channel)
        )


async def admin_alerts(sessionmaker) -> list[str]:
    async with sessionmaker() as session:
        query = select(OutboxMessage.text).where(OutboxMessage.chat_id == "900")
        return list((await session.execute(query)).scalars())


async def link_code(sessionmaker) -> str:
    async with sessionmaker.begin() as session:
        return await agencies.new_link_code(session, "so-y-te", "test", datetime.now(UTC))


async def queue_reminder(sessionmaker, channel: str, user_id: str) -> str:
    """A deadline reminder for the officer ``user_id`` (as the planner queues it); its ack
    payload."""
    now = datetime.now(UTC)
    async with sessionmaker.begin() as session:
        deadline = await agencies.add_deadline(session, "Báo cáo năm 2026", date(2026, 12, 31),
                                               ["so-y-te"], now, description="Gửi về Sở.")
        person = (await session.execute(select(Contact).where(
            Contact.channel == channel, Contact.user_id == user_id))).scalar_one()
        ack = f"ack:{deadline.id}:so-y-te"
        await outbox.enqueue(
            session, dedupe_key=f"test:{channel}", channel=channel, chat_id=person.chat_id,
            contact_id=person.id, text="⏰ Nhắc hạn báo cáo: <b>Báo cáo năm 2026</b>",
            buttons=[[["Đã gửi báo cáo", ack]], [["Cần hỗ trợ", f"help:{deadline.id}:so-y-te"]]],
            now=now, priority=4, topic=agencies.reminder_topic(deadline.id, "so-y-te"),
        )
    return ack


# -- Zalo OA ---------------------------------------------------------------------------------
async def test_oa_follow_welcome_question_and_registration_with_buttons_and_form(
        oa_fake, oa, sessionmaker, senders):
    _, status = await oa_fake.user_follows(USER)
    assert status == 200
    welcome = await oa_said(oa_fake, USER, "Bạn muốn làm gì?")
    # six choices: more than Zalo's five buttons, so a numbered list without buttons
    assert welcome["buttons"] == [] and "1. Giới thiệu kế hoạch" in welcome["text"]
    await oa_fake.user_says(USER, "hello")  # a typed word is text, not a button payload
    await oa_said(oa_fake, USER, "Bạn muốn làm gì?", count=2)
    await oa_fake.user_says(USER, QUESTION)
    answer = await oa_said(oa_fake, USER, "Lớp tập huấn về đổi mới sáng tạo")
    assert {b["type"] for b in answer["buttons"]} == {"oa.query.hide"}
    await oa_fake.user_taps(USER, payload_of(answer, "Đăng ký lớp này"))
    consent = await oa_said(oa_fake, USER, "Thông báo xử lý dữ liệu cá nhân")
    await oa_fake.user_taps(USER, payload_of(consent, "Đồng ý: đăng ký, đề nghị"))
    await oa_said(oa_fake, USER, "Tên doanh nghiệp")
    await oa_fake.user_says(USER, "Công ty TNHH Biển Xanh")
    await oa_said(oa_fake, USER, "nhập mã số thuế")
    await oa_fake.user_says(USER, valid_tax_code(3))
    await oa_said(oa_fake, USER, "xã, phường hoặc đặc khu")
    await oa_fake.user_says(USER, "phường Hội An Đông")
    region = await oa_said(oa_fake, USER, "thuộc tỉnh, thành phố nào")
    await oa_fake.user_taps(USER, payload_of(region, "Quảng Nam (cũ)"))
    sector = await oa_said(oa_fake, USER, "lĩnh vực hoạt động chính")
    assert sector["buttons"] == []  # 8 choices and 2 steps: numbered
    await oa_fake.user_says(USER, number_of(sector["text"], "Du lịch, nhà hàng, khách sạn"))
    await oa_said(oa_fake, USER, "họ và tên người liên hệ")
    await oa_fake.user_says(USER, "Lê Thị Hoa")
    await oa_said(oa_fake, USER, "chức vụ của người liên hệ")
    await oa_fake.user_says(USER, "Giám đốc")
    await oa_said(oa_fake, USER, "số điện thoại liên hệ")
    await oa_fake.wait_until(lambda: oa_fake.sent(USER)[-1]["text"] is None)
    form = oa_fake.sent(USER)[-1]["message"]["attachment"]["payload"]
    assert form["template_type"] == "request_user_info"
    await oa_fake.user_submits_info(USER, {"name": "Lê Thị Hoa", "phone": "84905123456"})
    email = await oa_said(oa_fake, USER, "email liên hệ")
    await oa_fake.user_taps(USER, payload_of(email, "Bỏ qua"))
    await oa_said(oa_fake, USER, "bao nhiêu người")
    await oa_fake.user_says(USER, "2")
    summary = await oa_said(oa_fake, USER, "Mời bạn kiểm tra lại")
    await oa_fake.user_says(USER, number_of(summary["text"], "Xác nhận"))
    done = await oa_said(oa_fake, USER, "-0001")
    assert re.search(r"LTH\d-0001", done["text"])
    async with sessionmaker() as session:
        registration = (await session.execute(select(Registration))).scalar_one()
    assert registration.phone == "+84905123456" and registration.region == "quang-nam"
    assert not any(m["billable"] for m in oa_fake.sent(USER))
    assert await senders("zalo") == ({USER}, {USER})


async def test_oa_reminder_is_delivered_and_acknowledged_with_a_tap(oa_fake, oa, sessionmaker):
    code = await link_code(sessionmaker)
    await oa_fake.user_says(USER, f"/start lk-{code}")
    confirm = await oa_said(oa_fake, USER, "Sở Y tế")
    await oa_fake.user_taps(USER, payload_of(confirm, "Xác nhận"))
    await oa_said(oa_fake, USER, "Đã liên kết")
    ack = await queue_reminder(sessionmaker, "zalo", USER)
    assert await OutboxSender(oa.core, {"zalo": oa}, WorkCalendar()).drain() == 1
    reminder = await oa_said(oa_fake, USER, "Nhắc hạn báo cáo")
    assert payload_of(reminder, "Đã gửi báo cáo") == f"#{ack}"
    await oa_fake.user_taps(USER, payload_of(reminder, "Đã gửi báo cáo"))
    await oa_said(oa_fake, USER, "Đã ghi nhận")


async def test_oa_webhook_refuses_bad_signatures_before_storing(oa_fake, oa, sessionmaker):
    event = {"app_id": oa_fake.app_id, "user_id_by_app": "552177279717587730",
             "event_name": "user_send_text", "timestamp": str(int(oa_fake.now().timestamp()
                                                                  * 1000)),
             "sender": {"id": USER}, "recipient": {"id": oa_fake.oa_id},
             "message": {"text": "/start", "msg_id": "96d3cdf3af150460909"}}
    body, timestamp = encode_event(event), event["timestamp"]
    oa_fake.set_user(USER, last_interaction=oa_fake.now())  # hand-made events do not do it
    forged = [
        {"signature": ""},  # no header
        {"signature": "mac=" + "0" * 64},
        {"signature": sign(oa_fake.app_id, body, timestamp, oa_fake.app_secret)},  # app secret
        # the right mac over other bytes of the same JSON: the mac covers the raw body
        {"raw": json.dumps(event).encode(),
         "signature": sign(oa_fake.app_id, body, timestamp, oa_fake.oa_secret_key)},
    ]
    for forgery in forged:
        assert await oa_fake.post_event(event, **forgery) == 403
    assert await inbox_count(sessionmaker, "zalo") == 0 and oa_fake.sent(USER) == []
    assert await oa_fake.post_event(event) == 200
    await oa_said(oa_fake, USER, "Bạn muốn làm gì?")
    other = {**event, "message": {"text": "menu", "msg_id": "96d3cdf3af150460910"}}
    signed_with_oa_id = sign(oa_fake.oa_id, encode_event(other), timestamp,
                             oa_fake.oa_secret_key)
    assert await oa_fake.post_event(other, signature=signed_with_oa_id) == 200
    await oa_said(oa_fake, USER, "Bạn muốn làm gì?", count=2)


async def test_oa_redelivered_event_is_handled_once(oa_fake, oa):
    event, status = await oa_fake.user_says(USER, "/start")
    assert status == 200
    assert await oa_fake.post_event(event) == 200  # Zalo's retry of the same msg_id
    await oa_said(oa_fake, USER, "Bạn muốn làm gì?")
    await asyncio.sleep(0.3)
    assert sum("Bạn muốn làm gì?" in (m["text"] or "") for m in oa_fake.sent(USER)) == 1


async def test_oa_token_rotation_survives_a_restart(oa_fake, oa, db_url, sessionmaker):
    seed_refresh = oa_fake.seed[1]
    await oa_fake.user_says(USER, "/start")
    await oa_said(oa_fake, USER, "Bạn muốn làm gì?")
    oa_fake.expire_access_token()
    await asyncio.gather(*(oa.send(USER, [Reply(f"Tin {n}")]) for n in range(3)))
    assert [c["refresh_token"] for c in oa_fake.refresh_calls] == [seed_refresh]  # one refresh
    async with sessionmaker() as session:
        rotated = (await session.get(ChannelSecret, "zalo_oa.refresh_token")).value
    assert rotated != seed_refresh and oa_fake.refresh_calls[0]["error"] == 0
    await oa.stop()

    core = build_core(oa_settings(oa_fake, db_url, oa_fake.seed))  # same settings, same DB
    again = ZaloOAChannel(core, limiter=fast_limiter(), clock=oa_fake.now)
    async with running(again):
        oa_fake.expire_access_token()
        await again.send(USER, [Reply("Sau khi khởi động lại")])
        last = oa_fake.refresh_calls[-1]
        assert (last["refresh_token"], last["error"]) == (rotated, 0)
        calls = len(oa_fake.calls_to(CS))
        oa_fake.advance_clock(hours=21)  # within 5 h of expiry: refreshed before the call
        await again.send(USER, [Reply("Làm mới trước khi hết hạn")])
        assert len(oa_fake.refresh_calls) == 3 and len(oa_fake.calls_to(CS)) == calls + 1
    async with aiohttp.ClientSession() as http:  # the spent refresh token is refused
        form = {"refresh_token": seed_refresh, "app_id": oa_fake.app_id,
                "grant_type": "refresh_token"}
        async with http.post(f"{oa_fake.oauth_base_url}/v4/oa/access_token", data=form,
                             headers={"secret_key": oa_fake.app_secret}) as response:
            assert (await response.json())["error"] == -14014


async def test_oa_failed_refresh_alerts_admins(oa_fake, oa, sessionmaker):
    await oa_fake.user_says(USER, "/start")
    await oa_said(oa_fake, USER, "Bạn muốn làm gì?")
    oa_fake.revoke_tokens()
    with pytest.raises(TemporaryFailure):
        await oa.send(USER, [Reply("Không đi được")])
    alerts = await admin_alerts(sessionmaker)
    assert len(alerts) == 1 and "không làm mới được mã truy cập" in alerts[0]


async def test_oa_reply_window_bands(oa_fake, oa, sessionmaker):
    await oa_fake.user_says(USER, "/start")
    await oa_said(oa_fake, USER, "Bạn muốn làm gì?")
    await oa.send(USER, [Reply("Tin miễn phí")], bulk=True, priority=5)  # within 48 h
    assert oa_fake.sent(USER)[-1]["billable"] is False
    oa_fake.advance_clock(days=3)  # 48 h – 7 days: paid, only for priority ≤ 3
    calls = len(oa_fake.calls_to(CS))
    with pytest.raises(OutsideWindow):
        await oa.send(USER, [Reply("Thông báo chung")], bulk=True, priority=5)
    assert len(oa_fake.calls_to(CS)) == calls
    await oa.send(USER, [Reply("Nhắc lịch lớp")], bulk=True, priority=3)
    assert oa_fake.sent(USER)[-1]["billable"] is True
    oa_fake.advance_clock(days=5)  # more than 7 days: not even tried
    calls = len(oa_fake.calls_to(CS))
    with pytest.raises(OutsideWindow):
        await oa.send(USER, [Reply("Quá hạn")], bulk=True, priority=0)
    with pytest.raises(OutsideWindow):  # someone who never wrote
        await oa.send("1111111111111111", [Reply("Chưa từng nhắn")], bulk=True, priority=0)
    assert len(oa_fake.calls_to(CS)) == calls
    with pytest.raises(OutsideWindow):  # Zalo's own -230 when it does get a call
        await oa.send(USER, [Reply("Trả lời")])


async def test_oa_errors_map_to_channel_exceptions(oa_fake, oa, sessionmaker):
    await oa_fake.user_says(USER, "/start")
    await oa_said(oa_fake, USER, "Bạn muốn làm gì?")
    cases = [(-32, RetryLater), (-201, Rejected), (-232, OutsideWindow),
             (-211, TemporaryFailure), (-227, Unreachable)]
    for code, expected in cases:
        oa_fake.fail_next(CS, code, "lỗi")
        with pytest.raises(expected):
            await oa.send(USER, [Reply("Thử")])
    async with sessionmaker() as session:
        contact = (await session.execute(select(Contact))).scalar_one()
    assert contact.unreachable_at is not None
    registry = oa.core.metrics.registry  # each refusal counted under Zalo's own code
    assert [registry.get_sample_value("bot_send_errors_total",
                                      {"platform": "zalo", "code": str(code)})
            for code, _ in cases] == [1] * len(cases)


def test_oa_long_texts_split_and_many_buttons_are_numbered(texts):
    long = [Reply(("Đoạn văn dài. " * 100).strip() + "\n\n" + "Đoạn hai. " * 100)]
    parts = cs_messages(long, texts)
    assert len(parts) == 2 and all(len(p["text"]) <= 2000 for p in parts)
    assert parts[1]["text"].startswith("Đoạn hai")
    six = [Reply("Chọn", rows(*(Button(f"Mục {n}", f"x:{n}") for n in range(6))))]
    assert cs_messages(six, texts) == [{"text": "Chọn\n" + "\n".join(
        f"  {n + 1}. Mục {n}" for n in range(6))}]
    five = cs_messages([Reply("Chọn", rows(*(Button(f"Mục {n}", f"x:{n}") for n in range(5))))],
                       texts)
    assert [b["payload"] for b in five[0]["attachment"]["payload"]["buttons"]][0] == "#x:0"


# -- Zalo Bot Platform -----------------------------------------------------------------------
async def test_bot_welcome_question_and_registration_by_numbers(zb, make_bot, sessionmaker,
                                                                 senders):
    await make_bot()
    person = BotUser(zb)
    await person.say("/start")
    assert "1. Giới thiệu kế hoạch" in await person.expect("Bạn muốn làm gì?")
    await person.say(QUESTION)
    await person.expect("Lớp tập huấn về đổi mới sáng tạo")
    await person.choose("Đăng ký lớp này")
    await person.expect("Thông báo xử lý dữ liệu cá nhân")
    await person.choose("Đồng ý: đăng ký, đề nghị hỗ trợ và nhắc lịch")
    await person.expect("Tên doanh nghiệp")
    await person.say("Công ty TNHH Biển Xanh")
    await person.expect("nhập mã số thuế")
    await person.say(valid_tax_code(5))
    await person.expect("xã, phường hoặc đặc khu")
    await person.say("phường Hội An Đông")
    await person.choose("Quảng Nam (cũ)")
    await person.choose("Du lịch, nhà hàng, khách sạn")
    await person.expect("họ và tên người liên hệ")
    await person.say("Lê Thị Hoa")
    await person.expect("chức vụ của người liên hệ")
    await person.say("Giám đốc")
    await person.expect("số điện thoại liên hệ")
    await person.say("0905 123 456")
    assert "[Bỏ qua]" in await person.expect("email liên hệ")  # free text: labels, no numbers
    await person.say("bo qua")
    await person.expect("bao nhiêu người")
    await person.say("2")  # an answer here, not a choice
    await person.expect("Mời bạn kiểm tra lại")
    await person.choose("Xác nhận")
    assert re.search(r"LTH\d-0001", await person.expect("-0001"))
    async with sessionmaker() as session:
        registration = (await session.execute(select(Registration))).scalar_one()
    assert registration.phone == "+84905123456" and registration.commune == "phường Hội An Đông"
    assert registration.attendees == 2 and registration.email is None
    assert all(m["parse_mode"] is None for m in zb.sent(CHAT))  # plain text only
    assert await senders("zalo_bot") == ({CHAT}, {CHAT})


async def test_bot_words_typed_choose_and_a_restart_keeps_the_draft(zb, make_bot):
    await make_bot()
    person = BotUser(zb)
    await person.say("/start lop1")
    await person.expect("Thông báo xử lý dữ liệu cá nhân")
    await person.say("dong y")
    assert "1. Đồng ý: đăng ký, đề nghị hỗ trợ và nhắc lịch" in await person.expect("Ý bạn là")
    await person.say("1")
    await person.expect("Tên doanh nghiệp")
    await person.say("menu")  # a way out, not the company's name
    await person.expect("giữ lại")
    await person.say("dien tiep")
    await person.expect("Tên doanh nghiệp")
    await person.say("Công ty TNHH Biển Xanh")
    await person.expect("mã số thuế")
    await person.say(valid_tax_code(7))
    await person.say("phường Hội An")
    await person.say("da nang")
    await person.expect("lĩnh vực hoạt động chính")
    await person.say("/start")  # the greeting in the middle of the form
    await person.expect("đang điền dở")
    await person.choose("Du lịch, nhà hàng, khách sạn")  # numbered from 1 in its message
    await person.expect("họ và tên người liên hệ")
    await person.say("quay lai")
    await person.say("quay lai")
    assert "(Hiện tại: Thành phố Đà Nẵng (cũ))" in await person.expect("thuộc tỉnh, thành phố")


async def test_bot_reminder_is_delivered_and_answered_by_number(zb, make_bot, sessionmaker):
    channel = await make_bot()
    person = BotUser(zb)
    await person.say(f"/start lk-{await link_code(sessionmaker)}")
    await person.expect("Sở Y tế")
    await person.choose("Xác nhận")
    await person.expect("Đã liên kết")
    await queue_reminder(sessionmaker, "zalo_bot", CHAT)
    assert await OutboxSender(channel.core, {"zalo_bot": channel}, WorkCalendar()).drain() == 1
    await person.choose("Đã gửi báo cáo")
    await person.expect("Đã ghi nhận")


async def test_bot_webhook_refuses_a_wrong_secret_and_handles_a_redelivery_once(
        zb, make_bot, sessionmaker):
    port = unused_port()
    webhook = f"http://127.0.0.1:{port}{BOT_WEBHOOK_PATH}"
    await make_bot(serve=True, web_port=port, zalo_bot_webhook_url=webhook,
                   zalo_bot_webhook_secret=BOT_SECRET)
    assert zb.webhook == {**zb.webhook, "url": webhook, "secret": BOT_SECRET}
    zb.wrap_webhook = True  # the documented {"ok", "result"} body is accepted too
    update = await zb.user_says(CHAT, "/start")
    assert await zb.redeliver(update) == 200
    await bot_said(zb, CHAT, "Bạn muốn làm gì?")
    await asyncio.sleep(0.3)
    assert sum("Bạn muốn làm gì?" in text for text in zb.texts(CHAT)) == 1
    stored = await inbox_count(sessionmaker, "zalo_bot")
    forged = {**update, "message": {**update["message"], "message_id": "f" * 20}}
    for secret in ("", "wrong-secret-0123"):
        assert await zb.redeliver(forged, secret=secret) == 403
    assert await inbox_count(sessionmaker, "zalo_bot") == stored
    await make_bot(zalo_bot_webhook_url=webhook.replace("/zalo", "/x/zalo"),
                   zalo_bot_webhook_secret=BOT_SECRET)  # a changed URL is set again…
    await make_bot(zalo_bot_webhook_url=webhook.replace("/zalo", "/x/zalo"),
                   zalo_bot_webhook_secret=BOT_SECRET)  # …an unchanged one is not
    assert len(zb.calls_to("setWebhook")) == 2


async def test_bot_monthly_quota_warns_once_then_waits_for_next_month(
        zb, make_bot, sessionmaker):
    channel = await make_bot(zalo_bot_monthly_quota=10)
    await zb.user_says(CHAT, "/start")
    await bot_said(zb, CHAT, "Bạn muốn làm gì?")  # two messages: the welcome and the menu
    for n in range(8):
        await channel.send(CHAT, [Reply(f"Thông báo {n}")], bulk=True)
    with pytest.raises(RetryLater) as exhausted:
        await channel.send(CHAT, [Reply("Một tin nữa")], bulk=True)
    assert 0 < exhausted.value.seconds <= 31 * 86400
    assert len(zb.texts(CHAT)) == 10 and await channel.quota.used() == 10
    alerts = await admin_alerts(sessionmaker)
    assert len(alerts) == 1 and "9/10" in alerts[0]


async def test_bot_platform_refusals_map_to_channel_exceptions(zb, make_bot):
    channel = await make_bot()
    with pytest.raises(Unreachable):  # never wrote to the bot
        await channel.send("0123456789abcdef0123", [Reply("Chào")], bulk=True)
    await zb.user_says(CHAT, "/start")
    await bot_said(zb, CHAT, "Bạn muốn làm gì?")
    zb.set_quota(zb.monthly_sent)  # Zalo's own count ran out first
    with pytest.raises(RetryLater):
        await channel.send(CHAT, [Reply("Chào")], bulk=True)
    assert channel.core.metrics.registry.get_sample_value(
        "bot_send_errors_total", {"platform": "zalo_bot", "code": "429"}) == 1
    zb.set_quota(3000)
    long = ("😀 Một đoạn rất dài. " * 120).strip()
    await channel.send(CHAT, [Reply(long)])
    assert all(utf16_len(text) <= 2000 for text in zb.texts(CHAT))
    assert "".join(zb.texts(CHAT)[-2:]).replace(" ", "") == long.replace(" ", "")


async def test_bot_polling_idle_transport_errors_and_a_refused_token(
        zb, make_bot, db_url, sessionmaker, caplog):
    caplog.set_level(logging.DEBUG)
    zb.poll_timeout_cap = 0.05
    await make_bot()
    await asyncio.sleep(1)
    assert len(zb.calls_to("getUpdates")) >= 5  # idle answers (408) are not backed off
    polls, started = len(zb.calls_to("getUpdates")), asyncio.get_running_loop().time()
    zb.fail_next("getUpdates", status=0)  # a dropped connection: the next poll waits ~1 s
    await zb.wait_until(lambda: len(zb.calls_to("getUpdates")) >= polls + 2, timeout=5)
    assert asyncio.get_running_loop().time() - started >= 0.7
    await zb.user_says(CHAT, "/start")
    await bot_said(zb, CHAT, "Bạn muốn làm gì?")
    core = build_core(bot_settings(zb, db_url, zalo_bot_token="999:reset-in-bot-creator"))
    async with running(ZaloBotChannel(core)) as refused:
        await asyncio.wait_for(refused._poller, timeout=10)  # 401: polling stops for good
    assert any("ZALO_BOT_TOKEN" in text for text in await admin_alerts(sessionmaker))
    assert "401" in caplog.text
    assert zb.token not in caplog.text and "reset-in-bot-creator" not in caplog.text


# -- settings and wiring ---------------------------------------------------------------------
@pytest.mark.parametrize(("given", "named"), [
    ({"zalo_oa_app_id": "1"}, "ZALO_OA_APP_SECRET"),
    ({"zalo_oa_app_id": "1", "zalo_oa_app_secret": "s"}, "ZALO_OA_SECRET_KEY"),
    ({"zalo_oa_app_id": "1", "zalo_oa_app_secret": "s", "zalo_oa_secret_key": "k"},
     "ZALO_OA_REFRESH_TOKEN"),
    ({"zalo_oa_refresh_token": "r"}, "ZALO_OA_APP_ID"),
    ({"zalo_bot_token": "not-a-token"}, "ZALO_BOT_TOKEN"),
    ({"zalo_bot_token": "1:a", "zalo_bot_webhook_url": "https://x.vn/zalo/bot/webhook",
      "zalo_bot_webhook_secret": "short"}, "ZALO_BOT_WEBHOOK_SECRET"),
    ({"zalo_bot_api_url": "bot-api.zaloplatforms.com"}, "ZALO_BOT_API_URL"),
    ({"zalo_oa_paid_max_priority": "ba"}, "ZALO_OA_PAID_MAX_PRIORITY"),
])
def test_a_bad_zalo_setting_names_the_variable(given, named):
    with pytest.raises(SettingsError) as problem:
        load_settings(_env_file=None, **given)
    assert named in str(problem.value) and "\n" not in str(problem.value)
    assert "not-a-token" not in str(problem.value)


async def test_each_configured_adapter_is_built(db_url):
    settings = Settings(_env_file=None, database_url=db_url, zalo_oa_app_id="1",
                        zalo_oa_app_secret="s", zalo_oa_secret_key="k",
                        zalo_oa_refresh_token="r", zalo_bot_token="1:a")
    core = build_core(settings)
    assert [channel.name for channel in build_channels(core)] == ["zalo", "zalo_bot"]
    await core.close()
    assert Settings(_env_file=None).zalo_bot_monthly_quota == 3000


def test_split_counts_utf16_units_when_asked():
    text = "😀" * 1500  # 3000 UTF-16 units, 1500 code points
    assert split_text(text, 2000) == [text]
    parts = split_text(text, 2000, utf16_len)
    assert [utf16_len(p) for p in parts] == [2000, 1000] and "".join(parts) == text
