"""The plan as it stands today: dated facts, «Tình hình hiện nay», the organisation as admin
data, and answers that neither invent a contact nor contradict the published sessions."""

from datetime import UTC, datetime

from messages.plan import load_plan
from tests.dialogue.helpers import add_session


async def test_on_2_december_2026_the_2023_deadline_is_past(chat, clock):
    clock.now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    await chat.send("/start")
    assert "Tình hình hiện nay" in chat.text()  # the welcome's note
    assert "Tình hình hiện nay" in chat.labels()
    await chat.send("hạn báo cáo là khi nào")
    assert "Hạn báo cáo của Kế hoạch năm 2023 là trước 30/11/2023 — đã qua" in chat.text()
    assert "Tình hình hiện nay" in chat.labels()


async def test_before_the_deadline_it_is_not_called_past(chat, clock):
    clock.now = datetime(2023, 11, 20, 3, 0, tzinfo=UTC)
    await chat.send(payload="plan:deadline")
    assert "trước 30/11/2023 — còn 10 ngày" in chat.text() and "— đã qua" not in chat.text()


async def test_the_current_situation_by_menu_and_by_question(chat, clock):
    clock.now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    await chat.send("/start")
    await chat.press("Tình hình hiện nay")
    text = chat.text()
    assert "Từ 01/07/2025, tỉnh Quảng Nam là một phần của thành phố Đà Nẵng" in text
    assert "cấp huyện" in text and "Kế hoạch giai đoạn 2021 – 2025 — đã kết thúc" in text
    for question in ("kế hoạch còn hiệu lực không", "sau sáp nhập thì sao",
                     "năm nay có lớp không"):
        await chat.send(question)
        assert "<b>Tình hình hiện nay" in chat.replies[0].text, question


async def test_class_answers_show_published_sessions_without_denying_them(
    chat, sessionmaker, clock
):
    await add_session(sessionmaker, clock, "lop1", capacity=30)
    await chat.send("lớp tập huấn học ở đâu")
    assert "Hội trường Sở KH&CN" in chat.text()
    assert "chưa nêu thời gian" not in chat.text() and "chưa công bố" not in chat.text()
    await chat.send(payload="plan:class_nscl")
    assert "Hội trường Sở KH&CN" in chat.text() and "chưa nêu thời gian" not in chat.text()
    await chat.send("năm nay có lớp không")
    assert "Hội trường Sở KH&CN" in chat.text()


async def test_the_full_text_question_names_the_article(chat):
    await chat.send("tải toàn văn kế hoạch ở đâu")
    text = chat.text()
    assert "Quảng Nam đẩy mạnh công tác hỗ trợ doanh nghiệp nâng cao năng suất, chất lượng" in text
    assert "13/04/2023" in text and "TẠI ĐÂY" not in text


async def test_money_questions_say_the_plan_names_no_money(chat):
    await chat.send("ke hoach 1349 co ho tro tien cho doanh nghiep khong")
    assert "không có thông tin" in chat.text() and "tiền" in chat.text()


def test_answers_speak_of_the_plan_not_of_the_article():
    for section in load_plan().sections:
        assert "bài viết" not in section.answer.lower(), section.id
