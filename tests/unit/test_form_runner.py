"""The form runner, on a test form: the behaviour every real form inherits."""

from dataclasses import dataclass

import pytest

from handlers import build_router
from handlers.actions import Action
from handlers.forms.runner import choices_of
from handlers.forms.spec import Field, FormSpec, Invalid
from handlers.turn import Reply
from tests.fakes.chat import FakeChat

SUBMITTED: list[dict] = []


def parse_count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 5:
        raise Invalid("forms.too_long", limit=5)  # any existing text key will do for the test
    return int(text)


async def submit(turn, answers):
    SUBMITTED.append(answers)
    return [Reply("OK " + ", ".join(f"{k}={v}" for k, v in sorted(answers.items())))]


def make_form(version: int = 1) -> FormSpec:
    return FormSpec(
        name="demo",
        version=version,
        title="menu.plan",
        fields=(
            Field("name", "menu.choose", "menu.plan", parse=str),
            Field("count", "menu.choose", "menu.qa", parse=parse_count),
            Field(
                "school", "menu.choose", "menu.club",
                choices=choices_of(("dhqn", "menu.plan"), ("cdqn", "menu.club")),
            ),
            Field("email", "menu.choose", "menu.my_data", parse=str, optional=True),
        ),
        submit=submit,
    )


async def start_demo(turn):
    from handlers.forms import runner

    return await runner.start(turn, make_form())


@dataclass(frozen=True)
class StartDemo(Action, prefix="demo"):
    pass


@pytest.fixture
def demo_router():
    router = build_router(extra_forms=(make_form(),))
    router.actions = {**router.actions, StartDemo: start_demo}
    return router


@pytest.fixture
def form_chat(make_dispatcher, demo_router):
    SUBMITTED.clear()
    return FakeChat(make_dispatcher(demo_router))


async def fill_to_summary(chat):
    await chat.send(payload="demo")
    await chat.send("Công ty A")
    await chat.send("3")
    await chat.press("Câu lạc bộ")  # school = cdqn
    await chat.press("Bỏ qua")


async def test_happy_path_reaches_summary_and_submits_once(form_chat):
    await fill_to_summary(form_chat)
    assert "Công ty A" in form_chat.text() and "Câu lạc bộ năng suất sinh viên" in form_chat.text()
    confirm = form_chat.payload_of("Xác nhận")
    await form_chat.send(payload=confirm)
    assert SUBMITTED == [{"name": "Công ty A", "count": 3, "school": "cdqn"}]
    await form_chat.send(payload=confirm)  # a double tap
    assert len(SUBMITTED) == 1
    assert "tin nhắn cũ" in form_chat.text()


async def test_bad_input_reasks_and_keeps_earlier_answers(form_chat):
    await form_chat.send(payload="demo")
    await form_chat.send("Công ty A")
    await form_chat.send("nhiều lắm")
    assert "tối đa 5" in form_chat.text()  # the error, then the same question again
    await form_chat.send("😀" * 600)
    assert "dài quá" in form_chat.text()
    await form_chat.send("2")
    await form_chat.press("Giới thiệu")
    await form_chat.press("Bỏ qua")
    await form_chat.press("Xác nhận")
    assert SUBMITTED == [{"name": "Công ty A", "count": 2, "school": "dhqn"}]


async def test_typed_number_is_an_answer_not_a_button(form_chat):
    await form_chat.send(payload="demo")
    await form_chat.send("Công ty A")
    await form_chat.send("2")  # "2" must not press the second button ("Hủy")
    assert "Hiện tại" not in form_chat.text()
    await form_chat.send("1")  # on a choice step a number picks the choice
    await form_chat.press("Bỏ qua")
    await form_chat.press("Xác nhận")
    assert SUBMITTED[0]["count"] == 2 and SUBMITTED[0]["school"] == "dhqn"


