"""A broadcast from a Telegram admin: progress edited in one message, blocked recipients
reported, and a restart midway sends nothing twice."""

from bot import broadcast_progress
from bot.channels.telegram import TelegramChannel
from bot.outbox import OutboxSender
from bot.settings import Settings
from bot.wiring import build_core
from handlers.calendar import WorkCalendar
from tests.channel.conftest import fast_limiter, running, said
from tests.dialogue.helpers import add_session, register, valid_tax_code
from tests.fakes.chat import FakeChat

ADMIN = 999


async def test_broadcast_progress_restart_and_blocked(tg, db_url, sessionmaker, clock):
    settings = Settings(_env_file=None, database_url=db_url, telegram_bot_token=tg.token,
                        telegram_api_base_url=tg.base_url, admin_ids=f"telegram:{ADMIN}")
    core = build_core(settings)
    channel = TelegramChannel(core, limiter=fast_limiter())
    async with running(channel):
        await add_session(sessionmaker, clock, capacity=50)
        for number in range(6):
            person = FakeChat(core.dispatcher, user_id=str(300 + number), channel="telegram")
            await register(person, tax_code=valid_tax_code(40 + number), attendees="1")
        tg.block_chat(303)
        tg.user_sends_command(ADMIN, "admin")
        await said(tg, ADMIN, "Quản trị")
        tg.user_presses(ADMIN, "📣 Gửi thông báo")
        await said(tg, ADMIN, "Gửi thông báo tới ai?")
        tg.user_presses(ADMIN, "Học viên đã có chỗ của một lớp")
        await said(tg, ADMIN, "Chọn cụ thể")
        tg.user_presses(ADMIN, "Tập huấn nhận thức về năng suất chất lượng")
        await said(tg, ADMIN, "nội dung thông báo")
        tg.user_sends_text(ADMIN, "Lớp học dời sang phòng 204.")
        await said(tg, ADMIN, "6 người")
        tg.user_presses(ADMIN, "Xác nhận")
        await said(tg, ADMIN, "tới 6 người")

        first = OutboxSender(core, {"telegram": channel}, WorkCalendar(), batch=2)
        await first.drain(max_batches=1)  # the process "dies" after two messages
        await broadcast_progress.report(core, {"telegram": channel})
        progress = await said(tg, ADMIN, "đã gửi 2/6")
        again = OutboxSender(core, {"telegram": channel}, WorkCalendar())
        await again.drain()
        await broadcast_progress.report(core, {"telegram": channel})
        final = await said(tg, ADMIN, "xong: đã gửi 5/6")
        assert "không liên lạc được 1" in final["text"]
        assert final["message_id"] == progress["message_id"]  # one message, edited
        for number in range(6):
            received = [m for m in tg.sent(300 + number) if "phòng 204" in (m["text"] or "")]
            assert len(received) == (0 if number == 3 else 1)
