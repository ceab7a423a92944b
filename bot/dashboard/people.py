"""Registrations and club members: one list with search (name, tax code, phone, code; with or
without diacritics), filters by class, session, status and school, pages of 50; and the same
Excel export as the chat's, as a download."""

import io
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import select

from bot.dashboard.auth import Admin, audit
from bot.dashboard.render import Pages
from bot.wiring import Core
from handlers.admin_export import MEMBER_STATUS, REGISTRATION_STATUS, write_workbook
from handlers.context import local_text
from handlers.dispatcher import utcnow
from handlers.privacy import shown
from handlers.textnorm import fold
from messages.choices import choice_list, choice_name
from storage import registrations as regs
from storage.models import ClassSession, ClubMembership, Registration, TrainingClass

PER_PAGE = 50
FILTERS = ("class", "session", "status", "school")


@dataclass(frozen=True)
class Row:
    code: str | None
    name: str | None  # the enterprise, or the student
    person: str | None  # the enterprise's contact person, or the student id
    tax_code: str | None
    phone: str | None
    group: str  # the class, or the school
    session: datetime | None
    status: str
    created_at: datetime

    def matches(self, words: str) -> bool:
        digits = "".join(c for c in words if c.isdigit())
        haystack = fold(" ".join(filter(None, (self.code, self.name, self.person,
                                                self.tax_code, self.phone))))
        phone = "".join(c for c in (self.phone or "") if c.isdigit())
        return words in haystack or bool(len(digits) >= 4 and digits in phone)


async def _rows(session, texts, chosen: dict[str, str]) -> list[Row]:
    rows: list[Row] = []
    if not chosen["school"]:
        query = (select(Registration, TrainingClass.title, ClassSession.starts_at)
                 .join(TrainingClass, TrainingClass.id == Registration.class_id)
                 .outerjoin(ClassSession, ClassSession.id == Registration.session_id)
                 .order_by(Registration.created_at.desc()))
        if chosen["class"]:
            query = query.where(TrainingClass.code == chosen["class"])
        if chosen["session"].isdigit():
            query = query.where(Registration.session_id == int(chosen["session"]))
        if chosen["status"]:
            query = query.where(Registration.status == chosen["status"])
        for r, title, starts_at in (await session.execute(query)).all():
            rows.append(Row(r.code, r.company, r.contact_name, shown("tax_code", r.tax_code),
                            shown("phone", r.phone), title, starts_at,
                            texts(REGISTRATION_STATUS.get(r.status, "export.status.cancelled")),
                            r.created_at))
    if not (chosen["class"] or chosen["session"]):
        query = select(ClubMembership).order_by(ClubMembership.created_at.desc())
        if chosen["school"]:
            query = query.where(ClubMembership.school == chosen["school"])
        if chosen["status"]:
            query = query.where(ClubMembership.status == chosen["status"])
        for m in (await session.execute(query)).scalars():
            rows.append(Row(m.code, m.full_name, m.student_id, None, shown("phone", m.phone),
                            choice_name("schools", m.school) or m.school, None,
                            texts(MEMBER_STATUS.get(m.status, "export.status.left")),
                            m.created_at))
    return sorted(rows, key=lambda row: row.created_at, reverse=True)


async def show(core: Core, pages: Pages, request: web.Request, admin: Admin) -> web.Response:
    t, now = core.texts, utcnow()
    chosen = {name: request.query.get(name, "")[:20] for name in FILTERS}
    search = request.query.get("q", "")[:100]
    page = int(request.query["page"]) if request.query.get("page", "").isdigit() else 1
    async with core.reader() as session:  # long reads hold no one else's turn
        rows = await _rows(session, t, chosen)
        classes = await regs.classes(session)
        sessions = [(s.id, f"{c.title} — {local_text(s.starts_at, core.config.tz)}")
                    for c in classes for s in await regs.upcoming_sessions(session, c.id, now)]
    words = fold(search)
    if words:
        rows = [row for row in rows if row.matches(words)]
    pages_count = max(1, -(-len(rows) // PER_PAGE))
    page = min(max(page, 1), pages_count)
    kept = {"q": search, **chosen}

    def link(number: int) -> str:
        return "/admin/registrations?" + urlencode({**kept, "page": number})

    await audit(core, admin, "dashboard_registrations", page=page, found=len(rows),
                filters={k: v for k, v in chosen.items() if v})
    statuses = [(k, t(v)) for k, v in (*REGISTRATION_STATUS.items(), *MEMBER_STATUS.items())]
    return pages.render(
        "registrations.html", admin=admin, search=search, chosen=chosen, found=len(rows),
        rows=rows[(page - 1) * PER_PAGE: page * PER_PAGE], page=page, pages_count=pages_count,
        previous=link(page - 1) if page > 1 else None,
        next=link(page + 1) if page < pages_count else None,
        classes=[(c.code, c.title) for c in classes], sessions=sessions, statuses=statuses,
        schools=list(choice_list("schools")),
        when=lambda moment: local_text(moment, core.config.tz) if moment else "",
    )


async def export(core: Core, pages: Pages, request: web.Request, admin: Admin) -> web.Response:
    now, tz, buffer = utcnow(), core.config.tz, io.BytesIO()
    async with core.reader() as session:  # a long read: it must hold no one else's turn
        counts = await write_workbook(session, buffer, core.texts, tz, now=now)
    await audit(core, admin, "export", rows=counts)
    name = f"ke-hoach-1349-{now.astimezone(tz).strftime('%Y%m%d-%H%M')}.xlsx"
    return web.Response(body=buffer.getvalue(), headers={
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
    })
