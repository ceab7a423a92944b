"""Every action a button can carry. Buttons are built from these (``Button(label,
CancelRegistration(7).pack())``) and handlers receive them parsed (``turn.action``); how they
are packed and parsed is in handlers/action_base.py.

A destructive action has two types: the first only asks, naming its object; only the
``Confirm…`` one acts, and its handler checks that the object belongs to the person.
"""

from dataclasses import dataclass
from typing import Literal

from handlers.action_base import Action, AdminAction, FormAction, Rest, parse

__all__ = ["Action", "AdminAction", "FormAction", "parse"]

Purpose = Literal["reg", "news"]
BroadcastKind = Literal["cls", "ses", "wait", "club", "dl", "topic", "news"]


# -- menu, plan, sign-ups ---------------------------------------------------------------------
@dataclass(frozen=True)
class Menu(Action, prefix="menu"):
    pass


@dataclass(frozen=True)
class HowToAsk(Action, prefix="qa"):
    pass


@dataclass(frozen=True)
class Plan(Action, prefix="plan"):
    section: str | None = None  # None: the list of sections


@dataclass(frozen=True)
class Register(Action, prefix="reg"):
    class_code: str | None = None


@dataclass(frozen=True)
class Club(Action, prefix="club"):
    school: str | None = None


@dataclass(frozen=True)
class ClubAge(Action, prefix="club:age"):
    """The answer to «are you 16 or older?», asked before any consent is recorded."""

    answer: Literal["y", "n"]
    school: str | None = None


@dataclass(frozen=True)
class Consent(Action, prefix="cs"):
    """The answer to the consent notice: r required only, a all purposes, o news only, n refuse;
    then the flow that asked for it."""

    answer: Literal["r", "a", "o", "n"]  # o: only the optional purpose (news)
    then: Action | None = None


# -- «Đăng ký của tôi» --------------------------------------------------------------------------
@dataclass(frozen=True)
class MyRegistrations(Action, prefix="myreg"):
    pass


@dataclass(frozen=True)
class ChangeAttendees(Action, prefix="myreg:n"):
    registration: int


@dataclass(frozen=True)
class EditRegistration(Action, prefix="myreg:e"):
    registration: int


@dataclass(frozen=True)
class CancelRegistration(Action, prefix="myreg:x"):
    registration: int


@dataclass(frozen=True)
class ConfirmCancelRegistration(Action, prefix="myreg:xy"):
    registration: int


@dataclass(frozen=True)
class EditMembership(Action, prefix="myreg:ce"):
    membership: int


@dataclass(frozen=True)
class LeaveClub(Action, prefix="myreg:l"):
    membership: int


@dataclass(frozen=True)
class ConfirmLeaveClub(Action, prefix="myreg:ly"):
    membership: int


@dataclass(frozen=True)
class KeepRegistration(Action, prefix="myreg:keep"):
    pass


# -- data rights --------------------------------------------------------------------------------
@dataclass(frozen=True)
class MyData(Action, prefix="mydata"):
    pass


@dataclass(frozen=True)
class Withdraw(Action, prefix="wd"):
    purpose: Purpose | None = None  # None: choose which


@dataclass(frozen=True)
class ConfirmWithdraw(Action, prefix="wd:yes"):
    purpose: Purpose


@dataclass(frozen=True)
class Erase(Action, prefix="erase"):
    pass


@dataclass(frozen=True)
class ConfirmErase(Action, prefix="erase:yes"):
    pass


@dataclass(frozen=True)
class KeepData(Action, prefix="keepdata"):
    pass


@dataclass(frozen=True)
class Policy(Action, prefix="policy"):
    pass


Pause = Literal["restrict", "object"]


@dataclass(frozen=True)
class PauseProcessing(Action, prefix="pause"):
    """/hanche, /phandoi: ask to restrict or object (or, while in force, offer to lift it)."""

    kind: Pause


