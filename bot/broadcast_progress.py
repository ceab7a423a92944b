"""Progress of broadcasts, shown to the admin who sent them: one message, edited as the outbox
drains where the channel can edit ("Đã gửi 120/500…"), then the final report."""

from bot.wiring import Core
from handlers.dispatcher import utcnow
from handlers.turn import Reply
from storage import broadcasts


async def report(core: Core, channels: dict) -> None:
    async with core.sessionmaker() as session:
        items = await broadcasts.running(session)
    for item in items:
        channel = channels.get(item.channel)
        if channel is None:
            continue
        counts = item.by_status
        values = dict(id=item.id, total=item.total, sent=counts.get("sent", 0),
                      failed=counts.get("failed", 0), unreachable=counts.get("unreachable", 0))
        finished = item.finished
        key = "admin.bc_done" if finished else "admin.bc_progress"
        extra = {"outside": counts.get("outside_window", 0)} if finished else {}
        text = core.texts(key, **values, **extra)
        if text == item.shown:
            continue
        edit = getattr(channel, "edit_text", None)
        message_id = item.message_id
        if message_id and edit is not None:
            await edit(item.chat_id, message_id, text)
        elif finished or message_id is None:
            ids = await channel.send(item.chat_id, [Reply(text)])
            message_id = ids[0] if ids else "sent"
        else:
            continue  # a channel that cannot edit gets the first and the last message only
        async with core.sessionmaker.begin() as session:
            await broadcasts.record_progress(session, item.id, text, message_id, finished,
                                             utcnow())
