"""Typed actions: pack checks the 64-byte limit and that the payload reads back; parse reads
only what was declared."""

import pytest

from handlers import actions as a
from handlers.plan_info import knowledge


def test_actions_pack_and_parse_back():
    for action in (a.Menu(), a.Plan("classes"), a.CancelRegistration(7),
                   a.Consent("r", a.Register("lop1")), a.Choose("segment", "cls:3"),
                   a.RemoveAdmin("telegram", "555"), a.Broadcast("cls", "1"), a.Withdraw()):
        assert a.parse(action.pack()) == action
    assert a.CancelRegistration(7).pack() == "myreg:x:7"  # queued reminders keep working


def test_packing_a_too_long_payload_raises():
    with pytest.raises(ValueError, match="64"):
        a.Choose("company", "x" * 60).pack()


def test_packing_what_would_not_read_back_raises():
    for action in (a.Unlink("yes"), a.Plan("a:b"), a.Plan("tâm"), a.Plan("")):
        with pytest.raises(ValueError):
            action.pack()


@pytest.mark.parametrize("payload", [
    "", "nope", "myreg:typo:1", "myreg:x", "myreg:x:1:2", "myreg:x:01", "myreg:x:-1",
    "myreg:x:one", "myreg:x:١", "wd:reg:no", "wd:x", "wd:yes", "cs:x:reg", "cs:r:nope",
    "adm:bc:weird", "ack:1", "ack:x:so-y-te", "plan:", "plan:a b", "menu:1", "f:c:company",
    "f:back:1", "x" * 65, "plan:tâm",
])
def test_parse_refuses_what_no_action_declares(payload):
    assert a.parse(payload) is None


def test_the_plans_buttons_are_declared_actions():
    plan, _ = knowledge()
    payloads = [step.payload for section in plan.sections for step in section.next]
    payloads += [intent.payload for intent in plan.intents]
    assert [p for p in payloads if a.parse(p) is None or a.parse(p).pack() != p] == []
