"""Tests of the fake Telegram Bot API server, mostly through a real python-telegram-bot Bot."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import re
import time
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from .telegram_server import FakeTelegram

CHAT = 84_905_123
OTHER = 84_905_999


@pytest_asyncio.fixture
async def tg():
    async with FakeTelegram() as fake:
        yield fake


@pytest_asyncio.fixture
async def bot(tg: FakeTelegram):
    async with Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url) as ptb_bot:
        yield ptb_bot


async def call(
    tg: FakeTelegram, method: str, *, token: str | None = None, **params: Any
) -> tuple[int, dict[str, Any]]:
    """POST like PTB does: a form whose non-string values are JSON-encoded."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{tg.base_url}{token or tg.token}/{method}", data=form) as response,
    ):
        return response.status, await response.json()


def keyboard(*labels_and_data: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data)] for label, data in labels_and_data]
    )


def bad_request(detail: str) -> pytest.RaisesExc[BadRequest]:
    """PTB strips Telegram's "Bad Request: " prefix and capitalises the rest."""
    return pytest.raises(BadRequest, match="(?i)" + re.escape(detail))


# --------------------------------------------------------------------------- lifecycle & HTTP


@pytest.mark.asyncio
async def test_free_port_and_urls():
    async with FakeTelegram() as one, FakeTelegram("42:OTHER") as two:
        assert one.base_url.startswith("http://127.0.0.1:") and one.base_url.endswith("/bot")
        assert one.base_file_url.endswith("/file/bot")
        assert one.base_url != two.base_url


@pytest.mark.asyncio
async def test_stop_is_prompt_with_a_pending_long_poll_and_restart_keeps_state():
    tg = FakeTelegram()
    await tg.start()
    await call(tg, "sendMessage", chat_id=CHAT, text="trước")
    poll = asyncio.create_task(call(tg, "getUpdates", timeout=30))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await tg.stop()
    assert time.monotonic() - started < 2
    assert (await poll)[1] == {"ok": True, "result": []}
    await tg.start()
    try:
        status, body = await call(tg, "sendMessage", chat_id=CHAT, text="sau")
        assert body["result"]["message_id"] == 2
    finally:
        await tg.stop()


@pytest.mark.asyncio
async def test_get_me_through_ptb(bot: Bot, tg: FakeTelegram):
    me = await bot.get_me()
    assert me.username == "qnam_nscl_bot" and me.is_bot and me.id == 123456
    assert tg.calls[0][0] == "getMe"


@pytest.mark.asyncio
async def test_unknown_method_wrong_token_and_case_insensitive_methods(tg: FakeTelegram):
    assert await call(tg, "sendSticker2", chat_id=CHAT) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    status, body = await call(tg, "getMe", token="999:WRONG")
    assert (status, body["description"]) == (401, "Unauthorized")
    status, body = await call(tg, "GETME")
    assert status == 200 and body["result"]["username"] == "qnam_nscl_bot"
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=tg.base_url):
            pass


@pytest.mark.asyncio
async def test_json_body_and_query_string_are_accepted(tg: FakeTelegram):
    async with aiohttp.ClientSession() as session:
        url = f"{tg.base_url}{tg.token}/sendMessage"
        async with session.post(url, json={"chat_id": CHAT, "text": "xin chào"}) as response:
            assert (await response.json())["result"]["text"] == "xin chào"
        async with session.get(url, params={"chat_id": str(CHAT), "text": "lần 2"}) as response:
            assert (await response.json())["result"]["message_id"] == 2


# --------------------------------------------------------------------------- sending & editing


