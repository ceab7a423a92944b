"""«Đăng ký của tôi»: list, change the number of attendees, edit, cancel, leave a club.

Payloads: ``myreg``, ``myreg:n:<id>`` people, ``myreg:e:<id>`` edit, ``myreg:x:<id>`` cancel
(``myreg:xy:<id>`` confirmed), ``myreg:ce:<id>`` edit a club membership, ``myreg:l:<id>`` leave
(``myreg:ly:<id>`` confirmed), ``myreg:keep``."""

from handlers.clubs import CLUB_EDIT_FORM
from handlers.context import Turn
from handlers.forms import runner
from handlers.menu import main_menu
from handlers.registration import ATTENDEES_FORM, EDIT_FORM, cancel_and_notify
from handlers.textnorm import whole_number
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
    _, _, rest = (turn.incoming.payload or "myreg").partition(":")
    action, _, ident = rest.partition(":")
    if action:
        return await _act(turn, action, whole_number(ident))
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
                Button(t("myreg.change_people", code=reg.code), f"myreg:n:{reg.id}"),
                Button(t("myreg.edit", code=reg.code), f"myreg:e:{reg.id}"),
                Button(t("myreg.cancel", code=reg.code), f"myreg:x:{reg.id}"),
            ]
    active_classes = {r.class_id for r in own if r.status != "cancelled"}
    for class_id in sorted({r.class_id for r in own} - active_classes):
        info = titles[class_id]
        buttons.append(Button(t("myreg.register_again", title=info.title), f"reg:{info.code}"))
    for member in await clubs.of_contact(turn.session, turn.contact.id):
        lines.append(t("myreg.membership_line", code=member.code,
                       school=choice_name("schools", member.school),
                       status=status_text(turn, member)))
        if member.status == "active":
            buttons += [
                Button(t("myreg.edit", code=member.code), f"myreg:ce:{member.id}"),
                Button(t("myreg.leave", code=member.code), f"myreg:l:{member.id}"),
            ]
    if len(lines) == 1:
        lines.append(t("myreg.none"))
    buttons.append(Button(t("menu.back_to_menu"), "menu"))
    return Reply(Safe("\n".join(lines)), rows(*buttons))


def status_text(turn: Turn, item) -> str:
    """The status of a registration or membership, as a person reads it."""
    if item.status == "waitlisted":
        return turn.t(STATUS_TEXT["waitlisted"], position=item.waitlist_position)
    return turn.t(STATUS_TEXT[item.status])


async def _act(turn: Turn, action: str, ident: int | None) -> list[Reply]:
    t = turn.t
    if action == "keep":
        return [Reply(t("myreg.kept")), await overview(turn)]
    if action in ("ce", "l", "ly"):
        member = await clubs.get(turn.session, ident) if ident else None
        if member is None or member.contact_id != turn.contact.id or member.status != "active":
            return [Reply(t("myreg.not_yours")), await overview(turn)]
        if action == "ce":
            answers = {**member.fields, "membership_id": member.id}
            return await runner.start(turn, CLUB_EDIT_FORM, answers)
        if action == "l":
            return [_confirm(turn, "myreg.confirm_leave", "myreg.yes_leave", f"myreg:ly:{ident}",
                             code=member.code)]
        await clubs.leave(turn.session, member.id, turn.now)
        return [Reply(t("myreg.left", code=member.code)), main_menu(turn)]
    reg = await registrations.get(turn.session, ident) if ident else None
    if reg is None or reg.contact_id != turn.contact.id or reg.status == "cancelled":
        return [Reply(t("myreg.not_yours")), await overview(turn)]
    if action == "n":
        return await runner.start(turn, ATTENDEES_FORM, {"reg_id": reg.id})
    if action == "e":
        answers = {**reg.fields, "reg_id": reg.id}
        return await runner.start(turn, EDIT_FORM, answers)
    title = await registrations.class_title(turn.session, reg.class_id)
    if action == "x":
        return [_confirm(turn, "myreg.confirm_cancel", "myreg.yes_cancel", f"myreg:xy:{ident}",
                         code=reg.code, title=title)]
    await cancel_and_notify(turn, reg.id)
    return [Reply(t("myreg.cancelled", code=reg.code)), await overview(turn)]


def _confirm(turn: Turn, question: str, yes: str, payload: str, **values) -> Reply:
    t = turn.t
    return Reply(t(question, **values),
                 rows(Button(t(yes), payload), Button(t("myreg.keep"), "myreg:keep")))
