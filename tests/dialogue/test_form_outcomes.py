"""What a form shows and says at its ends, on the text channels (issue 15): ticks when a
multi-select is edited, clubs that answer early, refusals that do not claim success."""

from sqlalchemy import select

from storage import org
from storage.models import ClubMembership, Registration
from tests.dialogue.helpers import fill_enterprise, register
from tests.dialogue.test_clubs_and_privacy import join_club
from tests.fakes.chat import FakeChat


async def test_editing_a_multi_select_shows_the_ticks_and_a_tap_toggles(person):
    await person.send("/dangky")
    await person.press("Đồng ý: đăng ký")
    await person.choose("năng suất chất lượng")
    await person.choose("đổi mới sáng tạo")
    await person.choose("Xong")
    await fill_enterprise(person)
    await person.press("Sửa lớp đăng ký")
    ticked = [label for label in person.labels() if label.startswith("✅")]
    assert len(ticked) == 2 and "năng suất chất lượng" in ticked[0]
    await person.choose("năng suất chất lượng")  # unticks it
    assert [label for label in person.labels() if label.startswith("✅")] == ticked[1:]
    await person.choose("Xong")
    summary = person.text()
    assert "Mời bạn kiểm tra lại" in summary
    assert "đổi mới sáng tạo" in summary and "năng suất chất lượng" not in summary


async def test_a_member_is_told_when_choosing_the_school(person, sessionmaker):
    await join_club(person)
    await person.send("/caulacbo")
    await person.choose("Đại học Quảng Nam")
    assert "đã là thành viên" in person.text() and "CLB-DH-0001" in person.text()
    assert "16 tuổi" not in person.text()
    await person.send("/start clb-dhqn")  # the poster's link says the same at once
    assert "đã là thành viên" in person.text() and "16 tuổi" not in person.text()
    await person.send("/caulacbo")
    await person.choose("Cao đẳng Quảng Nam")  # the other school's club is still open
    assert "16 tuổi" in person.text()


async def test_under_16_ends_the_form_with_the_school_contact(person, sessionmaker, clock):
    async with sessionmaker.begin() as session:
        await org.put(session, "club_contact_dhqn", "Phòng Công tác sinh viên, 0235 3812 345",
                      "console:admin", clock.now)
    await person.send("/start clb-dhqn")
    await person.choose("chưa đủ 16")  # asked before the consent notice
    assert "cha mẹ hoặc người giám hộ" in person.text()
    assert "Phòng Công tác sinh viên, 0235 3812 345" in person.text()
    assert "16 tuổi?" not in person.text() and "Bấm «Hủy»" not in person.text()
    await person.choose("Về menu")
    assert "Bạn muốn làm gì?" in person.text() and "đang điền dở" not in person.text()
    async with sessionmaker() as session:
        assert (await session.execute(select(ClubMembership))).first() is None


async def test_under_16_without_a_school_contact_names_no_contact(person):
    await person.send("/start clb-cdqn")
    await person.choose("chưa đủ 16")  # asked before the consent notice
    assert "cha mẹ hoặc người giám hộ" in person.text() and "Về menu" in person.labels()
    assert "chưa được cập nhật" not in person.text()


async def test_a_refusal_at_confirmation_does_not_begin_with_success(
        person, dispatcher, sessionmaker):
    await person.send("/start lop1")
    await person.press("Đồng ý: đăng ký")
    await fill_enterprise(person)
    colleague = FakeChat(dispatcher, user_id="colleague")
    await register(colleague, "lop1")  # the same tax code, meanwhile, from another account
    await person.choose("Xác nhận")
    first_line = person.text().splitlines()[0]
    assert not first_line.startswith("Đã ") and "Chưa" in first_line
    assert "từ một tài khoản khác" in person.text()
    async with sessionmaker() as session:
        assert len((await session.execute(select(Registration))).all()) == 1
