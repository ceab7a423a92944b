"""A consent is recorded only after this person was shown this notice version, on every
channel and by every path that records one: the notice's buttons, typed «đồng ý», news only,
agreeing again after /rutlai, a button of an older notice, a crafted ``cs:…`` payload."""

import pytest
from sqlalchemy import select

from handlers import actions as a
from handlers import consent
from storage import consents, org
from storage.models import ConsentEvent
from tests.fakes.chat import FakeChat

CHANNELS = ["web", "telegram", "zalo"]
NOTICE = "Thông báo xử lý dữ liệu"


@pytest.fixture(params=CHANNELS)
def visitor(request, dispatcher):
    return FakeChat(dispatcher, "v1", channel=request.param)


async def _events(sessionmaker) -> list[ConsentEvent]:
    async with sessionmaker() as session:
        return list((await session.execute(select(ConsentEvent))).scalars())


@pytest.mark.parametrize("answer", ["r", "a", "o"])
async def test_a_crafted_grant_without_the_notice_records_nothing(visitor, sessionmaker, answer):
    await visitor.send("/start")
    await visitor.send(payload=a.Consent(answer, a.Register("lop1")).pack())
    assert await _events(sessionmaker) == []
    await visitor.send(payload=a.Register("lop1").pack())  # still asked before any question
    assert NOTICE in visitor.text()


async def test_typed_agreement_counts_only_as_the_answer_to_the_notice(visitor, sessionmaker):
    await visitor.send("/start")
    await visitor.send("đồng ý")
    assert await _events(sessionmaker) == []
    await visitor.send("/dangky")
    # the label typed, as on Zalo
    await visitor.send("Đồng ý: đăng ký, đề nghị hỗ trợ và nhắc lịch")
    [event] = await _events(sessionmaker)
    assert event.action == "grant" and event.channel == visitor.channel
    assert event.text_version == consent.VERSION


async def test_a_button_of_an_older_notice_version_shows_the_current_notice(
    visitor, sessionmaker, monkeypatch
):
    await visitor.send("/dangky")
    old_text = visitor.replies[-1].text
    monkeypatch.setattr(consent, "VERSION", "2027.1")  # the notice changed since it was shown
    await visitor.press("Đồng ý: đăng ký")
    assert await _events(sessionmaker) == []
    assert NOTICE in visitor.text() and "phiên bản 2027.1" in visitor.text()
    await visitor.press("Đồng ý: đăng ký")  # on the notice now shown
    [event] = await _events(sessionmaker)
    assert event.text_version == "2027.1"
    async with sessionmaker() as session:
        kept = await consents.text_of(session, event.text_sha256)
    assert kept != old_text and "phiên bản 2027.1" in kept


async def test_a_notice_changed_by_an_admin_is_shown_again_before_agreeing(
    dispatcher, sessionmaker, clock
):
    person = FakeChat(dispatcher, "p", channel="telegram")
    await person.send("/dangky")
    async with sessionmaker.begin() as session:  # an admin names another controller meanwhile
        await org.put(session, "controller_name", "Sở KH&CN thành phố Đà Nẵng", "console:admin",
                      clock.now)
    await person.press("Đồng ý: đăng ký")
    assert await _events(sessionmaker) == []
    assert "Sở KH&amp;CN thành phố Đà Nẵng" in person.replies[-1].text
    await person.press("Đồng ý: đăng ký")
    [event] = await _events(sessionmaker)
    async with sessionmaker() as session:
        kept = await consents.text_of(session, event.text_sha256)
    assert "Sở KH&amp;CN thành phố Đà Nẵng" in kept


async def test_agreeing_again_after_withdrawing_needs_the_notice_again(visitor, sessionmaker):
    await visitor.send("/dangky")
    granting = visitor.payload_of("Đồng ý, và nhận thêm")
    await visitor.send(payload=granting)
    await visitor.send("/rutlai")
    await visitor.press("Rút đồng ý đăng ký")
    await visitor.press("Có, rút lại")
    await visitor.send(payload=granting)  # the old button, pressed again
    events = await _events(sessionmaker)
    assert [e.action for e in events] == ["grant", "withdraw"]
    await visitor.send("/dangky")
    assert NOTICE in visitor.text()
    await visitor.press("Đồng ý: đăng ký")
    assert [e.action for e in await _events(sessionmaker)] == ["grant", "withdraw", "grant"]


async def test_the_notice_shown_to_one_person_does_not_let_another_agree(dispatcher, sessionmaker):
    shown = FakeChat(dispatcher, "p1", channel="web")
    other = FakeChat(dispatcher, "p2", channel="web")
    await shown.send("/dangky")
    await other.send(payload=shown.payload_of("Đồng ý: đăng ký"))
    assert await _events(sessionmaker) == []