@pytest.mark.asyncio
async def test_send_message_round_trip(bot: Bot, tg: FakeTelegram):
    markup = keyboard(("Đồng ý", "consent:yes"), ("Không", "consent:no"))
    message = await bot.send_message(
        CHAT, "<b>Chào</b> bạn &amp; gia đình", parse_mode="HTML", reply_markup=markup
    )
    assert message.message_id == 1 and message.chat.id == CHAT and message.chat.type == "private"
    assert message.from_user.username == "qnam_nscl_bot"
    assert message.text == "Chào bạn & gia đình"
    assert message.entities[0].type == "bold" and message.entities[0].length == 4
    assert message.reply_markup == markup
    assert message.text_html == "<b>Chào</b> bạn &amp; gia đình"
    [entry] = tg.sent(CHAT)
    assert entry["method"] == "sendMessage" and entry["parse_mode"] == "HTML"
    assert entry["text"] == "<b>Chào</b> bạn &amp; gia đình"
    assert entry["plain_text"] == "Chào bạn & gia đình"
    assert entry["reply_markup"] == markup.to_dict() and entry["document"] is None
    assert tg.last_text(CHAT) == entry["text"]
    assert tg.calls[-1] == ("sendMessage", tg.calls[-1][1])
    assert tg.calls[-1][1]["chat_id"] == CHAT  # decoded back to int


@pytest.mark.asyncio
async def test_message_ids_increase_per_chat_and_unknown_chats_are_fine(bot: Bot):
    first = await bot.send_message(CHAT, "một")
    second = await bot.send_message(CHAT, "hai")
    other = await bot.send_message(OTHER, "123")
    assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
    assert other.text == "123"  # string parameters are never JSON-decoded


@pytest.mark.asyncio
async def test_text_is_trimmed_and_empty_text_rejected(bot: Bot):
    assert (await bot.send_message(CHAT, "  xin chào \n")).text == "xin chào"
    for text in ("", "   ", "<b> </b>"):
        with bad_request("message text is empty"):
            await bot.send_message(CHAT, text, parse_mode="HTML")


@pytest.mark.asyncio
async def test_length_counts_text_after_html_parsing(bot: Bot):
    await bot.send_message(CHAT, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    await bot.send_message(CHAT, "&amp;" * 4096, parse_mode="HTML")
    with bad_request("message is too long"):
        await bot.send_message(CHAT, "<i>" + "ệ" * 4097 + "</i>", parse_mode="HTML")
    with bad_request("message is too long"):
        await bot.send_message(CHAT, "a" * 4097)
    # Counted in UTF-16 code units, like Telegram's offsets: an emoji counts 2.
    with bad_request("message is too long"):
        await bot.send_message(CHAT, "😀" * 2049)


VALID_HTML = [
    ("<b>đậm</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <ins>n</ins>", None),
    ("<s>s</s> <strike>k</strike> <del>d</del> <tg-spoiler>x</tg-spoiler>", None),
    ('<span class="tg-spoiler">bí mật</span> <code>x = 1</code>', None),
    ('<pre><code class="language-python">print(1)</code></pre>', "pre"),
    ('<a href="https://quangnam.gov.vn/?a=1&amp;b=2">Cổng</a>', "text_link"),
    ("<blockquote expandable>trích dẫn</blockquote>", "expandable_blockquote"),
    ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "custom_emoji"),
    ("1 &lt; 2 &gt; 0 &quot;x&quot; &#8364; &#x20AC; a > b", None),
    ("<B>HOA</B>", "bold"),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("html", "first_entity"), VALID_HTML)
async def test_valid_html_is_accepted(tg: FakeTelegram, html: str, first_entity: str | None):
    status, body = await call(tg, "sendMessage", chat_id=CHAT, text=html, parse_mode="HTML")
    assert status == 200, body
    if first_entity:
        assert body["result"]["entities"][0]["type"] == first_entity


