"""Statistics and the Excel export."""

import io

from handlers import actions as a
from handlers.admin.guard import audit
from handlers.admin_export import write_workbook
from handlers.context import Turn
from handlers.support import KIND_TITLE
from handlers.turn import Button, Document, Reply, rows
from messages.choices import choice_name
from messages.loader import Safe
from storage import stats, support


def back(turn: Turn):
    return rows(Button(turn.t("admin.back"), a.AdminMenu().pack()))


async def show(turn: Turn) -> list[Reply]:
    """The figures, counted on a reader after the turn (see Turn.after)."""
    await audit(turn, "stats")
    return [turn.after(lambda session: _figures(turn, session), back(turn))]


async def _figures(turn: Turn, session) -> Reply:
    t, tz = turn.t, turn.config.tz
    lines = [t("admin.stats_title", time=turn.local(turn.now)), t("admin.stats_classes")]
    figures = await stats.sessions(session, turn.now)
    for item in figures:
        counts = {k: item.by_status.get(k, 0)
                  for k in ("confirmed", "waitlisted", "interested", "cancelled")}
        if item.session is None:
            lines.append(t("admin.stats_unscheduled", title=item.class_title,
                           interested=counts["interested"], cancelled=counts["cancelled"]))
            continue
        lines.append(t("admin.stats_session", title=item.class_title,
                       date=turn.local(item.session.starts_at), venue=item.session.venue,
                       taken=item.session.seats_taken, capacity=item.session.capacity,
                       confirmed=counts["confirmed"], waitlisted=counts["waitlisted"],
                       cancelled=counts["cancelled"]))
    if not figures:
        lines.append(t("admin.stats_no_classes"))
    members = await stats.club_members(session)
    lines.append(t("admin.stats_clubs", dhqn=choice_name("schools", "dhqn"),
                   dhqn_count=members.get("dhqn", 0), cdqn=choice_name("schools", "cdqn"),
                   cdqn_count=members.get("cdqn", 0)))
    lines.append(t("admin.stats_deadlines"))
    for item in await stats.deadlines(session, turn.now.astimezone(tz).date()):
        lines.append(t("admin.stats_deadline", title=item.deadline.title,
                       due=item.deadline.due_date.strftime("%d/%m/%Y"),
                       overdue=t("admin.stats_overdue") if item.overdue else "",
                       done=item.acknowledged, pending=len(item.pending)))
        if item.pending:
            lines.append(t("admin.stats_pending_names", names=", ".join(item.pending)))
    requests = await support.counts(session)
    lines.append(t("support_admin.stats_title"))
    for kind in support.KINDS:
        lines.append(t("support_admin.count_line", title=t(KIND_TITLE[kind]),
                       **{status: requests.get((kind, status), 0)
                          for status in support.STATUSES}))
    per_day = await stats.signups_per_day(session, turn.now, tz)
    if per_day:
        days = ", ".join(f"{day.strftime('%d/%m')}: {count}" for day, count in per_day.items())
        lines.append(t("admin.stats_signups", days=days))
    else:
        lines.append(t("admin.stats_signups_none"))
    lines.append(t("admin.stats_other", refusals=await stats.consent_refusals(session),
                   unreachable=await stats.unreachable_contacts(session)))
    lines.append(t("admin.stats_failed_updates", count=await stats.failed_updates(session)))
    return Reply(Safe("\n".join(lines)), back(turn))


async def export(turn: Turn) -> list[Reply]:
    """The workbook, read on a reader and written in a worker thread after the turn (an export
    of ten thousand rows takes seconds; nobody else waits for it)."""
    await audit(turn, "export")
    return [turn.after(lambda session: _workbook(turn, session), back(turn))]


async def _workbook(turn: Turn, session) -> Reply:
    buffer = io.BytesIO()
    counts = await write_workbook(session, buffer, turn.t, turn.config.tz, now=turn.now)
    stamp = turn.now.astimezone(turn.config.tz).strftime("%Y%m%d-%H%M")
    caption = turn.t("admin.export_caption", time=turn.local(turn.now),
                     registrations=counts.get("registrations", 0),
                     members=counts.get("members", 0))
    document = Document(f"ke-hoach-1349-{stamp}.xlsx", buffer.getvalue(), caption)
    return Reply(caption, back(turn), document=document)
