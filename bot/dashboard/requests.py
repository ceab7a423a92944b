"""Support requests: the list by kind and status (search by code or organisation, with or
without diacritics), one request as given with its history, and taking, assigning, answering
and closing it (asking first) through the chat's own handlers, so the rules, the notices to
the requester through the outbox and the audit rows are the chat's. Also the guidance topics
people choose from, added and hidden as in the chat."""

from urllib.parse import urlencode

from aiohttp import web
from markupsafe import Markup

from bot.dashboard import forms
from bot.dashboard.auth import Admin, audit
from bot.dashboard.render import Pages
from bot.dashboard.turns import admin_turn, press, said
from bot.wiring import Core
from handlers import actions as a
from handlers.admin import guard
from handlers.admin import requests as chat
from handlers.context import local_text
from handlers.support import KIND_TITLE, STATUS_TEXT, requester, shown_answers
from handlers.textnorm import fold
from messages.loader import Texts
from storage import admins, support

PER_PAGE = 50
# how the history tells each step staff took (as the audit log names it)
STEP_TEXT = {"support_assign": "dashboard.req_step_support_assign",
             "support_answer": "dashboard.req_step_support_answer",
             "support_close": "dashboard.req_step_support_close"}


def counts_table(t: Texts, counts) -> dict:
    """The counts per kind and status as the table draws them: the statuses (columns), and
    per kind its title, [(status, its label, how many)] and the total."""
    statuses = [(s, t(STATUS_TEXT[s])) for s in support.STATUSES]
    return {"statuses": statuses, "rows": [
        (kind, t(KIND_TITLE[kind]),
         [(status, label, counts.get((kind, status), 0)) for status, label in statuses],
         sum(counts.get((kind, status), 0) for status in support.STATUSES))
        for kind in support.KINDS]}


