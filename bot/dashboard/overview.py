"""The overview: registrations per day, seats per session, acknowledgements per deadline,
from the same figures as the chat's statistics (storage.stats); and the support requests per
kind and status, as the chat counts them."""

from aiohttp import web

from bot.dashboard.auth import Admin, audit
from bot.dashboard.charts import Bar, bars
from bot.dashboard.render import Pages
from bot.dashboard.requests import counts_table
from bot.wiring import Core
from handlers.context import local_text
from handlers.dispatcher import utcnow
from storage import stats, support


async def show(core: Core, pages: Pages, request: web.Request, admin: Admin) -> web.Response:
    t, tz, now = core.texts, core.config.tz, utcnow()
    async with core.reader() as session:  # long reads hold no one else's turn
        per_day = await stats.signups_per_day(session, now, tz)
        seats = [f for f in await stats.sessions(session, now) if f.session is not None]
        deadlines = await stats.deadlines(session, now.astimezone(tz).date())
        requests = await support.counts(session)
    charts = [
        (t("dashboard.chart_per_day"), [Bar(d.strftime("%d/%m"), n) for d, n in per_day.items()]),
        (t("dashboard.chart_seats"), [
            Bar(f"{f.class_title} — {local_text(f.session.starts_at, tz, False)}",
                f.session.seats_taken, f.session.capacity) for f in seats]),
        (t("dashboard.chart_acks"), [
            Bar(f.deadline.title, f.acknowledged, f.acknowledged + len(f.pending))
            for f in deadlines]),
    ]
    await audit(core, admin, "dashboard_overview")
    return pages.render("overview.html", admin=admin, charts=[
        (title, bars(title, items) if items else None) for title, items in charts],
        requests=counts_table(t, requests))
