"""The consent notice meets Law 91/2025: what it says, the text kept, news on its own, the club's
age first, and the rights to restrict, object and reach a person."""

from sqlalchemy import select

from bot.channels.telegram import COMMANDS
from handlers.calendar import WorkCalendar
from handlers.context import BotConfig
from handlers.reminders import Planner
from messages.loader import Texts
from storage import consents
from storage.models import ConsentEvent, DataRequest, OutboxMessage
from tests.dialogue.helpers import add_session, register, valid_tax_code
from tests.dialogue.test_agencies_and_reminders import local
from tests.fakes.chat import FakeChat


async def test_the_notice_names_every_item_the_law_asks_for(chat):
    await chat.send("/dangky")
    text = chat.text()
    for item in ("91/2025/QH15", "356/2025/NĐ-CP", "/dulieucuatoi", "/suathongtin", "/rutlai",
                 "/xoadulieu", "/hanche", "/phandoi", "/lienhe", "/chinhsach",
                 "2 ngày làm việc", "15 ngày", "tại Việt Nam", "Telegram", "Zalo",
                 "ở nước ngoài", "khiếu nại", "Im lặng", "Hậu quả", "phiên bản 2026.3"):
        assert item in text, item
    assert "(1)" in text and "(2)" in text  # purposes as a numbered list


async def test_the_exact_text_shown_is_kept_by_its_hash(chat, sessionmaker):
    await chat.send("/dangky")
    shown = chat.replies[-1].text
    await chat.press("Đồng ý: đăng ký")
    await chat.send("/rutlai")  # a second notice later is the same text, kept once
    async with sessionmaker() as session:
        event = (await session.execute(select(ConsentEvent))).scalar_one()
        assert await consents.text_of(session, event.text_sha256) == shown


async def test_news_can_be_accepted_without_registering(chat, sessionmaker):
    await chat.send("/dangky")
    await chat.press("Chỉ nhận tin chương trình khác")
    assert "họ và tên" not in chat.text().lower() and "tin về các chương trình" in chat.text()
    async with sessionmaker() as session:
        event = (await session.execute(select(ConsentEvent))).scalar_one()
    assert event.purposes_granted == ["news"] and event.purposes_refused == ["registration"]
    await chat.send("/dangky")  # registering still needs the required purpose
    assert "Thông báo xử lý dữ liệu" in chat.text()


async def test_the_club_asks_the_age_before_consent_and_records_nothing_under_16(
    chat, sessionmaker
):
    await chat.send("/start clb-dhqn")
    assert "16 tuổi" in chat.text() and "Thông báo xử lý dữ liệu" not in chat.text()
    await chat.press("chưa đủ 16")
    assert "cha mẹ hoặc người giám hộ" in chat.text()
    async with sessionmaker() as session:
        assert (await session.execute(select(ConsentEvent))).first() is None
    await chat.send("/start clb-dhqn")
    await chat.press("Tôi từ đủ 16 tuổi")
    assert "Thông báo xử lý dữ liệu" in chat.text()
    await chat.press("Đồng ý: đăng ký")
    assert "họ và tên" in chat.text()  # the age is not asked twice


def _planner():
    return Planner(Texts.load(), BotConfig(admins=frozenset({"telegram:900"})), WorkCalendar())


async def _broadcast(admin, text):
    await admin.send(payload="adm:bc")
    await admin.press("Học viên đã có chỗ")
    await admin.press("nhận thức về năng suất")
    await admin.send(text)
    await admin.press("Xác nhận")


async def _sent_to(sessionmaker, chat_id):
    async with sessionmaker() as session:
        query = select(OutboxMessage.topic).where(OutboxMessage.chat_id == chat_id)
        return (await session.execute(query)).scalars().all()


async def _pause_stops_broadcasts_and_reminders(dispatcher, sessionmaker, clock, command,
                                               confirm, lift):
    clock.now = local(2026, 12, 1, 9)
    await add_session(sessionmaker, clock, "lop1", capacity=5, days=3)  # Friday 4/12
    person, admin = FakeChat(dispatcher, "p"), FakeChat(dispatcher, "admin")
    await register(person, tax_code=valid_tax_code(3), attendees="1")
    await register(FakeChat(dispatcher, "q"), tax_code=valid_tax_code(4), attendees="1")
    await person.send(command)
    await person.press(confirm)
    assert "2 ngày làm việc" in person.text()
    async with sessionmaker() as session:
        request = (await session.execute(select(DataRequest))).scalars().all()[-1]
    assert request.detail == "on" and command[1:] in ("hanche", "phandoi")
    await _broadcast(admin, "Tin thứ nhất")
    async with sessionmaker.begin() as session:
        await _planner().run(session, local(2026, 12, 3, 7, 45))
    assert await _sent_to(sessionmaker, "p") == []
    assert sorted(await _sent_to(sessionmaker, "q")) == ["bc:1", "reg:2"]  # others still are
    await person.send(command)
    await person.press(lift)
    await _broadcast(admin, "Tin thứ hai")
    async with sessionmaker.begin() as session:
        await _planner().run(session, local(2026, 12, 3, 7, 46))
    topics = await _sent_to(sessionmaker, "p")
    assert "bc:2" in topics and "reg:1" in topics


async def test_restricting_stops_broadcasts_and_reminders_until_lifted(
    dispatcher, sessionmaker, clock
):
    await _pause_stops_broadcasts_and_reminders(
        dispatcher, sessionmaker, clock, "/hanche", "Có, hạn chế", "Bỏ hạn chế")
    async with sessionmaker() as session:
        kinds = [r.kind for r in (await session.execute(select(DataRequest))).scalars()]
    assert kinds == ["restrict", "restrict"]


async def test_objecting_stops_broadcasts_and_reminders_until_lifted(
    dispatcher, sessionmaker, clock
):
    await _pause_stops_broadcasts_and_reminders(
        dispatcher, sessionmaker, clock, "/phandoi", "Có, phản đối", "Rút lại phản đối")


async def test_reaching_a_person_alerts_an_admin_without_the_name_and_erasure_clears_it(
    dispatcher, sessionmaker
):
    person = FakeChat(dispatcher, "p")
    await person.send("/lienhe tôi cần hỏi về lớp học", display_name="Nguyễn Văn An")
    assert "2 ngày làm việc" in person.text()
    async with sessionmaker() as session:
        alert = (await session.execute(select(OutboxMessage))).scalar_one()
    assert alert.chat_id == "admin" and "tôi cần hỏi về lớp học" in alert.text
    assert "Nguyễn Văn An" not in alert.text and "#1" in alert.text
    await person.send("/xoadulieu")
    await person.press("Có, xóa dữ liệu của tôi")
    async with sessionmaker() as session:
        alert = (await session.execute(select(OutboxMessage))).scalar_one()
    assert "tôi cần hỏi" not in alert.text


async def test_help_and_the_telegram_menu_name_the_new_rights(chat):
    await chat.send("/help")
    for command in ("/hanche", "/phandoi", "/lienhe"):
        assert command in chat.text()
        assert command[1:] in COMMANDS
