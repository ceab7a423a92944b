"""Texts the bot builds from parts read as natural Vietnamese: a field label used mid-sentence is
not capitalised, a form title is a heading, a session is closed and reopened in plain words, and
an overdue mark keeps its space."""

from datetime import date

import pytest

from storage import agencies
from tests.dialogue.helpers import add_session, agree, fill_enterprise
from tests.fakes.chat import FakeChat


@pytest.fixture
def admin(dispatcher):
    return FakeChat(dispatcher, user_id="admin")


async def test_summary_has_the_form_title_as_heading_and_lowercase_edit_buttons(person):
    await person.send("/start lop1")
    await agree(person)
    await fill_enterprise(person)
    assert "kiểm tra lại Đăng ký lớp tập huấn" not in person.text()
    assert person.text().startswith("Đăng ký lớp tập huấn\nMời bạn kiểm tra lại")
    labels = person.labels()
    assert "Sửa lớp đăng ký" in labels and "Sửa mã số thuế" in labels
    assert not any(label.startswith("Sửa ") and label[5].isupper() for label in labels)


async def test_closing_and_reopening_a_session_says_so_plainly(admin, sessionmaker, clock):
    await add_session(sessionmaker, clock)
    await admin.send(payload="adm:cls:toggle:1")
    assert "Buổi #1 đã ngừng nhận đăng ký." in admin.text()
    await admin.send(payload="adm:cls:toggle:1")
    assert "Buổi #1 đã mở lại đăng ký." in admin.text()
    assert " giờ " not in admin.text()


async def test_an_overdue_deadline_keeps_its_spacing(admin, sessionmaker, clock):
    async with sessionmaker.begin() as session:
        await agencies.add_deadline(session, "Báo cáo tháng 11", date(2026, 11, 20),
                                    ["phoi-hop"], clock.now)
    await admin.send(payload="adm:stats")
    assert "(hạn 20/11/2026, đã quá hạn):" in admin.text()
    assert ")—" not in admin.text()