@dataclass(frozen=True)
class ConfirmPause(Action, prefix="pause:yes"):
    kind: Pause


@dataclass(frozen=True)
class LiftPause(Action, prefix="pause:lift"):
    kind: Pause


@dataclass(frozen=True)
class ReachPerson(Action, prefix="reach"):
    """/lienhe: an admin is told the person asks to be contacted."""


# -- agencies' officers ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Agency(Action, prefix="agency"):
    pass


@dataclass(frozen=True)
class LinkAgency(Action, prefix="link"):
    code: str | None = None  # None: ask for it


@dataclass(frozen=True)
class Acknowledge(Action, prefix="ack"):
    deadline: int
    agency: str


@dataclass(frozen=True)
class AskHelp(Action, prefix="help"):
    deadline: int
    agency: str


@dataclass(frozen=True)
class Unlink(Action, prefix="unlink"):
    agency: str


@dataclass(frozen=True)
class ConfirmUnlink(Action, prefix="unlink:yes"):
    agency: str


@dataclass(frozen=True)
class KeepLinked(Action, prefix="unlink:keep"):
    pass


# -- the form runner ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Choose(FormAction, prefix="f:c"):
    field: str
    value: Rest


@dataclass(frozen=True)
class Toggle(FormAction, prefix="f:t"):
    field: str
    value: Rest


@dataclass(frozen=True)
class DonePicking(FormAction, prefix="f:d"):
    field: str


@dataclass(frozen=True)
class Skip(FormAction, prefix="f:s"):
    field: str


@dataclass(frozen=True)
class EditField(FormAction, prefix="f:e"):
    field: str


@dataclass(frozen=True)
class Back(FormAction, prefix="f:back"):
    pass


@dataclass(frozen=True)
class CancelForm(FormAction, prefix="f:cancel"):
    pass


@dataclass(frozen=True)
class Submit(FormAction, prefix="f:ok"):
    pass


@dataclass(frozen=True)
class Resume(FormAction, prefix="f:resume"):
    pass


@dataclass(frozen=True)
class Leave(FormAction, prefix="f:leave"):
    """Leave the form for now; the draft is kept."""


@dataclass(frozen=True)
class Restart(FormAction, prefix="f:restart"):
    pass


# -- admin tools ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class AdminMenu(AdminAction, prefix="adm"):
    pass


@dataclass(frozen=True)
class OpenDashboard(AdminAction, prefix="adm:web"):
    pass


@dataclass(frozen=True)
class Stats(AdminAction, prefix="adm:stats"):
    pass


@dataclass(frozen=True)
class Export(AdminAction, prefix="adm:export"):
    pass


@dataclass(frozen=True)
class Broadcast(AdminAction, prefix="adm:bc"):
    """None: choose the kind; a kind: pick its value (or write, for news); both: write."""

    kind: BroadcastKind | None = None
    value: str | None = None


@dataclass(frozen=True)
class StopBroadcast(AdminAction, prefix="adm:bc:stop"):
    number: int


@dataclass(frozen=True)
class ConfirmStopBroadcast(AdminAction, prefix="adm:bc:stopyes"):
    number: int


@dataclass(frozen=True)
class Sessions(AdminAction, prefix="adm:cls"):
    pass


@dataclass(frozen=True)
class AddSession(AdminAction, prefix="adm:cls:add"):
    pass


@dataclass(frozen=True)
class EditSession(AdminAction, prefix="adm:cls:edit"):
    session: int


@dataclass(frozen=True)
class ToggleSession(AdminAction, prefix="adm:cls:toggle"):
    session: int


@dataclass(frozen=True)
class CancelSession(AdminAction, prefix="adm:cls:cancel"):
    session: int


@dataclass(frozen=True)
class ConfirmCancelSession(AdminAction, prefix="adm:cls:cancelyes"):
    session: int


@dataclass(frozen=True)
class Deadlines(AdminAction, prefix="adm:dl"):
    pass


