"""What a person types on a text channel (terminal, Zalo Bot Platform): labels typed loosely,
the usual words, ways out of a form, numbers after a restart (issue 15)."""

import pytest
from sqlalchemy import select

from storage.models import ConsentEvent
from tests.dialogue.helpers import valid_tax_code
from tests.fakes.chat import FakeChat

FALLBACK = "không tìm thấy câu trả lời"


@pytest.fixture(params=["console", "zalo_bot"])
def person(request, dispatcher):
    return FakeChat(dispatcher, channel=request.param)


@pytest.mark.parametrize("typed", ["đồng ý", "dong y", "ok", "Đồng Ý!"])
async def test_agreeing_in_words_keeps_the_consent_step(person, typed, sessionmaker):
    await person.send("/start lop1")
    await person.send(typed)
    assert FALLBACK not in person.text() and "Bạn muốn làm gì?" not in person.text()
    # two buttons mean "agree": the person is asked which one, nothing is assumed
    assert "Ý bạn là" in person.text()
    assert person.labels() == ["Đồng ý: đăng ký và nhắc lịch",
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
    await person.send("tam ky")
    assert "Lĩnh vực" in person.text()
    await person.send("công nghiệp")
    assert "Họ và tên" in person.text()
    await person.send("quay lai")
    assert "(Hiện tại: Công nghiệp, chế biến, chế tạo)" in person.text()
    await person.send("nghiep")  # in two sectors: the person is asked which
    assert "Ý bạn là" in person.text()
    assert person.labels() == ["Công nghiệp, chế biến, chế tạo", "Nông, lâm nghiệp, thủy sản"]
    await person.choose("Nông, lâm nghiệp")
    await person.send("Nguyễn Văn An")
    await person.send("Giám đốc")
    await person.send("0905123456")
    await person.send("bỏ qua")
    await person.send("2")
    assert "Thành phố Tam Kỳ" in person.text() and "Nông, lâm nghiệp, thủy sản" in person.text()


async def test_a_school_typed_without_diacritics(person):
    await person.send("/caulacbo")
    await person.send("Đồng ý: đăng ký")
    await person.send("dai hoc quang nam")
    assert "16 tuổi" in person.text()


async def test_a_question_at_the_main_menu_still_reaches_the_answers(person):
    await person.send("/menu")
    await person.send("lớp tập huấn gồm những lớp nào?")
    assert "Ý bạn là" not in person.text() and "lớp" in person.text()
    assert "Thông báo xử lý dữ liệu" not in person.text()
    await person.send("/menu")
    await person.send("gioi thieu")  # the beginning of «Giới thiệu kế hoạch»
    assert "Ý bạn là" not in person.text() and "Bạn muốn làm gì?" not in person.text()
