"""«Bắt đầu lại» on a form started with what it is about (a broadcast's audience, the
registration being changed) starts the questions again and keeps what it is about."""

from handlers import actions
from tests.fakes.chat import FakeChat


async def test_restarting_a_broadcast_keeps_its_audience(dispatcher):
    reader = FakeChat(dispatcher, "reader")
    await reader.send("/dangky")
    await reader.press("Chỉ nhận tin")  # the audience: people who accepted news
    admin = FakeChat(dispatcher, "admin")
    await admin.send("/admin")
    await admin.press("Gửi thông báo")
    await admin.press("tin chương trình khác")
    await admin.send("Hội thảo năng suất ngày 5/12.")
    assert "Xác nhận" in admin.labels()
    await admin.send(payload=actions.Restart().pack())
    assert "sự cố" not in admin.text()  # the turn did not fail
    await admin.send("Hội thảo năng suất ngày 6/12.")
    await admin.press("Xác nhận")
    assert "Thông báo #1 tới 1 người" in admin.text()