INVALID_HTML = [
    ("Chào <br> bạn", 'Unsupported start tag "br" at byte offset 6'),
    ("<p>đoạn</p>", 'Unsupported start tag "p" at byte offset 0'),
    ("a < b", 'Unsupported start tag "" at byte offset 2'),
    ("<b>đậm", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
    ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("<b", "Unclosed start tag at byte offset 0"),
    ("AT&T", 'Character "&" at byte offset 2'),
    ("&nbsp;", 'Character "&" at byte offset 0'),
    ("x &amp y", 'Character "&" at byte offset 2'),
    ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler"'),
    ("<tg-emoji>👍</tg-emoji>", 'Tag "tg-emoji" must have attribute "emoji-id"'),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("html", "detail"), INVALID_HTML)
async def test_invalid_html_is_rejected(tg: FakeTelegram, html: str, detail: str):
    status, body = await call(tg, "sendMessage", chat_id=CHAT, text=html, parse_mode="HTML")
    assert status == 400 and body["error_code"] == 400
    assert body["description"].startswith("Bad Request: can't parse entities: ")
    assert detail in body["description"]
    assert tg.sent() == []


@pytest.mark.asyncio
async def test_ptb_raises_bad_request_for_invalid_html_and_caption(bot: Bot):
    with bad_request("can't parse entities"):
        await bot.send_message(CHAT, "<b>Chào</i>", parse_mode="HTML")
    with bad_request("unsupported parse_mode"):
        await bot.send_message(CHAT, "x", parse_mode="XML")
    with bad_request("message caption is too long"):
        await bot.send_document(CHAT, b"data", filename="a.txt", caption="c" * 1025)
    caption = "<b>" + "c" * 1024 + "</b>"
    await bot.send_document(CHAT, b"data", filename="a.txt", caption=caption, parse_mode="HTML")


@pytest.mark.asyncio
async def test_callback_data_is_limited_to_64_bytes(bot: Bot, tg: FakeTelegram):
    await bot.send_message(CHAT, "ok", reply_markup=keyboard(("A", "x" * 64)))
    for data in ("x" * 65, "ệ" * 22):  # 22 Vietnamese letters are 66 bytes
        with bad_request("BUTTON_DATA_INVALID"):
            await bot.send_message(CHAT, "quá dài", reply_markup=keyboard(("A", data)))
    status, body = await call(
        tg,
        "sendMessage",
        chat_id=CHAT,
        text="x",
        reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": ""}]]},
    )
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")
    status, body = await call(tg, "sendMessage", chat_id=CHAT, text="x", reply_markup="{oops")
    assert "can't parse reply keyboard markup JSON object" in body["description"]


@pytest.mark.asyncio
async def test_reply_keyboard_with_request_contact(bot: Bot, tg: FakeTelegram):
    markup = ReplyKeyboardMarkup(
        [[KeyboardButton("Chia sẻ số điện thoại", request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    message = await bot.send_message(CHAT, "Cho xin số điện thoại", reply_markup=markup)
    assert message.reply_markup is None  # Telegram only echoes inline keyboards
    assert tg.sent(CHAT)[0]["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    with pytest.raises(LookupError):
        tg.user_presses(CHAT, "Chia sẻ số điện thoại")


@pytest.mark.asyncio
async def test_edit_message_text(bot: Bot, tg: FakeTelegram):
    markup = keyboard(("Tiếp", "next"))
    sent = await bot.send_message(CHAT, "Bước 1", reply_markup=markup)
    edited = await bot.edit_message_text(
        "<b>Bước 2</b>", CHAT, sent.message_id, parse_mode="HTML", reply_markup=markup
    )
    assert edited.text == "Bước 2" and edited.edit_date is not None
    with bad_request("message is not modified"):
        await bot.edit_message_text(
            "<b>Bước 2</b>", CHAT, sent.message_id, parse_mode="HTML", reply_markup=markup
        )
    # Same text without the bold entity is a different content.
    await bot.edit_message_text("Bước 2", CHAT, sent.message_id, reply_markup=markup)
    # Same text without reply_markup removes the keyboard, so it is a modification too.
    edited = await bot.edit_message_text("Bước 2", CHAT, sent.message_id)
    assert edited.reply_markup is None
    with bad_request("message to edit not found"):
        await bot.edit_message_text("x", CHAT, 999)
    with bad_request("message to edit not found"):
        await bot.edit_message_text("x", OTHER, sent.message_id)
    methods = [entry["method"] for entry in tg.sent(CHAT)]
    assert methods == ["sendMessage"] + ["editMessageText"] * 3
    assert tg.last_text(CHAT) == "Bước 2"


@pytest.mark.asyncio
async def test_edit_errors_for_user_and_document_messages(bot: Bot, tg: FakeTelegram):
    update = tg.user_sends_text(CHAT, "tin của người dùng")
    with bad_request("message can't be edited"):
        await bot.edit_message_text("x", CHAT, update["message"]["message_id"])
    document = await bot.send_document(CHAT, b"1", filename="a.txt")
    with bad_request("there is no text in the message to edit"):
        await bot.edit_message_text("x", CHAT, document.message_id)


@pytest.mark.asyncio
async def test_edit_message_reply_markup(bot: Bot, tg: FakeTelegram):
    sent = await bot.send_message(CHAT, "Chọn", reply_markup=keyboard(("A", "a")))
    new_markup = keyboard(("B", "b"))
    edited = await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=new_markup)
    assert edited.reply_markup == new_markup
    with bad_request("message is not modified"):
        await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=new_markup)
    await bot.edit_message_reply_markup(CHAT, sent.message_id)  # removes the keyboard
    entry = tg.sent(CHAT)[-1]
    assert entry["method"] == "editMessageReplyMarkup" and entry["reply_markup"] is None
    assert entry["text"] == "Chọn"
    with pytest.raises(LookupError):
        tg.user_presses(CHAT, "B")


@pytest.mark.asyncio
async def test_delete_message(bot: Bot, tg: FakeTelegram):
    sent = await bot.send_message(CHAT, "xoá tôi")
    assert await bot.delete_message(CHAT, sent.message_id) is True
    assert tg.deleted == [(CHAT, sent.message_id)]
    with bad_request("message to delete not found"):
        await bot.delete_message(CHAT, sent.message_id)


@pytest.mark.asyncio
async def test_send_document_keeps_filename_and_bytes(bot: Bot, tg: FakeTelegram):
    content = b"PK\x03\x04 fake xlsx bytes"
    message = await bot.send_document(
        CHAT, content, filename="bao-cao-nscl.xlsx", caption="<b>Báo cáo</b>", parse_mode="HTML"
    )
    assert message.document.file_name == "bao-cao-nscl.xlsx"
    assert message.document.file_size == len(content)
    assert message.caption == "Báo cáo" and message.caption_entities[0].type == "bold"
    entry = tg.sent(CHAT)[-1]
    assert entry["document"] == ("bao-cao-nscl.xlsx", content)
    assert entry["text"] == "<b>Báo cáo</b>"
    file = await bot.get_file(message.document.file_id)
    assert bytes(await file.download_as_bytearray()) == content
    again = await bot.send_document(OTHER, message.document.file_id)  # resend by file_id
    assert again.document.file_name == "bao-cao-nscl.xlsx"
    with bad_request("file must be non-empty"):
        await bot.send_document(CHAT, b"", filename="empty.txt")
    with bad_request("wrong file identifier"):
        await bot.send_document(CHAT, "no-such-file-id")


@pytest.mark.asyncio
async def test_send_chat_action(bot: Bot, tg: FakeTelegram):
    assert await bot.send_chat_action(CHAT, "typing") is True
    assert tg.chat_actions == [(CHAT, "typing")]
    with bad_request("wrong parameter action"):
        await bot.send_chat_action(CHAT, "dancing")


@pytest.mark.asyncio
async def test_commands_and_descriptions(bot: Bot, tg: FakeTelegram):
    commands = [BotCommand("start", "Bắt đầu"), BotCommand("tro_giup", "Trợ giúp")]
    assert await bot.set_my_commands(commands) is True
    assert tg.commands == [
        {"command": "start", "description": "Bắt đầu"},
        {"command": "tro_giup", "description": "Trợ giúp"},
    ]
    assert list(await bot.get_my_commands()) == commands
    for bad in (BotCommand("Start", "x"), BotCommand("a" * 33, "x"), BotCommand("trợ", "x")):
        with bad_request("BOT_COMMAND_INVALID"):
            await bot.set_my_commands([bad])
    with bad_request("BOT_COMMAND_DESCRIPTION_INVALID"):
        await bot.set_my_commands([BotCommand("start", "d" * 257)])
    assert await bot.set_my_description("Trợ lý Kế hoạch 1349/KH-UBND") is True
    assert await bot.set_my_short_description("Năng suất, chất lượng") is True
    assert tg.description.startswith("Trợ lý") and tg.short_description.startswith("Năng")


# --------------------------------------------------------------------------- faults


@pytest.mark.asyncio
async def test_429_raises_retry_after(bot: Bot, tg: FakeTelegram, monkeypatch: pytest.MonkeyPatch):
    # Without PTB_TIMEDELTA, PTB 22 emits a PTBDeprecationWarning when it builds RetryAfter.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    tg.fail_with_429(times=2, retry_after=3)
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(CHAT, "x")
        assert caught.value.retry_after == dtm.timedelta(seconds=3)
    await bot.send_message(CHAT, "x")
    assert [entry["text"] for entry in tg.sent()] == ["x"]
    status, body = await call(tg, "sendMessage", chat_id=CHAT, text="y")
    assert status == 200


@pytest.mark.asyncio
async def test_429_for_one_chat_and_other_methods(bot: Bot, tg: FakeTelegram):
    tg.fail_with_429("editMessageText", chat_id=OTHER, retry_after=7)
    tg.fail_with_429(chat_id=OTHER)
    await bot.send_message(CHAT, "không bị giới hạn")
    status, body = await call(tg, "sendMessage", chat_id=OTHER, text="x")
    assert status == 429 and body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    sent = await bot.send_message(OTHER, "x")
    status, body = await call(
        tg, "editMessageText", chat_id=OTHER, message_id=sent.message_id, text="y"
    )
    assert body["parameters"] == {"retry_after": 7}


@pytest.mark.asyncio
async def test_blocked_chat_is_forbidden(bot: Bot, tg: FakeTelegram):
    tg.block_chat(CHAT)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "x")
    with pytest.raises(Forbidden):
        await bot.send_document(CHAT, b"1", filename="a.txt")
    await bot.send_message(OTHER, "vẫn gửi được")
    tg.unblock_chat(CHAT)
    await bot.send_message(CHAT, "x")


# --------------------------------------------------------------------------- users & updates


@pytest.mark.asyncio
async def test_get_updates_and_offset_confirmation(bot: Bot, tg: FakeTelegram):
    first = tg.user_sends_text(CHAT, "Xin chào", first_name="Bình", username="binh_qn")
    second = tg.user_sends_command(CHAT, "start", "lop1")
    assert second["update_id"] == first["update_id"] + 1
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [first["update_id"], second["update_id"]]
    message = updates[0].message
    assert message.text == "Xin chào" and message.from_user.first_name == "Bình"
    assert message.chat.id == CHAT and message.from_user.username == "binh_qn"
    command = updates[1].message
    assert command.text == "/start lop1"
    assert command.entities[0].type == "bot_command" and command.entities[0].length == 6
    assert len(await bot.get_updates()) == 2  # not confirmed yet
    assert len(await bot.get_updates(limit=1)) == 1
    updates = await bot.get_updates(offset=second["update_id"])
    assert [u.update_id for u in updates] == [second["update_id"]]
    assert await bot.get_updates(offset=second["update_id"] + 1) == ()


@pytest.mark.asyncio
async def test_long_poll_returns_as_soon_as_an_update_arrives(bot: Bot, tg: FakeTelegram):
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    tg.user_sends_text(CHAT, "đây rồi")
    updates = await asyncio.wait_for(poll, 2)
    assert updates[0].message.text == "đây rồi"
    assert time.monotonic() - started < 2


@pytest.mark.asyncio
async def test_long_poll_times_out_empty(bot: Bot):
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 < time.monotonic() - started < 3


@pytest.mark.asyncio
async def test_overlapping_long_polls_conflict(bot: Bot, tg: FakeTelegram):
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    second = asyncio.create_task(call(tg, "getUpdates", timeout=5))
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, 2)
    tg.user_sends_text(CHAT, "cho lần gọi thứ hai")
    status, body = await asyncio.wait_for(second, 2)
    assert status == 200 and body["result"][0]["message"]["text"] == "cho lần gọi thứ hai"


@pytest.mark.asyncio
async def test_contact_and_callback_query(bot: Bot, tg: FakeTelegram):
    tg.user_shares_contact(CHAT, "84905123456")
    sent = await bot.send_message(CHAT, "Bạn đồng ý?", reply_markup=keyboard(("Có", "consent:1")))
    pressed = tg.user_presses(CHAT, "Có")
    assert pressed["callback_query"]["message"]["message_id"] == sent.message_id
    contact_update, query_update = await bot.get_updates()
    contact = contact_update.message.contact
    assert (contact.phone_number, contact.user_id) == ("84905123456", CHAT)
    query = query_update.callback_query
    assert query.data == "consent:1" and query.from_user.id == CHAT
    assert query.message.message_id == sent.message_id
    assert await query.answer("Đã ghi nhận") is True
    assert tg.answered_callbacks[0]["text"] == "Đã ghi nhận"
    with bad_request("query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(LookupError, match="Không"):
        tg.user_presses(CHAT, "Không")
    with pytest.raises(LookupError):
        tg.user_presses(OTHER, "Có")


@pytest.mark.asyncio
async def test_callback_answer_text_limit(bot: Bot, tg: FakeTelegram):
    await bot.send_message(CHAT, "?", reply_markup=keyboard(("A", "a")))
    query_id = tg.user_presses(CHAT, "A")["callback_query"]["id"]
    with bad_request("MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(query_id, text="x" * 201)
    assert await bot.answer_callback_query(query_id, text="x" * 200) is True


@pytest.mark.asyncio
async def test_presses_latest_keyboard_or_given_message(bot: Bot, tg: FakeTelegram):
    old = await bot.send_message(CHAT, "cũ", reply_markup=keyboard(("Chọn", "old")))
    await bot.send_message(CHAT, "mới", reply_markup=keyboard(("Chọn", "new")))
    await bot.send_message(CHAT, "không có bàn phím")
    assert tg.user_presses(CHAT, "Chọn")["callback_query"]["data"] == "new"
    update = tg.user_presses(CHAT, "Chọn", message_id=old.message_id)
    assert update["callback_query"]["data"] == "old"


@pytest.mark.asyncio
async def test_allowed_updates_filters_new_updates(bot: Bot, tg: FakeTelegram):
    await bot.send_message(CHAT, "?", reply_markup=keyboard(("A", "a")))
    await bot.get_updates(allowed_updates=["message"])
    tg.user_presses(CHAT, "A")
    tg.user_sends_text(CHAT, "chữ")
    assert [u.message.text for u in await bot.get_updates()] == ["chữ"]


@pytest.mark.asyncio
async def test_wait_for_sent(bot: Bot, tg: FakeTelegram):
    async def later() -> None:
        await asyncio.sleep(0.1)
        await bot.send_message(CHAT, "một")
        await bot.send_message(CHAT, "hai")

    task = asyncio.create_task(later())
    sent = await tg.wait_for_sent(CHAT, 2, timeout=3)
    assert [entry["text"] for entry in sent] == ["một", "hai"]
    await task
    with pytest.raises(TimeoutError, match="expected 3 messages"):
        await tg.wait_for_sent(CHAT, 3, timeout=0.1)


# --------------------------------------------------------------------------- webhooks


class Receiver:
    """A tiny webhook endpoint that answers with scripted statuses."""

    def __init__(self, statuses: tuple[int, ...] = ()):
        self.statuses = list(statuses)
        self.requests: list[tuple[str | None, dict[str, Any]]] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        self.requests.append((secret, await request.json()))
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hook"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


@pytest.mark.asyncio
async def test_webhook_delivery_with_secret(bot: Bot, tg: FakeTelegram):
    async with Receiver() as receiver:
        assert await bot.set_webhook(receiver.url, secret_token="bi-mat_123") is True
        with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
            await bot.get_updates()
        update = tg.user_sends_text(CHAT, "qua webhook")
        await tg.wait_until(lambda: len(receiver.requests) == 1, 3)
        assert receiver.requests == [("bi-mat_123", update)]
        assert tg.webhook_deliveries[0]["status"] == 200
        info = await bot.get_webhook_info()
        assert info.url == receiver.url and info.pending_update_count == 0
        assert info.has_custom_certificate is False
        assert await bot.delete_webhook() is True
    assert (await bot.get_webhook_info()).url == ""


@pytest.mark.asyncio
async def test_webhook_retries_until_200():
    async with (
        FakeTelegram(webhook_retry_delay=0.01, webhook_max_attempts=4) as tg,
        Receiver(statuses=(500, 502)) as receiver,
    ):
        status, _ = await call(tg, "setWebhook", url=receiver.url)
        assert status == 200
        update = tg.user_sends_text(CHAT, "thử lại")
        await tg.wait_until(lambda: len(tg.webhook_deliveries) == 3, 3)
        assert [d["status"] for d in tg.webhook_deliveries] == [500, 502, 200]
        assert [d["attempt"] for d in tg.webhook_deliveries] == [1, 2, 3]
        assert {d["update_id"] for d in tg.webhook_deliveries} == {update["update_id"]}
        assert [secret for secret, _ in receiver.requests] == [None, None, None]
        status, body = await call(tg, "getWebhookInfo")
        assert body["result"]["pending_update_count"] == 0
        assert "502" in body["result"]["last_error_message"]


@pytest.mark.asyncio
async def test_webhook_gives_up_after_max_attempts():
    async with (
        FakeTelegram(webhook_retry_delay=0.01, webhook_max_attempts=2) as tg,
        Receiver(statuses=(500, 500)) as receiver,
    ):
        await call(tg, "setWebhook", url=receiver.url)
        tg.user_sends_text(CHAT, "mất")
        second = tg.user_sends_text(CHAT, "tới nơi")
        await tg.wait_until(lambda: len(receiver.requests) == 3, 3)
        assert receiver.requests[-1][1] == second
        assert [d["status"] for d in tg.webhook_deliveries] == [500, 500, 200]


@pytest.mark.asyncio
async def test_pending_updates_go_to_new_webhook_unless_dropped(bot: Bot, tg: FakeTelegram):
    tg.user_sends_text(CHAT, "đang chờ")
    async with Receiver() as receiver:
        await bot.set_webhook(receiver.url)
        await tg.wait_until(lambda: len(receiver.requests) == 1, 3)
        await bot.delete_webhook()
        tg.user_sends_text(CHAT, "bị bỏ")
        assert (await bot.get_webhook_info()).pending_update_count == 1
        await bot.set_webhook(receiver.url, drop_pending_updates=True)
        assert (await bot.get_webhook_info()).pending_update_count == 0
        await asyncio.sleep(0.1)
        assert len(receiver.requests) == 1


@pytest.mark.asyncio
async def test_set_webhook_validation(bot: Bot, tg: FakeTelegram):
    with bad_request("secret token contains unallowed characters"):
        await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="có dấu")
    with bad_request("secret token is too long"):
        await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="a" * 257)
    with bad_request("An HTTPS URL must be provided"):
        await bot.set_webhook("http://example.com/hook")
    with bad_request("ports 80, 88, 443 or 8443"):
        await bot.set_webhook("https://example.com:8080/hook")
    status, body = await call(tg, "setWebhook", url="http://localhost:9/hook")
    assert body == {"ok": True, "result": True, "description": "Webhook was set"}
    status, body = await call(tg, "deleteWebhook")
    assert body["description"] == "Webhook was deleted"
    status, body = await call(tg, "deleteWebhook")
    assert body["description"] == "Webhook is already deleted"


# --------------------------------------------------------------------------- a PTB application


@pytest.mark.asyncio
async def test_ptb_application_polling_end_to_end(tg: FakeTelegram):
    async def start(update: Any, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(
            f"Chào <b>{update.effective_user.first_name}</b> ({' '.join(context.args)})",
            parse_mode="HTML",
            reply_markup=keyboard(("Đồng ý", "consent:yes")),
        )

    async def pressed(update: Any, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("OK")
        await update.callback_query.edit_message_text("Cảm ơn bạn!")

    app = (
        Application.builder()
        .token(tg.token)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        await app.updater.start_polling(timeout=dtm.timedelta(seconds=1))
        try:
            tg.user_sends_command(CHAT, "start", "lop1")
            [greeting] = await tg.wait_for_sent(CHAT, 1)
            assert greeting["plain_text"] == "Chào An (lop1)"
            tg.user_presses(CHAT, "Đồng ý")
            sent = await tg.wait_for_sent(CHAT, 2)
            assert sent[-1]["method"] == "editMessageText"
            assert tg.last_text(CHAT) == "Cảm ơn bạn!"
            await tg.wait_until(lambda: len(tg.answered_callbacks) == 1, 3)
        finally:
            await app.updater.stop()
            await app.stop()
    assert tg.pending_updates == []  # PTB confirmed everything it processed
