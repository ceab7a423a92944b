"""The consent notice meets Law 91/2025: what it says, the text kept, news on its own, the club's
age first, and the rights to restrict, object and reach a person."""

from sqlalchemy import select

from storage import consents
from storage.models import ConsentEvent


async def test_the_notice_names_every_item_the_law_asks_for(chat):
    await chat.send("/dangky")
    text = chat.text()
    for item in ("91/2025/QH15", "356/2025/NĐ-CP", "/dulieucuatoi", "/suathongtin", "/rutlai",
                 "/xoadulieu", "/hanche", "/phandoi", "/lienhe", "/chinhsach",
                 "2 ngày làm việc", "15 ngày", "tại Việt Nam", "Telegram", "Zalo",
                 "ở nước ngoài", "khiếu nại", "Im lặng", "Hậu quả", "phiên bản 2026.2"):
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
    assert "Họ và tên" not in chat.text() and "tin về các chương trình" in chat.text()
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
    assert "Họ và tên" in chat.text()  # the age is not asked twice