async def show(core: Core, pages: Pages, request: web.Request, admin: Admin,
               message: Markup | str = "", status: int = 200) -> web.Response:
    t = core.texts
    kind = request.query.get("kind", "")
    kind = kind if kind in support.KINDS else ""
    state = request.query.get("status", "")
    state = state if state in support.STATUSES else ""
    search = request.query.get("q", "")[:100]
    page = int(request.query["page"]) if request.query.get("page", "").isdigit() else 1
    async with core.reader() as session:  # long reads hold no one else's turn
        found = await support.listing(session, kind or None,
                                      (state,) if state else support.STATUSES, limit=None)
        counts = await support.counts(session)
    words = fold(search)
    if words:
        found = [r for r in found if words in fold(f"{r.code} {requester(r) or ''}")]
    found.reverse()  # newest first, as the registrations
    pages_count = max(1, -(-len(found) // PER_PAGE))
    page = min(max(page, 1), pages_count)
    kept = {"q": search, "kind": kind, "status": state}

    def link(number: int) -> str:
        return "/admin/requests?" + urlencode({**kept, "page": number})

    table = counts_table(t, counts)
    await audit(core, admin, "dashboard_requests", page=page, found=len(found),
                filters={k: v for k, v in kept.items() if v})
    return pages.render(
        "requests.html", status=status, admin=admin, message=message, search=search,
        chosen=kept, found=len(found), page=page, pages_count=pages_count,
        rows=[(r, requester(r), t(KIND_TITLE[r.kind]), t(STATUS_TEXT[r.status]))
              for r in found[(page - 1) * PER_PAGE: page * PER_PAGE]],
        previous=link(page - 1) if page > 1 else None,
        next=link(page + 1) if page < pages_count else None,
        counts=table, statuses=table["statuses"],
        kinds=[(k, t(KIND_TITLE[k])) for k in support.KINDS],
        when=lambda moment: local_text(moment, core.config.tz),
    )


def _number(request: web.Request) -> int:
    return int(request.match_info["id"])


async def case(core: Core, pages: Pages, request: web.Request, admin: Admin,
               message: Markup | str = "", status: int = 200, typed: str = "",
               problem: Markup | None = None) -> web.Response:
    """One request: everything the requester gave, its status and history, and the forms."""
    t, tz = core.texts, core.config.tz
    async with admin_turn(core, admin) as turn:
        found = await support.get(turn.session, _number(request))
        if found is None:
            return await show(core, pages, request, admin, t("support_admin.not_found"), 404)
        if request.method == "GET":  # personal data is shown: audited as the chat does
            await guard.audit(turn, "support_view", code=found.code)
        given = await shown_answers(turn, found)
        steps = await admins.entries_about(turn.session, tuple(STEP_TEXT), found.code)
        staff = sorted(await admins.all_admins(turn.session, core.config.admins))
    history = [t("dashboard.req_step_received", time=local_text(found.created_at, tz))]
    history += [t(STEP_TEXT[step.action], time=local_text(step.at, tz),
                  actor=step.actor, to=step.detail.get("to", "")) for step in steps]
    return pages.render(
        "request.html", status=status, admin=admin, message=message, item=found,
        title=t(KIND_TITLE[found.kind]), state=t(STATUS_TEXT[found.status]), given=given,
        history=history, staff=staff, typed=typed, problem=problem,
        answer_max=chat.ANSWER_FORM.field("text").max_length,
        when=lambda moment: local_text(moment, tz),
    )


async def assign(core: Core, pages: Pages, request: web.Request, admin: Admin):
    """Take the request (the admin themself) or give it to another admin: the chat's own
    assignment, which refuses anyone no longer an admin and tells the requester."""
    chosen = str((await request.post()).get("admin", "")).strip()
    action = a.AssignSupport(_number(request), chosen or None)
    try:
        action.pack()
    except ValueError:  # no admin id is like this: it would not fit a chat button either
        return await case(core, pages, request, admin,
                          core.texts("support_admin.not_staff", admin=chosen), 400)
    return await case(core, pages, request, admin, await press(core, admin, action))


async def answer(core: Core, pages: Pages, request: web.Request, admin: Admin):
    """The chat's answer form: the same checks, the same notice to the requester."""
    posted = await request.post()
    async with admin_turn(core, admin) as turn:
        answers, problems = await forms.read(turn, chat.ANSWER_FORM, posted,
                                             {"request": _number(request)})
        replies = [] if problems else await chat.ANSWER_FORM.submit(turn, answers)
    if problems:
        return await case(core, pages, request, admin, status=400,
                          typed=str(posted.get("text", "")), problem=problems["text"])
    return await case(core, pages, request, admin, said(replies))


async def ask_close(core: Core, pages: Pages, request: web.Request, admin: Admin):
    async with core.sessionmaker() as session:
        found = await support.get(session, _number(request))
    if found is None or found.status == "closed":
        return await show(core, pages, request, admin, core.texts("support_admin.not_open"),
                          404)
    return pages.render("request_close.html", admin=admin, item=found)


async def close(core: Core, pages: Pages, request: web.Request, admin: Admin):
    action = a.ConfirmCloseSupport(_number(request))
    return await case(core, pages, request, admin, await press(core, admin, action))


# -- the guidance topics --------------------------------------------------------------------------
async def topics(core: Core, pages: Pages, request: web.Request, admin: Admin,
                 message: Markup | str = "", status: int = 200, typed: str = "",
                 problem: Markup | None = None) -> web.Response:
    async with core.sessionmaker() as session:
        listed = await support.topics(session, active_only=False)
    field = chat.TOPIC_FORM.field("label")
    return pages.render("topics.html", status=status, admin=admin, message=message,
                        listed=listed, typed=typed, problem=problem, field=field,
                        label=core.texts(field.label), hint=core.texts(field.prompt))


async def add_topic(core: Core, pages: Pages, request: web.Request, admin: Admin):
    posted = await request.post()
    async with admin_turn(core, admin) as turn:
        answers, problems = await forms.read(turn, chat.TOPIC_FORM, posted, {})
        replies = [] if problems else await chat.TOPIC_FORM.submit(turn, answers)
    if problems:
        return await topics(core, pages, request, admin, status=400,
                            typed=str(posted.get("label", "")), problem=problems["label"])
    return await topics(core, pages, request, admin, said(replies))


async def toggle_topic(core: Core, pages: Pages, request: web.Request, admin: Admin):
    """Hide a topic (or show it again): the chat's toggle; its answer is the list itself."""
    action = a.ToggleSupportTopic(request.match_info["topic"])
    try:
        action.pack()
    except ValueError:
        raise web.HTTPNotFound() from None
    await press(core, admin, action)
    return await topics(core, pages, request, admin)

