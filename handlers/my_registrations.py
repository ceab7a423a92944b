"""«Đăng ký của tôi»: list, change the number of attendees, edit, cancel, leave a club.

Each handler reads its action (handlers/actions.py) and acts only on a registration or
membership of the person writing; cancelling and leaving ask first, naming the code."""

from handlers import actions as a
from handlers import support
from handlers.clubs import CLUB_EDIT_FORM
from handlers.context import Turn
from handlers.forms import runner
from handlers.menu import main_menu
from handlers.registration import ATTENDEES_FORM, EDIT_FORM, cancel_and_notify
from handlers.turn import Button, Reply, rows
from messages.choices import choice_name
from messages.loader import Safe
from storage import clubs, registrations

STATUS_TEXT = {
    "confirmed": "myreg.status_confirmed",
    "waitlisted": "myreg.status_waitlisted",
    "interested": "myreg.status_interested",
    "cancelled": "myreg.status_cancelled",
    "active": "myreg.status_active",
    "left": "myreg.status_left",
}


async def show(turn: Turn) -> list[Reply]:
    return [await overview(turn)]


async def overview(turn: Turn) -> Reply:
    t, lines, buttons = turn.t, [turn.t("myreg.title")], []
    titles = {c.id: c for c in await registrations.classes(turn.session)}
    own = await registrations.of_contact(turn.session, turn.contact.id)
    for reg in own:
        info = titles[reg.class_id]
        status = status_text(turn, reg)
        lines.append(t("myreg.registration_line", code=reg.code, title=info.title,
                       status=status, people=reg.attendees))
        if reg.status != "cancelled":
            buttons += [
                Button(t("myreg.change_people", code=reg.code),
                       a.ChangeAttendees(reg.id).pack()),
                Button(t("myreg.edit", code=reg.code), a.EditRegistration(reg.id).pack()),
                Button(t("myreg.cancel", code=reg.code), a.CancelRegistration(reg.id).pack()),
            ]
    active_classes = {r.class_id for r in own if r.status != "cancelled"}
    for class_id in sorted({r.class_id for r in own} - active_classes):
        info = titles[class_id]
        buttons.append(Button(t("myreg.register_again", title=info.title),
                              a.Register(info.code).pack()))
    for member in await clubs.of_contact(turn.session, turn.contact.id):
        lines.append(t("myreg.membership_line", code=member.code,
                       school=choice_name("schools", member.school),
                       status=status_text(turn, member)))
        if member.status == "active":
            buttons += [
                Button(t("myreg.edit", code=member.code), a.EditMembership(member.id).pack()),
                Button(t("myreg.leave", code=member.code), a.LeaveClub(member.id).pack()),
            ]
    lines += await support.my_lines(turn)
    if len(lines) == 1:
        lines.append(t("myreg.none"))
    buttons.append(Button(t("menu.back_to_menu"), a.Menu().pack()))
    return Reply(Safe("\n".join(lines)), rows(*buttons))


def status_text(turn: Turn, item) -> str:
    """The status of a registration or membership, as a person reads it."""
    if item.status == "waitlisted":
        return turn.t(STATUS_TEXT["waitlisted"], position=item.waitlist_position)
    return turn.t(STATUS_TEXT[item.status])


async def keep(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("myreg.kept")), await overview(turn)]


async def change_attendees(turn: Turn) -> list[Reply]:
    reg = await _own_registration(turn, turn.action.registration)
    if reg is None:
        return await _not_yours(turn)
    return await runner.start(turn, ATTENDEES_FORM, {"reg_id": reg.id})


async def edit(turn: Turn) -> list[Reply]:
    reg = await _own_registration(turn, turn.action.registration)
    if reg is None:
        return await _not_yours(turn)
    return await runner.start(turn, EDIT_FORM, {**reg.fields, "reg_id": reg.id})


async def ask_cancel(turn: Turn) -> list[Reply]:
    reg = await _own_registration(turn, turn.action.registration)
    if reg is None:
        return await _not_yours(turn)
    title = await registrations.class_title(turn.session, reg.class_id)
    return [_confirm(turn, "myreg.confirm_cancel", "myreg.yes_cancel",
                     a.ConfirmCancelRegistration(reg.id), code=reg.code, title=title)]


async def cancel(turn: Turn) -> list[Reply]:
    reg = await _own_registration(turn, turn.action.registration)
    if reg is None:
        return await _not_yours(turn)
    await cancel_and_notify(turn, reg.id)
    return [Reply(turn.t("myreg.cancelled", code=reg.code)), await overview(turn)]


async def edit_membership(turn: Turn) -> list[Reply]:
    member = await _own_membership(turn, turn.action.membership)
    if member is None:
        return await _not_yours(turn)
    return await runner.start(turn, CLUB_EDIT_FORM, {**member.fields, "membership_id": member.id})


async def ask_leave(turn: Turn) -> list[Reply]:
    member = await _own_membership(turn, turn.action.membership)
    if member is None:
        return await _not_yours(turn)
    return [_confirm(turn, "myreg.confirm_leave", "myreg.yes_leave",
                     a.ConfirmLeaveClub(member.id), code=member.code)]


async def leave(turn: Turn) -> list[Reply]:
    member = await _own_membership(turn, turn.action.membership)
    if member is None:
        return await _not_yours(turn)
    await clubs.leave(turn.session, member.id, turn.now)
    return [Reply(turn.t("myreg.left", code=member.code)), main_menu(turn)]


async def _own_registration(turn: Turn, ident: int):
    """The person's own registration ``ident`` while it is not cancelled, else None."""
    reg = await registrations.get(turn.session, ident)
    if reg is None or reg.contact_id != turn.contact.id or reg.status == "cancelled":
        return None
    return reg


async def _own_membership(turn: Turn, ident: int):
    member = await clubs.get(turn.session, ident)
    if member is None or member.contact_id != turn.contact.id or member.status != "active":
        return None
    return member


async def _not_yours(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("myreg.not_yours")), await overview(turn)]


def _confirm(turn: Turn, question: str, yes: str, action: a.Action, **values) -> Reply:
    t = turn.t
    return Reply(t(question, **values), rows(Button(t(yes), action.pack()),
                                             Button(t("myreg.keep"), a.KeepRegistration().pack())))
