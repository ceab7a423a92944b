"""The Telegram adapter end to end: real PTB against the fake Bot API, polling and webhook."""

import asyncio
import io

import aiohttp
import openpyxl
import pytest
from sqlalchemy import func, select

from bot.channels.base import RetryLater, Unreachable
from bot.channels.telegram import TelegramChannel, split_text
from bot.settings import Settings
from bot.wiring import build_core
from handlers.turn import Button, Reply, rows
from storage.models import Contact, InboxUpdate, Registration
from tests.channel.conftest import SECRET, fast_limiter, running, said

CHAT = 111


async def test_commands_and_descriptions_are_set_in_vietnamese(tg, polling_bot):
    names = [c["command"] for c in tg.commands]
    assert names[:3] == ["start", "menu", "dangky"] and "dulieucuatoi" in names
    assert "Đăng ký lớp tập huấn" in [c["description"] for c in tg.commands]
    assert "Kế hoạch 1349/KH-UBND" in tg.description


async def full_registration(tg, chat=CHAT):
    tg.user_sends_command(chat, "start", "lop1")
    await said(tg, chat, "Thông báo xử lý dữ liệu cá nhân")
    tg.user_presses(chat, "Đồng ý: đăng ký, đề nghị hỗ trợ và nhắc lịch")
    await said(tg, chat, "Tên doanh nghiệp")
    tg.user_sends_text(chat, "Công ty TNHH <Biển Xanh> & Cộng sự")
    await said(tg, chat, "ký tự không dùng được")
    tg.user_sends_text(chat, "Công ty TNHH Biển Xanh")
    await said(tg, chat, "nhập mã số thuế")
    tg.user_sends_text(chat, "0100233488")
    await said(tg, chat, "xã, phường hoặc đặc khu")
    tg.user_sends_text(chat, "phường Hội An Đông")
    await said(tg, chat, "thuộc tỉnh, thành phố nào")
    tg.user_presses(chat, "Quảng Nam (cũ)")
    await said(tg, chat, "lĩnh vực hoạt động chính")
    tg.user_presses(chat, "Du lịch, nhà hàng, khách sạn")
    await said(tg, chat, "họ và tên người liên hệ")
    tg.user_sends_text(chat, "Lê Thị Hoa")
    await said(tg, chat, "chức vụ của người liên hệ")
    tg.user_sends_text(chat, "Giám đốc")
    phone_prompt = await said(tg, chat, "số điện thoại liên hệ")
    keyboard = phone_prompt["reply_markup"]["keyboard"]
    assert keyboard[0][0]["request_contact"] is True
    tg.user_shares_contact(chat, "84905123456")
    await said(tg, chat, "email liên hệ")
    # the share-phone keyboard is removed, then the email question gets its inline buttons
    await tg.wait_until(lambda: tg.sent(chat)[-1]["method"] == "editMessageReplyMarkup")
    tg.user_presses(chat, "Bỏ qua")
    await said(tg, chat, "bao nhiêu người")
    tg.user_sends_text(chat, "2")
    summary = await said(tg, chat, "Mời bạn kiểm tra lại")
    assert "0905 123 456" in summary["text"] and "phường Hội An Đông" in summary["text"]
    tg.user_presses(chat, "Xác nhận")
    return await said(tg, chat, "LTH1-0001")


async def test_welcome_registration_with_phone_button_stale_button_and_cancel(tg, polling_bot):
    tg.user_sends_command(CHAT, "start")
    welcome = await said(tg, CHAT, "Bạn muốn làm gì?")
    labels = [b["text"] for row in welcome["reply_markup"]["inline_keyboard"] for b in row]
    assert labels[0] == "Giới thiệu kế hoạch" and "Dữ liệu của tôi" in labels
    done = await full_registration(tg)
    assert "đã ghi nhận đăng ký quan tâm" in done["text"]
    region_question = next(m for m in tg.sent(CHAT)
                           if "thuộc tỉnh, thành phố nào" in (m["text"] or ""))
    tg.user_presses(CHAT, "Thành phố Đà Nẵng (cũ)", message_id=region_question["message_id"])
    await said(tg, CHAT, "tin nhắn cũ")
    tg.user_sends_command(CHAT, "dangky")
    await said(tg, CHAT, "lớp nào")
    tg.user_presses(CHAT, "Hủy")
    await said(tg, CHAT, "Đã hủy")
    presses = [u for u in tg.calls if u[0] == "answerCallbackQuery"]
    assert len(tg.answered_callbacks) == len(presses) == 7  # every button press was answered


