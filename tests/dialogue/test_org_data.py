"""The organisation is admin data: department, jurisdiction, controller and contact are used
everywhere, an unset contact is left out (never "chưa được cập nhật"), and admins are told
what is still unset."""

from sqlalchemy import select

from handlers import organisation
from messages.plan import load_plan
from storage.models import OutboxMessage
from tests.fakes.chat import FakeChat

NOT_SET = "chưa được cập nhật"


async def test_no_reply_on_a_fresh_install_says_not_updated(chat):
    seen = []
    await chat.send("/start")
    seen.append(chat.text())
    menu = [label for label in chat.labels()]
    for label in menu:
        await chat.send("/menu")
        await chat.press(label)
        seen.append(chat.text())
    for section in load_plan().sections:
        await chat.send(payload=f"plan:{section.id}")
        seen.append(chat.text())
    for typed in ("/chinhsach", "/help", "thời tiết hôm nay", "vay vốn ngân hàng"):
        await chat.send(typed)
        seen.append(chat.text())
    await chat.send("/dangky")
    await chat.press("Không đồng ý")
    seen.append(chat.text())
    assert all(NOT_SET not in text for text in seen)
    assert any("Sở Khoa học và Công nghệ thành phố Đà Nẵng" in text for text in seen)


async def fill_org(admin, **values):
    await admin.send(payload="adm:org")
    for label, value in values.items():
        await admin.press(f"Sửa {label[:1].lower()}{label[1:]}")  # a label mid-sentence
        await admin.send(value)
    await admin.press("Xác nhận")
    assert "Đã lưu" in admin.text()


async def test_the_org_form_is_used_everywhere(dispatcher):
    admin = FakeChat(dispatcher, user_id="admin")
    await fill_org(admin, **{
        "Tên Sở": "Sở Khoa học và Công nghệ Thử nghiệm",
        "Địa bàn": "thành phố Thử nghiệm",
        "Bên kiểm soát dữ liệu": "Trung tâm Dữ liệu Thử nghiệm",
        "Liên hệ của Sở": "Phòng Thử nghiệm, 0236 3000 111",
    })
    person = FakeChat(dispatcher, "someone")
    await person.send("/start")
    assert "Sở Khoa học và Công nghệ Thử nghiệm" in person.text()
    await person.send("/chinhsach")
    assert "Trung tâm Dữ liệu Thử nghiệm" in person.text() and "0236 3000 111" in person.text()
    await person.send("thời tiết hôm nay")
    reach = "Sở Khoa học và Công nghệ Thử nghiệm (liên hệ: Phòng Thử nghiệm, 0236 3000 111)"
    assert reach in person.text()
    await person.send("sở khoa học ở đâu")
    assert "0236 3000 111" in person.text()
    await person.send("doanh nghiệp ở Đà Nẵng có được tham gia không")
    assert "thành phố Thử nghiệm" in person.text()


async def test_admins_are_told_what_is_unset(dispatcher, sessionmaker, texts, config, clock):
    admin = FakeChat(dispatcher, user_id="admin")
    await admin.send("/admin")
    assert "Chưa nhập: Liên hệ của Sở" in admin.text()
    for _ in range(2):  # the planner runs every minute: one alert a day
        async with sessionmaker.begin() as session:
            await organisation.alert_unset(session, texts, config, clock.now)
    async with sessionmaker() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
    assert len(rows) == 1 and "Liên hệ của Sở" in rows[0].text
    await fill_org(admin, **{"Liên hệ của Sở": "Phòng Thử nghiệm, 0236 3000 111"})
    await admin.send("/admin")
    assert "Chưa nhập" not in admin.text()
