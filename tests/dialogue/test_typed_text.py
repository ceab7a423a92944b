"""What a person types on a text channel (terminal, Zalo Bot Platform): labels typed loosely,
the usual words, ways out of a form, numbers after a restart (issue 15)."""

import re

import pytest
from sqlalchemy import select

from storage.models import ConsentEvent
from tests.dialogue.helpers import valid_tax_code

FALLBACK = "không tìm thấy câu trả lời"


async def at_the_tax_code(person):
    """Agree from the poster's link to class 1 and name the company."""
    await person.send("/start lop1")
    await person.press("Đồng ý: đăng ký")
    await person.send("Công ty TNHH Ánh Dương")


async def to_the_summary(person):
    """Type the answers from the contact's name to the number of people."""
    for answer in ("Nguyễn Văn An", "Giám đốc", "0905123456", "bỏ qua", "2"):
        await person.send(answer)


@pytest.mark.parametrize("typed", ["đồng ý", "dong y", "ok", "Đồng Ý!"])
async def test_agreeing_in_words_keeps_the_consent_step(person, typed, sessionmaker):
    await person.send("/start lop1")
    await person.send(typed)
    assert FALLBACK not in person.text() and "Bạn muốn làm gì?" not in person.text()
    # two buttons mean "agree": the person is asked which one, nothing is assumed
    assert "Ý bạn là" in person.text()
    assert person.labels() == ["Đồng ý: đăng ký, đề nghị hỗ trợ và nhắc lịch",
                               "Đồng ý, và nhận thêm tin chương trình khác"]
    await person.send("1")
    assert "Tên doanh nghiệp" in person.text()
    async with sessionmaker() as session:
        event = (await session.execute(select(ConsentEvent))).scalar_one()
    assert event.purposes_granted == ["registration"]


async def test_refusing_in_words_is_a_refusal(person, sessionmaker):
    await person.send("/dangky")
    await person.send("không")
    assert "không hỏi hay lưu thông tin cá nhân" in person.text()
    async with sessionmaker() as session:
        assert (await session.execute(select(ConsentEvent))).scalar_one().action == "refuse"


async def test_choices_typed_without_diacritics_or_in_part(person):
    await person.send("/start lop1")
    await person.send("Đồng ý: đăng ký")  # a unique beginning of a label
    await person.send("Công ty TNHH Ánh Dương")
    await person.send(valid_tax_code(1))
    await person.send("phường Tam Kỳ")
    await person.send("quang nam")  # the beginning of «Quảng Nam (cũ)», without diacritics
    assert "lĩnh vực hoạt động chính" in person.text()
    await person.send("công nghiệp")
    assert "họ và tên người liên hệ" in person.text()
    await person.send("quay lai")
    assert "(Hiện tại: Công nghiệp, chế biến, chế tạo)" in person.text()
    await person.send("nghiep")  # in two sectors: the person is asked which
    assert "Ý bạn là" in person.text()
    assert person.labels() == ["Công nghiệp, chế biến, chế tạo", "Nông, lâm nghiệp, thủy sản"]
    await person.choose("Nông, lâm nghiệp")
    await to_the_summary(person)
    assert "Quảng Nam (cũ)" in person.text() and "Nông, lâm nghiệp, thủy sản" in person.text()


async def test_a_school_typed_without_diacritics(person):
    await person.send("/caulacbo")
    await person.send("toi tu du 16 tuoi")
    await person.send("Đồng ý: đăng ký")
    await person.send("dai hoc quang nam")
    assert "họ và tên" in person.text()  # the age, asked first, is not asked again


async def test_a_question_at_the_main_menu_still_reaches_the_answers(person):
    await person.send("/menu")
    await person.send("lớp tập huấn gồm những lớp nào?")
    assert "Ý bạn là" not in person.text() and "lớp" in person.text()
    assert "Thông báo xử lý dữ liệu" not in person.text()
    await person.send("/menu")
    await person.send("gioi thieu")  # the beginning of «Giới thiệu kế hoạch»
    assert "Ý bạn là" not in person.text() and "Bạn muốn làm gì?" not in person.text()


@pytest.mark.parametrize("word", ["menu", "/menu", "thoát", "hủy", "Huỷ"])
async def test_a_way_out_typed_in_a_form_is_not_an_answer(person, word):
    await at_the_tax_code(person)
    await person.send(word)
    assert "mã số thuế" not in person.text()
    assert "giữ lại" in person.text()  # the draft is kept, and the person chooses
    await person.send("điền tiếp")
    assert "mã số thuế" in person.text() and f"Hiện tại: {word}" not in person.text()
    await person.send("quay lại")
    assert "(Hiện tại: Công ty TNHH Ánh Dương)" in person.text()


async def test_a_way_out_in_quotes_is_the_answer(person):
    await person.send("/start lop1")
    await person.press("Đồng ý: đăng ký")
    await person.send('"Menu"')
    assert "mã số thuế" in person.text()
    await person.send("quay lại")
    assert "(Hiện tại: Menu)" in person.text()


async def test_leaving_a_form_keeps_the_draft_and_questions_are_answered_meanwhile(person):
    await at_the_tax_code(person)
    await person.send("thoát")
    await person.choose("Rời")
    assert "Bạn muốn làm gì?" in person.text()
    await person.send("lớp tập huấn gồm những lớp nào?")
    assert "mã số thuế" not in person.text() or "đang điền dở" in person.text()
    await person.send("tiếp tục")
    assert "mã số thuế" in person.text()
    await person.send(valid_tax_code(2))
    await person.send("phường Tam Kỳ")
    await person.send("thoát")
    await person.choose("Rời")
    await person.send("đăng ký lớp tập huấn")  # the menu's button: the draft is offered back
    assert "đang điền dở" in person.text() and "thuộc tỉnh, thành phố nào" in person.text()
    await person.send("quang nam")
    assert "lĩnh vực hoạt động chính" in person.text()
    await person.send("quay lại")
    await person.send("quay lại")
    await person.send("quay lại")
    assert f"(Hiện tại: {valid_tax_code(2)})" in person.text()


def numbers_in(message: str) -> list[int]:
    return [int(n) for n in re.findall(r"^\s*(\d+)\. ", message, re.MULTILINE)]


async def test_after_a_restart_a_digit_answers_the_pending_choice(person):
    await at_the_tax_code(person)
    await person.send(valid_tax_code(3))
    await person.send("phường Hội An")
    assert "thuộc tỉnh, thành phố nào" in person.text()
    await person.send("/start")  # what the terminal chat sends when it starts again
    shown = person.screen()
    numbered = [numbers_in(message) for message in shown if numbers_in(message)]
    assert numbered and all(n == list(range(1, len(n) + 1)) for n in numbered)
    resume = [m for m in shown if "đang điền dở" in m]
    assert len(resume) == 1 and "Xin chào" not in resume[0] and "Đà Nẵng" not in resume[0]
    await person.send("2")  # the second choice of the pending question: Đà Nẵng (cũ)
    assert "lĩnh vực hoạt động chính" in person.text()
    await person.choose("Thương mại")
    await to_the_summary(person)
    summary = person.text()
    for kept in ("năng suất chất lượng", "Công ty TNHH Ánh Dương", "Thành phố Đà Nẵng (cũ)",
                 "Thương mại", "Nguyễn Văn An", "Giám đốc"):
        assert kept in summary