async def test_user_text_is_escaped_in_html_replies(tg, polling_bot, db_url):
    await full_registration(tg)
    tg.user_sends_command(CHAT, "dulieucuatoi")
    shown = await said(tg, CHAT, "Dữ liệu chatbot đang lưu")
    assert "Công ty TNHH Biển Xanh" in shown["text"]


async def test_webhook_refuses_a_missing_or_wrong_secret(tg, webhook_bot, sessionmaker):
    url = webhook_bot.webhook_url
    update = {"update_id": 9001, "message": {"message_id": 1, "date": 0, "text": "/start",
              "chat": {"id": 5, "type": "private"}, "from": {"id": 5, "is_bot": False,
                                                             "first_name": "X"}}}
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong" * 8}):
            async with http.post(url, json=update, headers=headers) as response:
                assert response.status == 403
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count(InboxUpdate.id))) == 0
    assert tg.sent(5) == []


async def test_webhook_redelivery_is_handled_once(tg, webhook_bot):
    url = webhook_bot.webhook_url
    update = {"update_id": 9100, "message": {"message_id": 1, "date": 0, "text": "/start",
              "chat": {"id": 7, "type": "private"}, "from": {"id": 7, "is_bot": False,
                                                             "first_name": "Y"}}}
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with aiohttp.ClientSession() as http:
        for _ in range(2):
            async with http.post(url, json=update, headers=headers) as response:
                assert response.status == 200
    await said(tg, 7, "Bạn muốn làm gì?")
    await asyncio.sleep(0.3)
    assert sum("Bạn muốn làm gì?" in m["text"] for m in tg.sent(7)) == 1


async def test_webhook_answers_before_a_slow_turn_finishes(tg, webhook_bot):
    release = asyncio.Event()
    started = asyncio.Event()
    original = webhook_bot.core.dispatcher.handle

    async def slow(incoming, deliver=None):
        started.set()
        await release.wait()
        return await original(incoming, deliver)

    webhook_bot.core.dispatcher.handle = slow
    tg.user_sends_command(8, "start")
    await asyncio.wait_for(started.wait(), timeout=10)
    await tg.wait_until(lambda: any(d["status"] == 200 for d in tg.webhook_deliveries))
    assert tg.sent(8) == []  # acknowledged while the turn is still running
    release.set()
    await said(tg, 8, "Bạn muốn làm gì?")


async def test_registration_end_to_end_over_the_webhook(tg, webhook_bot, sessionmaker,
                                                        senders):
    await full_registration(tg, chat=4242)
    async with sessionmaker() as session:
        registration = (await session.execute(select(Registration))).scalar_one()
    assert registration.phone == "+84905123456"
    assert (registration.commune, registration.region) == ("phường Hội An Đông", "quang-nam")
    assert await senders("telegram") == ({"4242"}, {"4242"})


async def test_flood_and_block_during_bulk_sending(tg, polling_bot, sessionmaker):
    for chat in (21, 22, 23):
        tg.user_sends_command(chat, "start")
        await said(tg, chat, "Bạn muốn làm gì?")
    tg.block_chat(22)
    tg.fail_with_429(chat_id=23, retry_after=3)
    notice = [Reply("Thông báo", rows(Button("Về menu", "menu")))]
    await polling_bot.send("21", notice, bulk=True)
    with pytest.raises(Unreachable):
        await polling_bot.send("22", notice, bulk=True)
    with pytest.raises(RetryLater) as flood:
        await polling_bot.send("23", notice, bulk=True)
    assert flood.value.seconds == 3
    assert polling_bot.limiter.delay("23") > 2  # only that chat waits
    tg.user_sends_text(21, "menu")  # a person talking to the bot is not held up
    await said(tg, 21, "Bạn muốn làm gì?", count=2)
    async with sessionmaker() as session:
        blocked = (await session.execute(select(Contact).where(Contact.chat_id == "22")))
        assert blocked.scalar_one().unreachable_at is not None


def test_long_texts_are_split_on_paragraphs():
    text = ("Đoạn một. " * 300).strip() + "\n\n" + ("Đoạn hai. " * 300).strip()
    chunks = split_text(text)
    assert all(len(chunk) <= 4096 for chunk in chunks) and len(chunks) == 2
    assert chunks[1].startswith("Đoạn hai")


