"""Class sessions: add, edit (date, time, venue, capacity), open or close registration,
cancel. Capacity never drops below the seats given; a move or a cancellation is announced to
the registrants once. Cancelling a session asks first, naming it.

Actions: Sessions, AddSession, EditSession, ToggleSession, CancelSession →
ConfirmCancelSession."""

from handlers import actions as a
from handlers.admin.guard import admin_only, audit
from handlers.context import Turn
from handlers.forms import runner
from handlers.forms import validators as v
from handlers.forms.spec import Choice, Field, FormSpec, Invalid
from handlers.registration import notify_placed
from handlers.reminders import notify_session_change
from handlers.turn import Button, Reply, rows
from messages.loader import Safe
from storage import registrations as regs


async def add(turn: Turn) -> list[Reply]:
    return await runner.start(turn, ADD_SESSION_FORM)


async def edit(turn: Turn) -> list[Reply]:
    session = await _live_session(turn)
    if session is None:
        return await _gone(turn)
    local = session.starts_at.astimezone(turn.config.tz)
    answers = {"session_id": session.id, "date": local.date().isoformat(),
               "time": local.strftime("%H:%M"), "venue": session.venue,
               "capacity": session.capacity, "notes": session.notes}
    return await runner.start(turn, EDIT_SESSION_FORM, answers)


async def toggle(turn: Turn) -> list[Reply]:
    session = await _live_session(turn)
    if session is None:
        return await _gone(turn)
    updated, placed = await regs.update_session(
        turn.session, session.id, turn.now, registration_open=not session.registration_open
    )
    await notify_placed(turn, placed)
    await audit(turn, "session_toggle", id=session.id, open=updated.registration_open)
    now = "admin.cls_now_open" if updated.registration_open else "admin.cls_now_closed"
    text = turn.t(now, id=session.id)
    return [Reply(Safe(text + await _seating(turn, updated, placed))), *await overview(turn)]


async def ask_cancel(turn: Turn) -> list[Reply]:
    session = await _live_session(turn)
    if session is None:
        return await _gone(turn)
    confirm = rows(Button(turn.t("admin.cls_yes_cancel"),
                          a.ConfirmCancelSession(session.id).pack()),
                   Button(turn.t("admin.cls_keep"), a.Sessions().pack()))
    return [Reply(turn.t("admin.cls_confirm_cancel", id=session.id), confirm)]


async def cancel(turn: Turn) -> list[Reply]:
    session = await _live_session(turn)
    if session is None:
        return await _gone(turn)
    # tell the registrants while they are still on the session, then free it
    await regs.update_session(turn.session, session.id, turn.now, cancelled=True,
                              registration_open=False)
    told = await notify_session_change(turn.session, turn.t, turn.config.tz, session.id,
                                       turn.now)
    await notify_placed(turn, await regs.cancel_session(turn.session, session.id, turn.now))
    await audit(turn, "session_cancel", id=session.id, notified=told)
    return [Reply(turn.t("admin.cls_cancelled", id=session.id, count=told)),
            *await overview(turn)]


async def _live_session(turn: Turn):
    """The session the action names, unless it does not exist or was cancelled."""
    session = await regs.get_session(turn.session, turn.action.session)
    return None if session is None or session.cancelled else session


async def _gone(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("admin.cls_gone")), *await overview(turn)]


async def overview(turn: Turn) -> list[Reply]:
    t, lines = turn.t, [turn.t("admin.cls_title")]
    buttons = [Button(t("admin.cls_add"), a.AddSession().pack())]
    for info in await regs.classes(turn.session):
        for s in await regs.upcoming_sessions(turn.session, info.id, turn.now):
            state = t("admin.cls_open" if s.registration_open else "admin.cls_closed")
            lines.append(t("admin.cls_line", id=s.id, title=info.title,
                           date=turn.local(s.starts_at), venue=s.venue, taken=s.seats_taken,
                           capacity=s.capacity, open=state))
            toggle = "admin.cls_toggle_close" if s.registration_open else "admin.cls_toggle_open"
            buttons += [Button(t("admin.cls_edit", id=s.id), a.EditSession(s.id).pack()),
                        Button(t(toggle, id=s.id), a.ToggleSession(s.id).pack()),
                        Button(t("admin.cls_cancel", id=s.id), a.CancelSession(s.id).pack())]
    if len(lines) == 1:
        lines.append(t("admin.cls_none"))
    buttons.append(Button(t("admin.back"), a.AdminMenu().pack()))
    return [Reply(Safe("\n".join(lines)), rows(*buttons, per_row=1))]


