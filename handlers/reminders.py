"""The planner: turns deadlines and class sessions into outbox rows when they fall due.

Idempotent: every row has a dedupe key (deadline + agency + officer + step, or registration +
session time + step), so running it twice, or after a restart, creates nothing twice. Only the
newest due step is queued — an older one that fell due while the bot was down is superseded —
and nothing stale is sent (a reminder more than two days late, a class reminder after class).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import actions as a
from handlers.agency_groups import target_names
from handlers.calendar import WorkCalendar
from handlers.context import BotConfig, local_text
from messages.loader import Texts
from storage import admins, agencies, consents, contacts, outbox
from storage import registrations as regs
from storage.models import ClassSession, Registration

MAX_LATENESS = timedelta(days=2)
CLASS_LOOKAHEAD = timedelta(days=7)
DEADLINE_PRIORITY, CLASS_PRIORITY = 4, 3


@dataclass(frozen=True)
class Planner:
    texts: Texts
    config: BotConfig
    calendar: WorkCalendar

    async def run(self, session: AsyncSession, now: datetime) -> int:
        """Queue what is due at ``now``; returns how many rows were added."""
        added = 0
        for deadline in await agencies.deadlines(session):
            added += await self._deadline(session, deadline, now)
        added += await self._classes(session, now)
        return added

    # -- deadlines ------------------------------------------------------------------------
    def deadline_steps(self, deadline: agencies.DeadlineInfo) -> list[tuple[str, datetime]]:
        """(step, time): the offsets in working days before the due day, the due day itself,
        then every ``overdue_every`` working days while overdue, at most ``overdue_max``."""
        cal, due = self.calendar, deadline.due_date
        due_day = due if cal.is_working_day(due) else cal.add_working_days(due, -1)
        steps = [
            (f"d{offset}", cal.opening(cal.add_working_days(due_day, -offset) if offset
                                       else due_day))
            for offset in sorted(set(deadline.offsets), reverse=True)
        ]
        day = due_day
        for number in range(1, deadline.overdue_max + 1):
            day = cal.add_working_days(day, deadline.overdue_every)
            steps.append((f"od{number}", cal.opening(day)))
        return steps

    async def _deadline(self, session, deadline, now: datetime) -> int:
        due_steps = [(step, at) for step, at in self.deadline_steps(deadline) if at <= now]
        if not due_steps or now - due_steps[-1][1] > MAX_LATENESS:
            return 0
        step, at = due_steps[-1]
        added = await self._report_empty_targets(session, deadline, at.date(), now)
        done = await agencies.acknowledgements(session, deadline.id)
        pending = [
            a for a in await agencies.targets_on(session, deadline.targets, at.date())
            if a.id not in done
        ]
        for agency in pending:
            text = self._deadline_text(deadline, agency, step, now.date())
            buttons = [
                [[self.texts("reminders.report_sent"),
                  a.Acknowledge(deadline.id, agency.id).pack()]],
                [[self.texts("reminders.need_help"), a.AskHelp(deadline.id, agency.id).pack()]],
            ]
            for contact_id in await agencies.officers(session, agency.id):
                if await consents.paused(session, contact_id):  # restricted or objecting
                    continue
                person = await contacts.get(session, contact_id)
                added += await outbox.enqueue(
                    session, dedupe_key=f"dl:{deadline.id}:{agency.id}:{contact_id}:{step}",
                    channel=person.channel, chat_id=person.chat_id, contact_id=person.id,
                    text=text, buttons=buttons, now=now, priority=DEADLINE_PRIORITY,
                    topic=agencies.reminder_topic(deadline.id, agency.id), office_hours=True,
                )
        if step.startswith("od") and pending:
            added += await self._overdue_summary(session, deadline, step, pending, now)
        return added

    async def _report_empty_targets(self, session, deadline, day: date, now: datetime) -> int:
        """A group with no agency valid on the reminder day is told to the admins (once per
        deadline, group and due date), never skipped silently."""
        empty = await agencies.empty_targets(session, deadline.targets, day)
        if not empty:
            return 0
        known = await agencies.every_agency(session)
        text = self.texts("reminders.targets_empty", title=deadline.title,
                          due=deadline.due_date.strftime("%d/%m/%Y"),
                          day=day.strftime("%d/%m/%Y"),
                          targets=target_names(self.texts, empty, known))
        key = f"dl:{deadline.id}:empty:{'+'.join(empty)}:{deadline.due_date.isoformat()}"
        return await notify_admins(session, self.config, key, text, now, office_hours=True)

    def _deadline_text(self, deadline, agency, step: str, today: date) -> str:
        t, due = self.texts, deadline.due_date.strftime("%d/%m/%Y")
        description = deadline.description or ""
        if step.startswith("od"):
            return t("reminders.deadline_overdue", title=deadline.title, due=due,
                     agency=agency.name)
        if step == "d0":
            return t("reminders.deadline_today", title=deadline.title, agency=agency.name,
                     description=description)
        days = self._working_days_between(today, deadline.due_date)
        return t("reminders.deadline_before", title=deadline.title, agency=agency.name, due=due,
                 days=days, description=description)

    def _working_days_between(self, start: date, end: date) -> int:
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.calendar.is_working_day(day)
        return count

    async def _overdue_summary(self, session, deadline, step, pending, now) -> int:
        text = self.texts(
            "reminders.overdue_summary", title=deadline.title,
            due=deadline.due_date.strftime("%d/%m/%Y"), count=len(pending),
            names=", ".join(a.short_name for a in pending),
        )
        return await notify_admins(session, self.config, f"dl:{deadline.id}:sum:{step}", text,
                                   now, office_hours=True)

    # -- classes --------------------------------------------------------------------------
    def class_steps(self, starts_at: datetime) -> list[tuple[str, datetime]]:
        """The working day before the session (start of office hours), and its morning."""
        local_day = starts_at.astimezone(self.config.tz).date()
        day_before = self.calendar.add_working_days(local_day, -1)
        morning = max(starts_at - timedelta(hours=2),
                      datetime.combine(local_day, self.calendar.office_start, self.config.tz)
                      - timedelta(hours=1))
        return [("eve", self.calendar.opening(day_before)), ("morning", min(morning, starts_at))]

    async def _classes(self, session: AsyncSession, now: datetime) -> int:
        query = select(ClassSession).where(
            ClassSession.cancelled.is_(False),
            ClassSession.starts_at > now,
            ClassSession.starts_at <= now + CLASS_LOOKAHEAD,
        )
        titles = {c.id: c.title for c in await regs.classes(session)}
        added = 0
        for row in (await session.execute(query)).scalars().all():
            due = [(step, at) for step, at in self.class_steps(row.starts_at) if at <= now]
            if not due:
                continue
            step = due[-1][0]
            for registration in await _registrants(session, row.id):
                added += await self._class_reminder(
                    session, row, registration, titles[row.class_id], step, now
                )
        return added

    async def _class_reminder(self, session, row, registration, title, step, now) -> int:
        info = await regs.get(session, registration.id)
        if await consents.paused(session, info.contact_id):  # restricted or objecting
            return 0
        tz, t = self.config.tz, self.texts
        values = dict(title=title, code=info.code, venue=row.venue,
                      time=row.starts_at.astimezone(tz).strftime("%H:%M"),
                      date=local_text(row.starts_at, tz, with_time=False))
        buttons: list = []
        if info.status == "waitlisted":
            if step != "eve":
                return 0
            text = t("reminders.class_waitlisted", position=info.waitlist_position, **values)
        elif step == "eve":
            notes = t("reminders.class_notes", notes=row.notes) if row.notes else ""
            text = t("reminders.class_day_before", people=info.attendees, notes=notes, **values)
        else:
            text = t("reminders.class_morning", **values)
        if info.status == "confirmed":
            buttons = [[[t("reminders.cancel_registration", code=info.code),
                         a.CancelRegistration(info.id).pack()]]]
        person = await contacts.get(session, info.contact_id)
        return await outbox.enqueue(
            session, dedupe_key=f"cls:{info.id}:{row.id}:{row.starts_at.isoformat()}:{step}",
            channel=person.channel, chat_id=person.chat_id, contact_id=person.id, text=text,
            buttons=buttons, now=now, priority=CLASS_PRIORITY, topic=f"reg:{info.id}",
        )


async def _registrants(session: AsyncSession, session_id: int) -> list[Registration]:
    query = select(Registration).where(
        Registration.session_id == session_id,
        Registration.status.in_(("confirmed", "waitlisted")),
    )
    return list((await session.execute(query)).scalars().all())


async def notify_session_change(
    session: AsyncSession, texts: Texts, tz, session_id: int, now: datetime
) -> int:
    """Tell each registrant once that their session moved or was cancelled (the dedupe key
    holds the new time, so moving it again tells them again)."""
    row = await session.get(ClassSession, session_id)
    title = await regs.class_title(session, row.class_id)
    kind = "cancelled" if row.cancelled else "moved"
    added = 0
    for registration in await _registrants(session, session_id):
        info = await regs.get(session, registration.id)
        if await consents.paused(session, info.contact_id):  # restricted or objecting
            return 0
        person = await contacts.get(session, info.contact_id)
        values = dict(title=title, code=info.code,
                      date=local_text(row.starts_at, tz, with_time=False))
        if kind == "moved":
            text = texts("reminders.session_moved", venue=row.venue,
                         time=row.starts_at.astimezone(tz).strftime("%H:%M"), **values)
        else:
            text = texts("reminders.session_cancelled", **values)
        added += await outbox.enqueue(
            session, dedupe_key=f"sess:{session_id}:{info.id}:{kind}:{row.starts_at.isoformat()}",
            channel=person.channel, chat_id=person.chat_id, contact_id=person.id, text=text,
            buttons=[], now=now, priority=CLASS_PRIORITY, topic=f"reg:{info.id}",
        )
    return added


async def notify_admins(
    session: AsyncSession, config: BotConfig, key: str, text: str, now: datetime,
    office_hours: bool = False, topic: str | None = None,
) -> int:
    """Queue ``text`` to every admin, configured or added from the chat (an admin's chat id is
    their user id); ``topic`` says what it is about (a person's alert is erased with them)."""
    added = 0
    for admin in sorted(await admins.all_admins(session, config.admins)):
        channel, _, user_id = admin.partition(":")
        added += await outbox.enqueue(
            session, dedupe_key=f"{key}:{admin}", channel=channel, chat_id=user_id,
            contact_id=None, text=text, buttons=[], now=now, priority=2,
            office_hours=office_hours, topic=topic,
        )
    return added
