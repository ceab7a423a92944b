"""The plan by menu and by typed question, through the in-process chat."""

from tests.dialogue.helpers import add_session


async def test_menu_sections_and_next_steps(chat):
    await chat.send("/start")
    await chat.press("Giới thiệu kế hoạch")
    assert "mời bạn chọn nội dung" in chat.text() and len(chat.labels()) >= 15
    await chat.press("Lớp đổi mới sáng tạo")
    assert "đổi mới sáng tạo" in chat.text()
    assert "Đăng ký lớp này" in chat.labels() and "Về menu" in chat.labels()
    await chat.press("Đăng ký lớp này")
    assert "Thông báo xử lý dữ liệu cá nhân" in chat.text()  # the registration for that class


async def test_typed_intents_start_their_flows(chat):
    await chat.send("tôi muốn đăng ký lớp")
    assert "Thông báo xử lý dữ liệu cá nhân" in chat.text()
    await chat.send("nhac han bao cao")
    assert "mã liên kết" in chat.text()


async def test_a_close_call_offers_what_it_might_mean(chat):
    await chat.send("ke hoach")
    assert "Có phải bạn muốn hỏi:" in chat.text()
    assert "Mục đích của Kế hoạch" in chat.labels()


async def test_out_of_scope_gets_the_fallback_without_invented_contact(chat):
    await chat.send("vay von ngan hang lai suat bao nhieu")
    assert "chưa tìm thấy câu trả lời" in chat.text() and "chưa được cập nhật" not in chat.text()
    assert "liên hệ Sở Khoa học và Công nghệ thành phố Đà Nẵng." in chat.text()  # no contact


async def test_a_class_answer_shows_the_schedule_an_admin_entered(chat, sessionmaker, clock):
    await chat.send("lop nang cao nhan thuc nang suat chat luong")
    assert "Sở chưa công bố lịch" in chat.text()
    await add_session(sessionmaker, clock, "lop1", capacity=30)
    await chat.send("lop nang cao nhan thuc nang suat chat luong")
    assert "Hội trường Sở KH&CN" in chat.text() and "còn 30/30 chỗ" in chat.text()


async def test_weather_football_and_loans_never_get_a_plan_fact(chat):
    for question in ("thời tiết Tam Kỳ ngày mai", "ket qua bong da Viet Nam toi qua",
                     "lai suat vay von ngan hang bao nhieu", "giá vàng hôm nay"):
        await chat.send(question)
        assert "chưa tìm thấy câu trả lời" in chat.text(), question