async def _class_choices(turn: Turn, _answers: dict) -> list[Choice]:
    return [Choice(c.code, c.title) for c in await regs.classes(turn.session)]


async def _in_future(turn: Turn, answers: dict, value: object) -> None:
    day = value if len(str(value)) == 10 else answers.get("date")
    hour = value if len(str(value)) == 5 else answers.get("time", "23:59")
    if day and v.local_datetime(day, hour, turn.config.tz) <= turn.now:
        raise Invalid("admin.cls_past")


def _is_new(answers: dict) -> bool:
    return "session_id" not in answers


FIELDS = (
    Field("class_code", "admin.cls_ask_class", "admin.cls_label_class", choices=_class_choices,
          when=_is_new),
    Field("date", "admin.cls_ask_date", "admin.cls_label_date", parse=v.day_month_year,
          display=v.show_date, check=_in_future),
    Field("time", "admin.cls_ask_time", "admin.cls_label_time", parse=v.hour_minute,
          check=_in_future),
    Field("venue", "admin.cls_ask_venue", "admin.cls_label_venue", parse=v.company),
    Field("capacity", "admin.cls_ask_capacity", "admin.cls_label_capacity",
          parse=v.count_between(1, 2000)),
    Field("notes", "admin.cls_ask_notes", "admin.cls_label_notes",
          parse=v.free_text, optional=True, max_length=300),
)


async def _seating(turn: Turn, session: regs.SessionInfo, placed: list) -> str:
    """What the admin must know after seats changed: how many were seated (each is told), and
    who still waits, with their group size, since the seats left do not fit them."""
    t, lines = turn.t, []
    seated = sum(r.status == "confirmed" for r in placed)
    if seated:
        lines.append(t("admin.cls_seated", count=seated))
    waiting = await regs.waitlist(turn.session, session.id)
    if waiting:
        lines.append(t("admin.cls_waiting", id=session.id, left=session.seats_left,
                       count=len(waiting)))
        lines += [t("admin.cls_waiting_line", code=r.code, people=r.attendees,
                    company=r.fields.get("company") or t("forms.not_given")) for r in waiting]
    return "".join("\n" + line for line in lines)


async def _add(turn: Turn, answers: dict) -> list[Reply]:
    info = await regs.class_by_code(turn.session, answers["class_code"])
    starts_at = v.local_datetime(answers["date"], answers["time"], turn.config.tz)
    session, placed = await regs.add_session(
        turn.session, info.id, starts_at, answers["venue"], answers["capacity"], turn.now,
        notes=answers.get("notes"),
    )
    await notify_placed(turn, placed)
    await audit(turn, "session_add", id=session.id, class_code=info.code,
                starts_at=starts_at.isoformat(), capacity=session.capacity)
    text = turn.t("admin.cls_added", id=session.id, date=turn.local(starts_at))
    return [Reply(Safe(text + await _seating(turn, session, placed))), *await overview(turn)]


async def _edit(turn: Turn, answers: dict) -> list[Reply]:
    before = await regs.get_session(turn.session, answers["session_id"])
    if before is None or before.cancelled:
        return [Reply(turn.t("admin.cls_gone")), *await overview(turn)]
    starts_at = v.local_datetime(answers["date"], answers["time"], turn.config.tz)
    try:
        after, placed = await regs.update_session(
            turn.session, before.id, turn.now, starts_at=starts_at, venue=answers["venue"],
            capacity=answers["capacity"], notes=answers.get("notes"),
        )
    except ValueError:
        return [Reply(turn.t("admin.cls_capacity_too_low", capacity=answers["capacity"],
                             taken=before.seats_taken)), *await overview(turn)]
    await notify_placed(turn, placed)
    notified = 0
    if (after.starts_at, after.venue) != (before.starts_at, before.venue):
        notified = await notify_session_change(turn.session, turn.t, turn.config.tz, after.id,
                                               turn.now)
    await audit(turn, "session_edit", id=after.id, starts_at=starts_at.isoformat(),
                venue=after.venue, capacity=after.capacity)
    text = turn.t("admin.cls_updated", id=after.id, notified=notified)
    return [Reply(Safe(text + await _seating(turn, after, placed))), *await overview(turn)]


ADD_SESSION_FORM = FormSpec(name="adm_cls_add", version=1, title="admin.cls_add_title",
                            fields=FIELDS, submit=admin_only(_add))
EDIT_SESSION_FORM = FormSpec(name="adm_cls_edit", version=1, title="admin.cls_edit_title",
                             fields=FIELDS, submit=admin_only(_edit))
