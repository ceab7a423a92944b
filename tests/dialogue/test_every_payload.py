"""Every payload a reply or a queued message can carry reads back as its action: a walk through
the menus and flows as a person, an officer and an admin, collecting every button."""

import pytest
from sqlalchemy import select

from handlers import ACTIONS, actions
from handlers.action_base import REGISTRY
from handlers.calendar import WorkCalendar
from handlers.reminders import Planner
from storage.models import OutboxMessage
from tests.dialogue.helpers import add_admin, add_session, fill_enterprise
from tests.dialogue.test_agencies_and_reminders import (  # noqa: F401 (an autouse fixture)
    city_health_department,
    link,
    local,
    new_code,
    new_deadline,
)
from tests.dialogue.test_clubs_and_privacy import join_club
from tests.dialogue.test_support_data import nominate
from tests.fakes.chat import FakeChat


@pytest.fixture
def seen(dispatcher):
    """Every payload the dispatcher's replies carry, whoever they went to."""
    payloads: set[str] = set()
    handle = dispatcher.handle

    async def recording(incoming):
        replies = await handle(incoming)
        payloads.update(b.payload for r in replies for b in r.all_buttons())
        return replies

    dispatcher.handle = recording
    return payloads


async def press_each(chat, labels, then: str):
    """Press each button labelled in ``labels`` of the screen reached by the command ``then``."""
    for label in labels:
        await chat.send(then)
        await chat.press(label)


async def walk_as_a_person(chat, sessionmaker, clock):
    await chat.send("/start")
    for label in list(chat.labels()):
        await chat.send("/menu")
        await chat.press(label)
    await chat.send("/menu")
    await chat.press("Giới thiệu kế hoạch")
    sections = [label for label in chat.labels() if label != "Về menu chính"]
    for label in sections:
        await chat.send("/menu")
        await chat.press("Giới thiệu kế hoạch")
        await chat.press(label)
    await add_session(sessionmaker, clock, "lop1")
    await chat.send("/dangky")  # the consent notice
    await chat.press("Đồng ý, và nhận thêm")
    await chat.press("nhận thức về năng suất")
    await chat.press("Xong")
    await fill_enterprise(chat)
    await chat.press("Sửa lớp đăng ký")
    await chat.press("Quay lại")
    await chat.press("Xác nhận")
    await join_club(chat)
    await nominate(chat)
    await chat.press("Cử thêm một cán bộ")
    await chat.press("Hủy")
    await press_each(chat, ["Đổi số người LTH1-0001", "Sửa LTH1-0001", "Hủy LTH1-0001",
                            "Sửa CLB-DH-0001", "Rời CLB"], then="/dangkycuatoi")
    await chat.send("/dangkycuatoi")
    await chat.press("Sửa LTH1-0001")
    clock.advance(minutes=31)
    await chat.send("tiếp")  # the resume question
    await press_each(chat, ["Ngừng nhận tin", "Rút đồng ý đăng ký"], then="/rutlai")
    for command, confirm, lift in (("/hanche", "Có, hạn chế", "Bỏ hạn chế"),
                                   ("/phandoi", "Có, phản đối", "Rút lại phản đối")):
        await chat.send(command)
        await chat.press(confirm)
        await chat.send(command)
        await chat.press(lift)
    await chat.send("/xoadulieu")
    await chat.send("/dulieucuatoi")


async def walk_as_an_officer(dispatcher, sessionmaker, clock, texts, config):
    officer = FakeChat(dispatcher, "officer")
    await link(officer, await new_code(sessionmaker, clock))
    await new_deadline(sessionmaker, clock)
    await officer.send("/hanbaocao")
    await officer.press("Hủy liên kết")
    stranger = FakeChat(dispatcher, "stranger")
    await stranger.send("/hanbaocao")
    planner = Planner(texts, config, WorkCalendar())
    async with sessionmaker.begin() as session:
        await planner.run(session, local(2026, 12, 10, 7, 45))
        await planner.run(session, local(2026, 12, 20, 7, 45))  # a class reminder, too