async def test_back_returns_to_previous_question_with_its_answer(form_chat):
    await form_chat.send(payload="demo")
    await form_chat.send("Công ty A")
    await form_chat.press("Quay lại")
    assert "Công ty A" in form_chat.text()  # shown as the current value
    await form_chat.send("Công ty B")
    await form_chat.send("4")
    await form_chat.send("Quay lại")  # typed label works too
    await form_chat.send("5")
    await form_chat.press("Giới thiệu")
    await form_chat.press("Bỏ qua")
    await form_chat.press("Xác nhận")
    assert SUBMITTED == [{"name": "Công ty B", "count": 5, "school": "dhqn"}]


async def test_cancel_discards_the_draft(form_chat):
    await form_chat.send(payload="demo")
    await form_chat.send("Công ty A")
    await form_chat.send("huy")  # typed in a free-text field, it asks first…
    assert "Đã hủy" not in form_chat.text() and "giữ lại" in form_chat.text()
    await form_chat.send("huy")  # …and a second time is meant
    assert "Đã hủy" in form_chat.text()
    await form_chat.send("3")
    assert SUBMITTED == []
    assert "Đã hủy" not in form_chat.text()


async def test_edit_from_summary_changes_one_field(form_chat):
    await fill_to_summary(form_chat)
    await form_chat.press("Sửa hỏi đáp")  # the label of "count"
    await form_chat.send("1")
    assert "Mời bạn kiểm tra lại" in form_chat.text()
    await form_chat.press("Xác nhận")
    assert SUBMITTED == [{"name": "Công ty A", "count": 1, "school": "cdqn"}]


async def test_resume_after_a_pause_asks_before_continuing(form_chat, clock):
    await form_chat.send(payload="demo")
    await form_chat.send("Công ty A")
    clock.advance(hours=5)
    await form_chat.send("3")
    assert "điền dở" in form_chat.text() and "1/4" in form_chat.text()
    await form_chat.press("Tiếp tục")
    await form_chat.send("3")
    await form_chat.press("Giới thiệu")
    await form_chat.press("Bỏ qua")
    await form_chat.press("Xác nhận")
    assert SUBMITTED == [{"name": "Công ty A", "count": 3, "school": "dhqn"}]


async def test_menu_in_the_middle_keeps_the_draft(form_chat):
    await form_chat.send(payload="demo")
    await form_chat.send("Công ty A")
    await form_chat.send("/start")
    assert "Xin chào" in form_chat.text() and "điền dở" in form_chat.text()
    await form_chat.press("Tiếp tục")
    await form_chat.send("2")
    assert "Giới thiệu kế hoạch" in form_chat.labels()  # now at the school question
    await form_chat.send("1")
    await form_chat.press("Bỏ qua")
    await form_chat.press("Xác nhận")
    assert SUBMITTED == [{"name": "Công ty A", "count": 2, "school": "dhqn"}]


async def test_changed_form_version_restarts_politely(form_chat, make_dispatcher):
    await form_chat.send(payload="demo")
    await form_chat.send("Công ty A")
    newer = build_router(extra_forms=(make_form(version=2),))
    later = FakeChat(make_dispatcher(newer), user_id=form_chat.user_id)
    await later.send("3")
    assert "vừa được cập nhật" in later.text()
    await later.send("Công ty C")  # asked from the first field again
    await later.send("3")
    await later.press("Giới thiệu")
    await later.press("Bỏ qua")
    await later.press("Xác nhận")
    assert SUBMITTED == [{"name": "Công ty C", "count": 3, "school": "dhqn"}]


async def test_button_of_an_earlier_question_is_refused(form_chat):
    await form_chat.send(payload="demo")
    await form_chat.send("Công ty A")
    await form_chat.send("2")
    school_button = form_chat.payload_of("Giới thiệu")
    await form_chat.press("Giới thiệu")
    await form_chat.press("Bỏ qua")
    await form_chat.press("Sửa hỏi đáp")
    await form_chat.send(payload=school_button)  # a choice for another field
    assert "câu hỏi trước" in form_chat.text()