@dataclass(frozen=True)
class AddDeadline(AdminAction, prefix="adm:dl:add"):
    pass


@dataclass(frozen=True)
class EditDeadline(AdminAction, prefix="adm:dl:edit"):
    deadline: int


@dataclass(frozen=True)
class MarkDeadline(AdminAction, prefix="adm:dl:mark"):
    deadline: int


@dataclass(frozen=True)
class CloseDeadline(AdminAction, prefix="adm:dl:close"):
    deadline: int


@dataclass(frozen=True)
class ConfirmCloseDeadline(AdminAction, prefix="adm:dl:closeyes"):
    deadline: int


@dataclass(frozen=True)
class ReopenDeadline(AdminAction, prefix="adm:dl:open"):
    deadline: int


@dataclass(frozen=True)
class AgencyAdmin(AdminAction, prefix="adm:ag"):
    """The agencies valid today with their officers."""


@dataclass(frozen=True)
class AddAgency(AdminAction, prefix="adm:ag:add"):
    pass


@dataclass(frozen=True)
class PickAgency(AdminAction, prefix="adm:ag:pick"):
    group: str | None = None  # None: choose the group first


@dataclass(frozen=True)
class EditAgency(AdminAction, prefix="adm:ag:edit"):
    agency: str


@dataclass(frozen=True)
class ExportAgencies(AdminAction, prefix="adm:ag:xlsx"):
    pass


@dataclass(frozen=True)
class NewLinkCode(AdminAction, prefix="adm:dl:code"):
    pass


@dataclass(frozen=True)
class OrgFacts(AdminAction, prefix="adm:org"):
    pass


@dataclass(frozen=True)
class Admins(AdminAction, prefix="adm:adm"):
    pass


@dataclass(frozen=True)
class AddAdmin(AdminAction, prefix="adm:adm:add"):
    pass


@dataclass(frozen=True)
class RemoveAdmin(AdminAction, prefix="adm:adm:rm"):
    channel: str
    user: str


@dataclass(frozen=True)
class ConfirmRemoveAdmin(AdminAction, prefix="adm:adm:rmyes"):
    channel: str
    user: str


# -- support requests ---------------------------------------------------------------------------
SupportKind = Literal["training", "guidance", "award", "sttask"]


@dataclass(frozen=True)
class Support(Action, prefix="ht"):
    """None: choose which request; a kind: its form; ``like``: another nomination of the unit
    of this earlier request of the person's."""

    kind: SupportKind | None = None
    like: int | None = None
@dataclass(frozen=True)
class SupportAdmin(AdminAction, prefix="adm:ht"):
    """None: counts per kind and status; a kind: its requests, open ones or ``done`` ones."""

    kind: SupportKind | None = None
    done: Literal["done"] | None = None


@dataclass(frozen=True)
class SupportCase(AdminAction, prefix="adm:ht:req"):
    request: int


@dataclass(frozen=True)
class AssignSupport(AdminAction, prefix="adm:ht:who"):
    """None: choose the staff member; an admin id (``telegram:123``): give it to them."""

    request: int
    admin: Rest | None = None


@dataclass(frozen=True)
class AnswerSupport(AdminAction, prefix="adm:ht:ans"):
    request: int


@dataclass(frozen=True)
class CloseSupport(AdminAction, prefix="adm:ht:close"):
    request: int


@dataclass(frozen=True)
class ConfirmCloseSupport(AdminAction, prefix="adm:ht:closeyes"):
    request: int


@dataclass(frozen=True)
class SupportTopics(AdminAction, prefix="adm:ht:topics"):
    pass


@dataclass(frozen=True)
class AddSupportTopic(AdminAction, prefix="adm:ht:topicadd"):
    pass


@dataclass(frozen=True)
class ToggleSupportTopic(AdminAction, prefix="adm:ht:topic"):
    topic: str
