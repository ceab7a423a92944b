"""Class sessions: add, edit, open or close registration, cancel (asking first). Every change
runs the chat's own handler, so the rules (capacity not below the seats given, dates ahead),
the messages to the people placed or moved, and the audit rows are the chat's."""

from aiohttp import web
from markupsafe import Markup

from bot.dashboard import forms
from bot.dashboard.auth import Admin
from bot.dashboard.render import Pages
from bot.dashboard.turns import admin_turn, press, said
from bot.wiring import Core
from handlers import actions as a
from handlers.admin import sessions as chat
from handlers.context import local_text
from storage import registrations as regs


async def show(core: Core, pages: Pages, request: web.Request, admin: Admin,
               message: Markup | str = "", status: int = 200, posted: dict | None = None,
               problems: dict | None = None) -> web.Response:
    tz = core.config.tz
    async with admin_turn(core, admin) as turn:
        listed = [(c, s) for c in await regs.classes(turn.session)
                  for s in await regs.upcoming_sessions(turn.session, c.id, turn.now)]
        add_fields = await _fields(turn, chat.ADD_SESSION_FORM, posted or {}, problems or {})
    return pages.render("sessions.html", status=status, admin=admin, message=message,
                        listed=listed, add_fields=add_fields,
                        when=lambda moment: local_text(moment, tz))


async def _fields(turn, spec, answers: dict, problems: dict) -> list[dict]:
    """What the template needs to draw each field of ``spec`` as a labelled input."""
    drawn = []
    for field in spec.active_fields(answers):
        choices = await field.choices(turn, answers) if field.choices else None
        drawn.append({"name": field.name, "label": turn.t(field.label),
                      "hint": turn.t(field.prompt), "optional": field.optional,
                      "value": forms.shown(field, answers) if field.name in answers
                      else str(answers.get(f"typed_{field.name}", "")),
                      "choices": choices, "problem": problems.get(field.name)})
    return drawn


def _typed(posted) -> dict:
    """What was typed, shown again when a field is refused."""
    return {f"typed_{name}": str(value) for name, value in posted.items() if name != "csrf"}


async def add(core: Core, pages: Pages, request: web.Request, admin: Admin):
    posted = await request.post()
    async with admin_turn(core, admin) as turn:
        answers, problems = await forms.read(turn, chat.ADD_SESSION_FORM, posted, {})
        replies = [] if problems else await chat.ADD_SESSION_FORM.submit(turn, answers)
    if problems:
        return await show(core, pages, request, admin, status=400,
                          posted={**_typed(posted), **answers}, problems=problems)
    return await show(core, pages, request, admin, said(replies))


async def _live(turn, request: web.Request):
    found = await regs.get_session(turn.session, int(request.match_info["id"]))
    return None if found is None or found.cancelled else found


async def edit_form(core: Core, pages: Pages, request: web.Request, admin: Admin,
                    posted: dict | None = None, problems: dict | None = None,
                    status: int = 200) -> web.Response:
    async with admin_turn(core, admin) as turn:
        session = await _live(turn, request)
        if session is None:
            return await show(core, pages, request, admin, turn.t("admin.cls_gone"), 404)
        local = session.starts_at.astimezone(core.config.tz)
        answers = posted or {"session_id": session.id, "date": local.date().isoformat(),
                             "time": local.strftime("%H:%M"), "venue": session.venue,
                             "capacity": session.capacity, "notes": session.notes}
        fields = await _fields(turn, chat.EDIT_SESSION_FORM, answers, problems or {})
    return pages.render("session_edit.html", status=status, admin=admin, session=session,
                        fields=fields)


async def edit(core: Core, pages: Pages, request: web.Request, admin: Admin):
    posted = await request.post()
    number = int(request.match_info["id"])
    async with admin_turn(core, admin) as turn:
        answers, problems = await forms.read(turn, chat.EDIT_SESSION_FORM, posted,
                                             {"session_id": number})
        replies = [] if problems else await chat.EDIT_SESSION_FORM.submit(turn, answers)
    if problems:
        return await edit_form(core, pages, request, admin, {**_typed(posted), **answers},
                               problems, 400)
    return await show(core, pages, request, admin, said(replies))


async def toggle(core: Core, pages: Pages, request: web.Request, admin: Admin):
    action = a.ToggleSession(int(request.match_info["id"]))
    return await show(core, pages, request, admin, await press(core, admin, action))


async def ask_cancel(core: Core, pages: Pages, request: web.Request, admin: Admin):
    async with admin_turn(core, admin) as turn:
        session = await _live(turn, request)
    if session is None:
        return await show(core, pages, request, admin, core.texts("admin.cls_gone"), 404)
    return pages.render("session_cancel.html", admin=admin, session=session)


async def cancel(core: Core, pages: Pages, request: web.Request, admin: Admin):
    action = a.ConfirmCancelSession(int(request.match_info["id"]))
    return await show(core, pages, request, admin, await press(core, admin, action))
