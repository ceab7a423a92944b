"""What the deadline answers (/hanbaocao, the plan's deadline question) say today: the open
deadlines, or that none is open and the last one is past."""

from handlers.context import Turn
from storage import agencies


async def status(turn: Turn) -> str:
    t, day = turn.t, turn.today
    every = await agencies.deadlines(turn.session, active_only=False)
    lines = [
        t("agency.status_line_overdue" if d.due_date < day else "agency.status_line",
          title=d.title, due=d.due_date.strftime("%d/%m/%Y"))
        for d in every if d.active
    ]
    if lines:
        return "\n".join([t("agency.status_open"), *lines])
    past = [d for d in every if d.due_date < day]
    if not past:
        return t("agency.status_none")
    last = max(past, key=lambda d: d.due_date)
    return t("agency.status_last_past", title=last.title, due=last.due_date.strftime("%d/%m/%Y"))


async def has_upcoming(turn: Turn) -> bool:
    """Whether an open deadline is still ahead: only then is there something to be reminded of."""
    return any(d.due_date >= turn.today for d in await agencies.deadlines(turn.session))