async def walk_as_an_admin(dispatcher):
    admin = FakeChat(dispatcher, "admin")
    await admin.send("/admin")
    for label in [label for label in admin.labels() if "menu chính" not in label]:
        await from_admin_menu(admin, label)
    await from_admin_menu(admin, "Gửi thông báo")
    kinds = [b.label for b in admin.replies[0].all_buttons()][:-1]  # not «« Quản trị»
    for kind in kinds:
        await from_admin_menu(admin, "Gửi thông báo", kind)
    await admin.send("Hội thảo năng suất ngày 5/12.")
    await admin.press("Xác nhận")
    await admin.press("Dừng thông báo")
    for label in ("Thêm buổi", "Sửa buổi #1", "Hủy buổi #1"):
        await from_admin_menu(admin, "Quản lý lớp", label)
    await add_admin(admin)  # and asks to remove them
    for label in ("Mở lại hạn #1", "Đóng hạn #1"):
        await from_admin_menu(admin, "Hạn báo cáo", label)
    await admin.press("Có, đóng hạn này")
    for label in ("Sửa hạn #1", "Đánh dấu đã báo cáo (hạn #2)", "Tạo mã liên kết"):
        await from_admin_menu(admin, "Hạn báo cáo", label)
    await admin.press("Hủy")
    await from_admin_menu(admin, "Hạn báo cáo", "Cơ quan", "Sửa, kết thúc", "Các sở, ban, ngành",
                          "SCT", "Hủy")
    await from_admin_menu(admin, "Hạn báo cáo", "Thêm hạn")
    await admin.send("menu")  # a way out typed where a title is asked
    await admin.press("Rời đi")
    await from_admin_menu(admin, "Yêu cầu hỗ trợ", "Cử cán bộ đào tạo", "DT-2026-0001",
                          "Tôi nhận xử lý", "Giao cho cán bộ", "console:admin", "Trả lời")
    await admin.send("Sở đã ghi nhận, sẽ liên hệ khi có khóa đào tạo.")
    for label in ("Xác nhận", "Đóng DT-2026-0001", "Có, đóng", "Xem yêu cầu đã xong"):
        await admin.press(label)
    await from_admin_menu(admin, "Yêu cầu hỗ trợ", "Chủ đề hướng dẫn", "Ẩn: Tiêu chuẩn",
                          "Thêm chủ đề", "Hủy")


async def from_admin_menu(admin: FakeChat, *labels: str) -> None:
    """Open /admin, then press ``labels`` one after the other."""
    await admin.send("/admin")
    for label in labels:
        await admin.press(label)


async def test_every_payload_shown_reads_back_as_its_action(dispatcher, seen, sessionmaker,
                                                           clock, texts, config):
    clock.now = local(2026, 12, 1, 9)
    await walk_as_a_person(FakeChat(dispatcher, "u1"), sessionmaker, clock)
    await walk_as_an_officer(dispatcher, sessionmaker, clock, texts, config)
    await walk_as_an_admin(dispatcher)
    async with sessionmaker() as session:
        queued = (await session.execute(select(OutboxMessage.buttons))).scalars().all()
    seen.update(payload for rows in queued for row in rows for _, payload in row)
    parsed = {payload: actions.parse(payload) for payload in seen}
    assert [p for p, action in parsed.items() if action is None] == []
    assert [p for p, action in parsed.items() if action.pack() != p] == []
    reached = {type(action) for action in parsed.values()}
    declared = {cls for cls in REGISTRY.values() if cls.__module__ == actions.__name__}
    assert sorted(c.__name__ for c in declared - reached) == []


def test_every_declared_action_has_a_route():
    declared = {cls for cls in REGISTRY.values() if cls.__module__ == actions.__name__}
    routed = set(ACTIONS) | {cls for cls in declared if issubclass(cls, actions.FormAction)}
    assert sorted(c.__name__ for c in declared - routed) == []
