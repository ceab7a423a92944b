"""Broadcasts to a segment: choose who, write, preview with the count, confirm; sent through
the outbox (topic ``bc:<id>``), with progress reported by the sender and a stop button that
asks first, naming the broadcast.

Actions: Broadcast() the kinds, Broadcast(kind) its values to pick, Broadcast(kind, value) →
the form; StopBroadcast(number) → ConfirmStopBroadcast(number)."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import actions as a
from handlers.admin.guard import admin_only, audit
from handlers.admin.stats import back
from handlers.context import Turn
from handlers.forms import runner
from handlers.forms.spec import Choice, Field, FormSpec
from handlers.textnorm import without_format_characters
from handlers.turn import Button, Reply, rows
from messages.choices import choice_list
from messages.loader import escape
from storage import agencies, broadcasts, registrations, segments, support
from storage.segments import Segment

BULK_PRIORITY = 6
KIND_TEXT = {
    "cls": "admin.bc_class", "ses": "admin.bc_session", "wait": "admin.bc_wait",
    "club": "admin.bc_club", "dl": "admin.bc_deadline", "topic": "support_admin.bc_topic",
    "news": "admin.bc_news",
}


async def show(turn: Turn) -> list[Reply]:
    kind, value = turn.action.kind, turn.action.value
    if kind is None:
        buttons = [Button(turn.t(key), a.Broadcast(k).pack()) for k, key in KIND_TEXT.items()]
        return [Reply(turn.t("admin.bc_choose"), rows(*buttons, _back(turn)))]
    if kind == "news" or value is not None:
        segment = Segment(kind, value or "")
        return await runner.start(turn, BROADCAST_FORM, {"segment": str(segment)})
    choices = await options(turn, kind)
    if not choices:
        return [Reply(turn.t("admin.bc_none_to_pick"), back(turn))]
    buttons = [Button(label, a.Broadcast(kind, v).pack()) for v, label in choices]
    return [Reply(turn.t("admin.bc_pick"), rows(*buttons, _back(turn)))]


def _back(turn: Turn) -> Button:
    return Button(turn.t("admin.back"), a.AdminMenu().pack())


async def options(turn: Turn, kind: str) -> list[tuple[str, str]]:
    """The values an admin picks from for a kind of segment, as (value, label)."""
    if kind == "club":
        return list(choice_list("schools"))
    if kind == "dl":
        return [(str(d.id), d.title) for d in await agencies.deadlines(turn.session)]
    if kind == "topic":  # hidden topics too: people asked about them before
        return [(t.id, t.label) for t in await support.topics(turn.session, active_only=False)]
    classes = await registrations.classes(turn.session)
    if kind == "ses":
        return [
            (str(s.id), f"{c.title} — {turn.local(s.starts_at)}")
            for c in classes for s in await registrations.upcoming_sessions(turn.session, c.id,
                                                                           turn.now)
        ]
    return [(str(c.id), c.title) for c in classes]


async def describe(turn: Turn, segment: Segment) -> str:
    """A segment as admins read it."""
    if segment.kind == "news":
        return turn.t(KIND_TEXT["news"])
    names = dict(await options(turn, segment.kind))
    return f"{turn.t(KIND_TEXT[segment.kind])}: {names.get(segment.value, segment.value)}"


async def _segment_choice(turn: Turn, answers: dict) -> list[Choice]:
    """The segment's only "choice" is itself, so the summary shows it and its head count."""
    segment = Segment.parse(answers["segment"])
    count = await segments.count(turn.session, segment)
    label = turn.t("admin.bc_segment_label", name=await describe(turn, segment), count=count)
    return [Choice(answers["segment"], label)]


async def _submit(turn: Turn, answers: dict) -> list[Reply]:
    segment = Segment.parse(answers["segment"])
    number = await broadcasts.create(
        turn.session, str(segment), answers["text"], turn.actor, 0,
        turn.incoming.channel, turn.incoming.chat_id, turn.now,
    )
    # the first batch now; a big audience's rest is queued by the scheduler, batch by batch,
    # so confirming holds nobody else's turn
    await queue_batch(turn.session, number, turn.now)
    item = await broadcasts.progress(turn.session, number)
    if item.status == "sending" and not item.total:  # everyone left since the preview
        await broadcasts.drop(turn.session, number)
        return [Reply(turn.t("admin.bc_empty"), back(turn))]
    total = item.total
    if item.status == "queuing":  # how many it will reach, for the count and the progress
        total = await segments.count(turn.session, segment)
        await broadcasts.set_total(turn.session, number, total)
    await audit(turn, "broadcast", id=number, segment=str(segment), recipients=total)
    stop_button = Button(turn.t("admin.bc_stop", id=number), a.StopBroadcast(number).pack())
    return [Reply(turn.t("admin.bc_queued", id=number, count=total),
                  rows(stop_button, _back(turn)))]


async def queue_batch(session: AsyncSession, number: int, now: datetime) -> int | None:
    """Queue the next broadcasts.BATCH people of a broadcast still queuing, lowest contact ids
    first, after the last one queued: a run killed half-way resumes where it stopped, and the
    outbox's dedupe key refuses anyone twice. The last batch marks it "sending". Returns how
    many were queued, or None when it queues no more (all queued, or stopped)."""
    row = await broadcasts.claim(session, number)
    if row is None or row.status != "queuing":
        return None
    queued = await segments.enqueue(
        session, Segment.parse(row.segment["segment"]), dedupe_prefix=f"bc:{number}:",
        text=escape(row.text),  # admin text is shown as written, never as markup
        now=now, priority=BULK_PRIORITY, topic=broadcasts.topic(number),
        after=await broadcasts.last_queued(session, number), limit=broadcasts.BATCH,
    )
    if queued < broadcasts.BATCH:
        await broadcasts.queued_all(session, number)
    return queued


BROADCAST_FORM = FormSpec(
    name="adm_bc", version=1, title="admin.bc_title",
    fields=(
        Field("segment", "admin.bc_ask_segment", "admin.bc_label_segment",
              choices=_segment_choice),
        Field("text", "admin.bc_ask_text", "admin.bc_label_text", parse=without_format_characters,
              max_length=2000),
    ),
    submit=admin_only(_submit),
)


async def ask_stop(turn: Turn) -> list[Reply]:
    number = turn.action.number
    confirm = rows(Button(turn.t("admin.bc_yes_stop"), a.ConfirmStopBroadcast(number).pack()),
                   _back(turn))
    return [Reply(turn.t("admin.bc_confirm_stop", id=number), confirm)]


async def stop(turn: Turn) -> list[Reply]:
    number = turn.action.number
    dropped = await broadcasts.cancel(turn.session, number, turn.now)
    if dropped is None:
        return [Reply(turn.t("admin.bc_not_running"), back(turn))]
    await audit(turn, "broadcast_stop", id=number, dropped=dropped)
    return [Reply(turn.t("admin.bc_stopped", id=number, dropped=dropped), back(turn))]
