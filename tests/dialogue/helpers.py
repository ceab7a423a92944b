"""Shared steps of the registration dialogues."""

from datetime import timedelta

from storage import registrations

WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def valid_tax_code(n: int) -> str:
    """The n-th valid 10-digit tax code (check digit computed as python-stdnum does)."""
    while True:
        body = f"{4000000 + n:09d}"
        check = 10 - sum(w * int(d) for w, d in zip(WEIGHTS, body, strict=True)) % 11
        if check < 10:
            return body + str(check)
        n += 100_000


async def add_session(sessionmaker, clock, class_code="lop1", capacity=20, days=10):
    async with sessionmaker.begin() as session:
        info = await registrations.class_by_code(session, class_code)
        added, _placed = await registrations.add_session(
            session, info.id, clock.now + timedelta(days=days), "Hội trường Sở KH&CN",
            capacity, clock.now,
        )
        return added


async def agree(chat):
    await chat.press("Đồng ý: đăng ký")


async def fill_enterprise(
    chat, tax_code="0100233488", attendees="2", company="Công ty TNHH Ánh Dương"
):
    """From the first question after the class choice to the summary."""
    await chat.send(company)
    await chat.send(tax_code)
    await chat.send("phường Tam Kỳ")
    await chat.press("Quảng Nam (cũ)")
    await chat.press("Thương mại")
    await chat.send("Nguyễn Văn An")
    await chat.send("Giám đốc")
    await chat.send("0905 123 456")
    await chat.press("Bỏ qua")
    await chat.send(attendees)


async def add_deadline(admin, *groups, title="Báo cáo năm 2026", due="31/12/2026"):
    """An admin adds a deadline for ``groups`` (their labels) through the form."""
    await admin.send(payload="adm:dl:add")
    await admin.send(title)
    await admin.press("Bỏ qua")  # no description
    await admin.send(due)
    for group in groups:
        await admin.press(group)
    await admin.press("Xong")
    await admin.press("Xác nhận")


async def register(chat, class_code="lop1", **fields):
    """A whole registration for one class, from the deep link to the confirmation."""
    await chat.send(f"/start {class_code}")
    if "Thông báo xử lý dữ liệu" in chat.text():
        await agree(chat)
    await fill_enterprise(chat, **fields)
    return await chat.press("Xác nhận")


async def add_admin(admin, entry="telegram:555"):
    """An admin adds ``entry`` from the chat, then presses «Xóa …» for them."""
    await admin.send("/admin")
    await admin.press("Quản trị viên")
    await admin.press("Thêm quản trị viên")
    await admin.send(entry)
    await admin.press("Xác nhận")
    return await admin.press(f"Xóa {entry}")