async def test_a_menu_reached_by_a_button_replaces_the_message_and_a_section_answers(
        tg, polling_bot):
    tg.user_sends_command(CHAT, "start")
    menu = await said(tg, CHAT, "Bạn muốn làm gì?")
    tg.user_presses(CHAT, "Giới thiệu kế hoạch")
    sections = await said(tg, CHAT, "mời bạn chọn nội dung")
    assert sections["method"] == "editMessageText"
    assert sections["message_id"] == menu["message_id"]
    tg.user_presses(CHAT, "Ba lớp tập huấn")
    answer = await said(tg, CHAT, "03 lớp tập huấn")
    labels = [b["text"] for row in answer["reply_markup"]["inline_keyboard"] for b in row]
    assert "Đăng ký lớp tập huấn" in labels


async def test_an_admin_export_arrives_as_an_excel_document(tg, db_url):
    settings = Settings(
        _env_file=None, database_url=db_url, telegram_bot_token=tg.token,
        telegram_api_base_url=tg.base_url, admin_ids="telegram:777",
    )
    async with running(TelegramChannel(build_core(settings), limiter=fast_limiter())):
        await full_registration(tg)
        tg.user_sends_command(777, "admin")
        await said(tg, 777, "Quản trị")
        tg.user_presses(777, "📥 Xuất Excel")
        await tg.wait_until(lambda: any(m["document"] for m in tg.sent(777)), what="document")
    sent = next(m for m in tg.sent(777) if m["document"])
    filename, content = sent["document"]
    assert sent["method"] == "sendDocument" and filename.endswith(".xlsx")
    assert "1 đăng ký lớp" in sent["text"]
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).worksheets[0].values)
    assert len(rows) == 2 and "0100233488" in rows[1]


async def test_a_crafted_callback_cancels_nothing_and_is_a_stale_button(tg, polling_bot,
                                                                        sessionmaker):
    await full_registration(tg)
    tg.user_sends_command(CHAT, "rutlai")
    await said(tg, CHAT, "rút lại đồng ý cho mục đích nào")
    for number, data in enumerate(("myreg:typo:1", "wd:reg:no", "cs:n", "myreg:xy:1:0"), 1):
        tg.user_sends_callback(CHAT, data)
        await said(tg, CHAT, "tin nhắn cũ", count=number)
    async with sessionmaker() as session:
        registration = (await session.execute(select(Registration))).scalar_one()
    assert registration.status == "interested"


async def test_the_share_phone_keyboard_is_removed_by_another_instance_or_after_a_restart(
    tg, db_url
):
    def instance() -> TelegramChannel:
        settings = Settings(_env_file=None, database_url=db_url, telegram_bot_token=tg.token,
                            telegram_api_base_url=tg.base_url)
        return TelegramChannel(build_core(settings), limiter=fast_limiter())

    async with running(instance()):
        tg.user_sends_command(CHAT, "start", "lop1")
        await said(tg, CHAT, "Thông báo xử lý dữ liệu cá nhân")
        tg.user_presses(CHAT, "Đồng ý: đăng ký, đề nghị hỗ trợ và nhắc lịch")
        for question, answer in [("Tên doanh nghiệp", "Công ty TNHH Biển Xanh"),
                                 ("nhập mã số thuế", "0100233488"),
                                 ("xã, phường hoặc đặc khu", "phường Hội An Đông"),
                                 ("thuộc tỉnh, thành phố nào", "Quảng Nam (cũ)"),
                                 ("lĩnh vực hoạt động chính", "Du lịch, nhà hàng, khách sạn"),
                                 ("họ và tên người liên hệ", "Lê Thị Hoa"),
                                 ("chức vụ của người liên hệ", "Giám đốc")]:
            await said(tg, CHAT, question)
            tg.user_sends_text(CHAT, answer)
        await said(tg, CHAT, "số điện thoại liên hệ")
    async with running(instance()):
        tg.user_shares_contact(CHAT, "84905123456")
        removal = await said(tg, CHAT, "email liên hệ")
        assert removal["reply_markup"] == {"remove_keyboard": True}
        # then the email question gets its inline buttons
        await tg.wait_until(lambda: tg.sent(CHAT)[-1]["method"] == "editMessageReplyMarkup")
