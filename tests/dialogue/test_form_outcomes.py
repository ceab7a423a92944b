"""What a form shows and says at its ends, on the text channels (issue 15): ticks when a
multi-select is edited, clubs that answer early, refusals that do not claim success."""

import pytest

from tests.dialogue.helpers import fill_enterprise
from tests.fakes.chat import FakeChat


@pytest.fixture(params=["console", "zalo_bot"])
def person(request, dispatcher):
    return FakeChat(dispatcher, channel=request.param)


async def test_editing_a_multi_select_shows_the_ticks_and_a_tap_toggles(person):
    await person.send("/dangky")
    await person.press("Đồng ý: đăng ký")
    await person.choose("năng suất chất lượng")
    await person.choose("đổi mới sáng tạo")
    await person.choose("Xong")
    await fill_enterprise(person)
    await person.press("Sửa Lớp đăng ký")
    ticked = [label for label in person.labels() if label.startswith("✅")]
    assert len(ticked) == 2 and "năng suất chất lượng" in ticked[0]
    await person.choose("năng suất chất lượng")  # unticks it
    assert [label for label in person.labels() if label.startswith("✅")] == ticked[1:]
    await person.choose("Xong")
    summary = person.text()
    assert "Mời bạn kiểm tra lại" in summary
    assert "đổi mới sáng tạo" in summary and "năng suất chất lượng" not in summary
