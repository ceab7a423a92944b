"""Input hygiene: digits typed in other Unicode forms are read as numbers, and invisible format
characters are refused in names and left out of free text."""

import pytest
from sqlalchemy import select

from handlers.forms import validators as v
from handlers.forms.spec import Invalid
from storage.models import ClassSession
from tests.dialogue.helpers import agree
from tests.fakes.chat import FakeChat

OTHER_DIGITS = [("²", 2), ("①", 1), ("３", 3)]  # superscript, circled, full-width
FORMAT_CHARACTERS = ["\u202e", "\u200b", "\ufeff", "\u00ad"]  # RTL override, ZWSP, BOM, SHY
NAMES = [v.company, v.job_title, v.person_name, v.class_or_faculty]


@pytest.mark.parametrize(("typed", "number"), OTHER_DIGITS)
async def test_a_menu_number_typed_in_another_form_chooses_that_button(chat, typed, number):
    await chat.send("menu")
    await chat.send(str(number))
    expected = chat.text()
    await chat.send("menu")
    await chat.send(typed)
    assert chat.text() == expected and "Xin lỗi" not in expected


@pytest.mark.parametrize(("typed", "number"), OTHER_DIGITS)
def test_a_count_typed_in_another_form_is_that_number(typed, number):
    assert v.count_between(1, 50)(typed) == number


def test_digits_of_other_scripts_are_not_numbers():
    with pytest.raises(Invalid):
        v.count_between(1, 50)("٣")  # Arabic-Indic three: int() reads it, people here do not
    with pytest.raises(Invalid):
        v.count_between(1, 50)("9" * 5000)  # longer than int() converts


@pytest.mark.parametrize("character", FORMAT_CHARACTERS)
@pytest.mark.parametrize("parse", NAMES, ids=lambda parse: parse.__name__)
def test_a_name_with_an_invisible_character_is_asked_again(parse, character):
    with pytest.raises(Invalid) as problem:
        parse(f"Nguyễn{character} Văn An")
    assert problem.value.key == "validation.invisible_characters"


async def test_the_company_question_says_why_it_asks_again(chat):
    await chat.send("/start lop1")
    await agree(chat)
    await chat.send("Công ty\u202e TNHH Ánh Dương")
    assert "ký tự ẩn" in chat.text() and "Mã số thuế" not in chat.text()  # not moved on


async def test_invisible_characters_are_left_out_of_a_session_note(dispatcher, sessionmaker):
    admin = FakeChat(dispatcher, user_id="admin")
    await admin.send(payload="adm:cls:add")
    await admin.press("đổi mới sáng tạo")
    for answer in ("15/12/2026", "8h30", "Hội trường Sở KH&CN, Tam Kỳ", "20",
                   "Mang\u200b theo\u00ad máy tính\ufeff xách tay\u202e"):
        await admin.send(answer)
    await admin.press("Xác nhận")
    async with sessionmaker() as session:
        note = (await session.execute(select(ClassSession.notes))).scalar_one()
    assert note == "Mang theo máy tính xách tay"


async def test_a_pasted_byte_order_mark_does_not_hide_a_command(chat):
    await chat.send("menu")
    expected = chat.text()
    await chat.send("\ufeffmenu\u200b")
    assert chat.text() == expected
