"""From request to answer: staff take, answer and close a support request in the chat, and the
requester receives each notice on their own channel through the outbox — Telegram, Zalo OA
within and outside its reply window, and the web chat."""

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.channels.telegram import TelegramChannel
from bot.channels.web import COOKIE, WebChat
from bot.outbox import OutboxSender
from bot.settings import Settings
from bot.web import init_app
from bot.wiring import build_core
from handlers.calendar import WorkCalendar
from storage.models import OutboxMessage
from tests.channel.conftest import ADMIN, fast_limiter
from tests.channel.test_zalo import USER
from tests.dialogue.test_support_data import ask_guidance
from tests.fakes.chat import FakeChat

CODE = "HT-2026-0001"
ANSWER = "Mời anh đến Sở ngày 05/12 để được hướng dẫn ISO 22000."


def staff(core) -> FakeChat:
    channel, user = ADMIN.split(":")
    return FakeChat(core.dispatcher, user_id=user, channel=channel)


async def open_case(admin: FakeChat) -> None:
    await admin.send("/admin")
    await admin.press("Yêu cầu hỗ trợ")
    await admin.press("Đề nghị hướng dẫn")
    if CODE not in admin.labels():  # answered: among the done ones
        await admin.press("Xem yêu cầu đã xong")
    await admin.press(CODE)


async def take(admin: FakeChat) -> None:
    await open_case(admin)
    await admin.press("Tôi nhận xử lý")


async def answer(admin: FakeChat, text: str = ANSWER) -> None:
    await open_case(admin)
    await admin.press("Trả lời")
    await admin.send(text)
    await admin.press("Xác nhận")


async def close(admin: FakeChat) -> None:
    await open_case(admin)
    await admin.press(f"Đóng {CODE}")
    await admin.press("Có, đóng")


async def statuses(core) -> list[str]:
    async with core.sessionmaker() as session:
        query = select(OutboxMessage.status).where(OutboxMessage.dedupe_key.like("ht:%"))
        return list(await session.scalars(query.order_by(OutboxMessage.id)))


async def test_telegram_requester_receives_each_step(tg, db_url):
    settings = Settings(_env_file=None, database_url=db_url, admin_ids=ADMIN,
                        telegram_bot_token=tg.token, telegram_api_base_url=tg.base_url)
    core = build_core(settings)
    channel = TelegramChannel(core, limiter=fast_limiter())
    await channel.bot.initialize()
    try:
        await ask_guidance(FakeChat(core.dispatcher, user_id="7001", channel="telegram"))
        admin = staff(core)
        await take(admin)
        await answer(admin)
        await close(admin)
        assert await OutboxSender(core, {"telegram": channel}, WorkCalendar()).drain() == 3
        texts = [m["text"] for m in tg.sent(7001)]
        assert any("đang được cán bộ của Sở xử lý" in t for t in texts)
        assert any(ANSWER in t and CODE in t for t in texts)
        assert any("đã được đóng" in t for t in texts)
        assert await statuses(core) == ["sent", "sent", "sent"]
    finally:
        await channel.bot.shutdown()
        await core.close()


async def test_zalo_oa_requester_is_answered_within_the_window_rules(oa_fake, oa):
    core = oa.core
    sender = OutboxSender(core, {"zalo": oa}, WorkCalendar())
    await oa_fake.user_says(USER, "/start")  # the person writes to the OA: the window opens
    await oa_fake.wait_until(lambda: oa_fake.sent(USER), timeout=10, what="welcome")
    await ask_guidance(FakeChat(core.dispatcher, user_id=USER, channel="zalo"))
    admin = staff(core)
    await take(admin)  # within 48 h: free
    assert await sender.drain() == 1
    assert "đang được cán bộ" in oa_fake.sent(USER)[-1]["text"]
    assert oa_fake.sent(USER)[-1]["billable"] is False

    oa_fake.advance_clock(days=3)  # 48 h – 7 days: the answer is worth a paid message
    await answer(admin)
    assert await sender.drain() == 1
    last = oa_fake.sent(USER)[-1]
    assert ANSWER in last["text"] and last["billable"] is True

    oa_fake.advance_clock(days=5)  # over 7 days: nothing can reach the person on Zalo
    sent_before = len(oa_fake.sent(USER))
    await close(admin)
    assert await sender.drain() == 1
    assert len(oa_fake.sent(USER)) == sent_before
    assert await statuses(core) == ["sent", "sent", "outside_window"]
    # the answer stays where the person looks next time they write
    person = FakeChat(core.dispatcher, user_id=USER, channel="zalo")
    await person.send("/dangkycuatoi")
    assert CODE in person.text() and "đã đóng" in person.text() and ANSWER in person.text()


async def test_zalo_oa_status_notice_waits_for_no_paid_message(oa_fake, oa):
    core = oa.core
    await oa_fake.user_says(USER, "/start")
    await oa_fake.wait_until(lambda: oa_fake.sent(USER), timeout=10, what="welcome")
    await ask_guidance(FakeChat(core.dispatcher, user_id=USER, channel="zalo"))
    oa_fake.advance_clock(days=3)
    sent_before = len(oa_fake.sent(USER))
    await take(staff(core))  # "being handled" is not worth a paid message
    assert await OutboxSender(core, {"zalo": oa}, WorkCalendar()).drain() == 1
    assert len(oa_fake.sent(USER)) == sent_before
    assert await statuses(core) == ["outside_window"]


async def test_web_chat_requester_finds_the_answer_when_the_page_asks(db_url, tmp_path):
    settings = Settings(_env_file=None, database_url=db_url, admin_ids=ADMIN,
                        export_dir=tmp_path / "exports")
    core = build_core(settings)
    client = TestClient(TestServer(init_app(core, WebChat(core).routes())))
    await client.start_server()
    try:
        page = await client.get("/chat/")
        visitor = page.cookies[COOKIE].value.partition(".")[0]  # the signed cookie's visitor
        await ask_guidance(FakeChat(core.dispatcher, user_id=visitor, channel="web"))
        admin = staff(core)
        await take(admin)
        await answer(admin)
        inbox = await (await client.get("/chat/api/inbox")).json()
        shown = [reply["html"] for reply in inbox["replies"]]
        assert any("đang được cán bộ" in html for html in shown)
        assert any(ANSWER in html and CODE in html for html in shown)
        assert inbox["replies"][-1]["buttons"] == [["Đăng ký của tôi", "myreg"]]
    finally:
        await client.close()
        await core.close()
