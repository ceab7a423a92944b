"""The broadcast composer: who (the chat's segments), what, a preview with the audience count,
a confirmation, then the progress (the page reloads it; admin.js refreshes it live). Sending
goes through the chat's own broadcast submit, so the outbox rows, the audit row and the
progress report in the admin's chat are the same as from the chat."""

from datetime import timedelta

from aiohttp import web

from bot.dashboard.auth import Admin
from bot.dashboard.render import Pages, see_other
from bot.dashboard.turns import admin_turn, press, said
from bot.wiring import Core
from handlers import actions as a
from handlers.admin import broadcast as chat
from handlers.textnorm import nfc, without_format_characters
from storage import broadcasts, segments
from storage.segments import Segment

MAX_TEXT = chat.BROADCAST_FORM.field("text").max_length
STATUS_TEXT = {"queuing": "dashboard.bc_status_queuing",
               "sending": "dashboard.bc_status_sending", "done": "dashboard.bc_status_done",
               "cancelled": "dashboard.bc_status_cancelled"}


async def _audiences(turn) -> list[tuple[str, list[tuple[str, str]]]]:
    """(kind's name, [(segment, label)]) for every kind, as the chat offers them."""
    groups = []
    for kind, key in chat.KIND_TEXT.items():
        values = [("", turn.t(key))] if kind == "news" else await chat.options(turn, kind)
        groups.append((turn.t(key), [(str(Segment(kind, v)), label) for v, label in values]))
    return groups


async def compose(core: Core, pages: Pages, request: web.Request, admin: Admin,
                  message: str = "", status: int = 200, chosen: str = "", text: str = ""):
    async with admin_turn(core, admin) as turn:
        groups = await _audiences(turn)
    return pages.render("broadcast.html", status=status, admin=admin, groups=groups,
                        chosen=chosen, text=text, message=message, max_text=MAX_TEXT)


async def _read(core: Core, request: web.Request, admin: Admin):
    """The posted segment (one the chat would offer) and text, or None for either if invalid."""
    form = await request.post()
    chosen, text = str(form.get("segment", "")), str(form.get("text", ""))
    text = without_format_characters(nfc(text)).strip()
    async with admin_turn(core, admin) as turn:
        offered = {value for _, values in await _audiences(turn) for value, _ in values}
    segment = Segment.parse(chosen) if chosen in offered else None
    return segment, (text if 0 < len(text) <= MAX_TEXT else None), chosen, text


async def preview(core: Core, pages: Pages, request: web.Request, admin: Admin):
    segment, text, chosen, typed = await _read(core, request, admin)
    if segment is None or text is None:
        problem = (core.texts("dashboard.bc_pick_segment") if segment is None
                   else core.texts("dashboard.bc_bad_text", max=MAX_TEXT))
        return await compose(core, pages, request, admin, problem, 400, chosen, typed)
    async with admin_turn(core, admin) as turn:
        count = await segments.count(turn.session, segment)
        name = await chat.describe(turn, segment)
    return pages.render("broadcast_preview.html", admin=admin, segment=str(segment),
                        name=name, count=count, text=text)


async def send(core: Core, pages: Pages, request: web.Request, admin: Admin):
    segment, text, chosen, typed = await _read(core, request, admin)
    if segment is None or text is None:
        return await compose(core, pages, request, admin,
                             core.texts("dashboard.bc_pick_segment"), 400, chosen, typed)
    async with admin_turn(core, admin) as turn:
        twice = await broadcasts.same_since(turn.session, admin.id, str(segment), text,
                                            turn.now - timedelta(minutes=10))
        if twice is not None:  # the confirmation pressed again: show the one already sent
            return see_other(f"/admin/broadcast/{twice}")
        before = await broadcasts.latest_by(turn.session, admin.id)
        replies = await chat.BROADCAST_FORM.submit(turn, {"segment": str(segment),
                                                          "text": text})
        number = await broadcasts.latest_by(turn.session, admin.id)
    if number is None or number == before:  # nobody to send to: the chat's answer says so
        return await compose(core, pages, request, admin, said(replies), 200, chosen, typed)
    return see_other(f"/admin/broadcast/{number}")


def _figures(core: Core, item: broadcasts.Progress) -> dict:
    counts = item.by_status
    done = item.finished or item.status in ("done", "cancelled")
    settled = sum(counts.values()) - item.waiting  # of those queued so far
    percent = 100 if done or not item.total else min(99, round(100 * settled / item.total))
    text = core.texts("dashboard.bc_progress", total=item.total,
                      sent=counts.get("sent", 0), failed=counts.get("failed", 0),
                      unreachable=counts.get("unreachable", 0), waiting=item.waiting)
    return {"id": item.id, "percent": percent, "done": done, "text": str(text),
            "status": str(core.texts(STATUS_TEXT.get(item.status, STATUS_TEXT["done"])))}


async def _progress(core: Core, request: web.Request) -> broadcasts.Progress | None:
    async with core.sessionmaker() as session:
        return await broadcasts.progress(session, int(request.match_info["number"]))


async def progress(core: Core, pages: Pages, request: web.Request, admin: Admin,
                   message: str = ""):
    item = await _progress(core, request)
    if item is None:
        raise web.HTTPNotFound()
    return pages.render("broadcast_progress.html", admin=admin, item=item, message=message,
                        figures=_figures(core, item))


async def stop(core: Core, pages: Pages, request: web.Request, admin: Admin):
    """Stop a broadcast (the page asked first, naming it): the chat's own stop."""
    number = int(request.match_info["number"])
    answer = await press(core, admin, a.ConfirmStopBroadcast(number))
    return await progress(core, pages, request, admin, answer)


async def progress_json(core: Core, pages: Pages, request: web.Request, admin: Admin):
    item = await _progress(core, request)
    if item is None:
        raise web.HTTPNotFound()
    return web.json_response(_figures(core, item), headers={"Cache-Control": "no-store"})
