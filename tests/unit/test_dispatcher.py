"""The dispatcher: duplicates, per-person serialisation, transactions, typed choices."""

import asyncio

from handlers import build_router
from handlers.turn import Incoming, Reply
from storage import conversations
from storage.conversations import ConversationKey
from tests.fakes.chat import FakeChat


async def test_same_update_id_is_handled_once(chat):
    first = await chat.send("/start", update_id="777")
    second = await chat.send("/start", update_id="777")
    assert first and "Xin chào" in first[0].text
    assert second == []


async def test_same_update_id_on_another_channel_is_another_update(dispatcher):
    telegram = FakeChat(dispatcher, channel="telegram")
    zalo = FakeChat(dispatcher, channel="zalo")
    assert await telegram.send("/start", update_id="5")
    assert await zalo.send("/start", update_id="5")


async def test_messages_of_one_person_are_handled_one_after_the_other(make_dispatcher):
    events: list[str] = []

    async def slow(turn):
        events.append(f"start {turn.incoming.text}")
        await asyncio.sleep(0.05)
        events.append(f"end {turn.incoming.text}")
        return [Reply("ok")]

    router = build_router()
    router.free_text = slow
    dispatcher = make_dispatcher(router)
    person = FakeChat(dispatcher, user_id="p1")
    await asyncio.gather(person.send("a"), person.send("b"))
    assert events in (
        ["start a", "end a", "start b", "end b"],
        ["start b", "end b", "start a", "end a"],
    )


async def test_a_failing_handler_keeps_state_and_answers_politely(make_dispatcher, sessionmaker):
    async def broken(turn):
        turn.state.answers["lost"] = True
        raise RuntimeError("boom")

    router = build_router()
    router.free_text = broken
    person = FakeChat(make_dispatcher(router), user_id="p2")
    replies = await person.send("anything", update_id="900")
    assert "sự cố" in replies[0].text
    async with sessionmaker() as session:
        state = await conversations.load(session, ConversationKey("console", "p2", "p2"))
    assert "lost" not in state.answers
    # the failed update was rolled back with the turn, so a re-delivery is tried again
    assert await person.send("anything", update_id="900")


async def test_typed_number_and_label_choose_buttons(chat):
    await chat.send("/start")
    await chat.send("5")  # "Hỏi đáp"
    assert "gõ câu hỏi" in chat.text()
    await chat.send("ve MENU")  # the label "Về menu" typed without diacritics
    assert "Bạn muốn làm gì?" in chat.text()


async def test_overlong_message_does_not_crash(chat):
    replies = await chat.send("x" * 5000)
    assert replies and "chưa tìm thấy câu trả lời" in chat.text()


async def test_state_survives_a_new_dispatcher(make_dispatcher, clock):
    first = FakeChat(make_dispatcher(), user_id="p3")
    await first.send("/start")
    again = FakeChat(make_dispatcher(), user_id="p3")
    await again.send("2")  # the numbered menu was stored, not kept in memory
    assert "Thông báo xử lý dữ liệu cá nhân" in again.text()


def test_incoming_is_neutral():
    incoming = Incoming(channel="console", user_id="1", chat_id="1", text="hi")
    assert incoming.payload is None and incoming.update_id is None


def test_plain_replies_join_the_next_one_within_the_limit():
    from handlers.turn import Button, merged

    first, menu = Reply("Xin chào"), Reply("Bạn muốn làm gì?", ((Button("Menu", "menu"),),))
    joined = merged([first, menu], 4096)
    assert len(joined) == 1 and joined[0].text == "Xin chào\n\nBạn muốn làm gì?"
    assert joined[0].buttons == menu.buttons
    assert len(merged([Reply("x" * 4090), menu], 4096)) == 2  # too long together
    assert len(merged([menu, first], 4096)) == 2  # buttons stay on their own message
