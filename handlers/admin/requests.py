"""Support requests for the department's staff: counts by kind and status, the open (or done)
requests of a kind, one request as given; assign it, answer it, close it (closing asks first,
naming the code). The requester hears of each step on their own channel through the outbox,
within that channel's reply-window rules; every step is audited. Also the guidance topics.

Actions: SupportAdmin(kind?, done?), SupportCase(request), AssignSupport(request, admin?),
AnswerSupport(request) → form, CloseSupport(request) → ConfirmCloseSupport(request),
SupportTopics, AddSupportTopic → form, ToggleSupportTopic(topic)."""

from handlers import actions as a
from handlers.admin.guard import admin_only, audit
from handlers.context import Turn
from handlers.forms import runner
from handlers.forms import validators as v
from handlers.forms.spec import Field, FormSpec
from handlers.support import KIND_TITLE, requester, shown_answers, status_text
from handlers.textnorm import without_format_characters
from handlers.turn import Button, Reply, rows
from messages.loader import Safe
from storage import admins, contacts, outbox, support

# how much a notice to the requester is worth on Zalo OA between 48 h and 7 days
# (ZALO_OA_PAID_MAX_PRIORITY, default 3): the answer and the closing go, "being handled" not
ANSWER_PRIORITY, CLOSED_PRIORITY, HANDLING_PRIORITY = 2, 3, 4


async def overview(turn: Turn) -> list[Reply]:
    """`SupportAdmin()`: counts per kind and status; `SupportAdmin(kind, done?)`: the list."""
    t, kind = turn.t, turn.action.kind
    if kind is not None:
        return [await _listing(turn, kind, turn.action.done is not None)]
    counts = await support.counts(turn.session)
    lines, buttons = [t("support_admin.title")], []
    for each in support.KINDS:
        lines.append(t("support_admin.count_line", title=t(KIND_TITLE[each]),
                       **{status: counts.get((each, status), 0) for status in support.STATUSES}))
        buttons.append(Button(t(KIND_TITLE[each]), a.SupportAdmin(each).pack()))
    buttons += [Button(t("support_admin.topics"), a.SupportTopics().pack()),
                Button(t("admin.back"), a.AdminMenu().pack())]
    return [Reply(Safe("\n".join(lines)), rows(*buttons),
                  replace=turn.incoming.payload is not None)]


async def _listing(turn: Turn, kind: str, done: bool) -> Reply:
    t = turn.t
    statuses = ("answered", "closed") if done else support.OPEN
    items = await support.listing(turn.session, kind, statuses)
    which = t("support_admin.done" if done else "support_admin.open")
    lines = [t("support_admin.list_title", title=t(KIND_TITLE[kind]), which=which)]
    for request in items:
        lines.append(t("support_admin.list_line", code=request.code,
                       status=status_text(turn, request), who=_who(turn, request),
                       date=turn.local(request.created_at, with_time=False),
                       assignee=request.assignee or t("support_admin.nobody")))
    if not items:
        lines.append(t("support_admin.list_empty"))
    counts = await support.counts(turn.session)
    more = sum(counts.get((kind, status), 0) for status in statuses) - len(items)
    if more > 0:  # the oldest come first; the rest once these are handled, or in the export
        lines.append(t("support_admin.list_more", more=more))
    buttons = [Button(r.code, a.SupportCase(r.id).pack()) for r in items]
    other = a.SupportAdmin(kind) if done else a.SupportAdmin(kind, "done")
    buttons += [Button(t("support_admin.show_open" if done else "support_admin.show_done"),
                       other.pack()),
                Button(t("support_admin.back"), a.SupportAdmin().pack())]
    return Reply(Safe("\n".join(lines)), rows(*buttons, per_row=3))


def _who(turn: Turn, request: support.RequestInfo) -> str:
    return requester(request) or turn.t("forms.not_given")


async def case(turn: Turn) -> list[Reply]:
    request = await support.get(turn.session, turn.action.request)
    if request is None:
        return [Reply(turn.t("support_admin.not_found"), _back(turn))]
    await audit(turn, "support_view", code=request.code)  # personal data was shown
    return [await _case(turn, request)]


async def _case(turn: Turn, request: support.RequestInfo) -> Reply:
    t = turn.t
    lines = [t("support_admin.case_title", code=request.code, title=t(KIND_TITLE[request.kind]),
               status=status_text(turn, request), date=turn.local(request.created_at),
               assignee=request.assignee or t("support_admin.nobody"))]
    lines += [t("forms.summary_line", label=label, value=value)
              for label, value in await shown_answers(turn, request)]
    if request.answer:
        lines.append(t("support_admin.case_answer", answer=request.answer))
    buttons = []
    if request.status != "closed":
        if request.assignee != turn.actor:
            buttons.append(Button(t("support_admin.take"),
                                  a.AssignSupport(request.id, turn.actor).pack()))
        buttons += [
            Button(t("support_admin.assign"), a.AssignSupport(request.id).pack()),
            Button(t("support_admin.answer"), a.AnswerSupport(request.id).pack()),
            Button(t("support_admin.close", code=request.code),
                   a.CloseSupport(request.id).pack()),
        ]
    buttons.append(Button(t("support_admin.back_to_list"), a.SupportAdmin(request.kind).pack()))
    return Reply(Safe("\n".join(lines)), rows(*buttons, per_row=2))


async def assign(turn: Turn) -> list[Reply]:
    """`AssignSupport(request)`: choose among the admins; with one: give it to them."""
    t, request = turn.t, await _open(turn, turn.action.request)
    if request is None:
        return [Reply(t("support_admin.not_open"), _back(turn))]
    staff = sorted(await admins.all_admins(turn.session, turn.config.admins))
    chosen = turn.action.admin
    if chosen is None:
        buttons = [Button(entry, a.AssignSupport(request.id, entry).pack()) for entry in staff]
        buttons.append(Button(t("support_admin.back_to_case"),
                              a.SupportCase(request.id).pack()))
        return [Reply(t("support_admin.assign_to", code=request.code), rows(*buttons))]
    if chosen not in staff:  # removed meanwhile, or a crafted payload
        return [Reply(t("support_admin.not_staff", admin=chosen), _back(turn))]
    await support.assign(turn.session, request.id, chosen, turn.now)
    await audit(turn, "support_assign", code=request.code, to=chosen)
    if request.status == "received":
        await _tell_requester(turn, request, "support.notice_in_progress", "handling",
                              HANDLING_PRIORITY)
    done = Reply(t("support_admin.assigned", code=request.code, admin=chosen))
    return [done, await _case(turn, await support.get(turn.session, request.id))]


async def answer(turn: Turn) -> list[Reply]:
    request = await _open(turn, turn.action.request)
    if request is None:
        return [Reply(turn.t("support_admin.not_open"), _back(turn))]
    return await runner.start(turn, ANSWER_FORM, {"request": request.id})


async def _save_answer(turn: Turn, answers: dict) -> list[Reply]:
    request = await _open(turn, answers["request"])
    if request is None:  # closed meanwhile by another staff member
        return [Reply(turn.t("support_admin.not_open"), _back(turn))]
    await support.reply(turn.session, request.id, answers["text"], turn.now)
    await audit(turn, "support_answer", code=request.code, chars=len(answers["text"]))
    key = f"answer:{turn.now.isoformat()}"  # each answer once, a later one again
    await _tell_requester(turn, request, "support.notice_answered", key, ANSWER_PRIORITY,
                          answer=answers["text"])
    done = Reply(turn.t("support_admin.answered", code=request.code))
    return [done, await _case(turn, await support.get(turn.session, request.id))]


ANSWER_FORM = FormSpec(
    name="adm_ht_answer", version=1, title="support_admin.answer_title",
    fields=(Field("text", "support_admin.ask_answer", "support_admin.label_answer",
                  parse=without_format_characters, max_length=1500),),
    submit=admin_only(_save_answer),
)


async def ask_close(turn: Turn) -> list[Reply]:
    t, request = turn.t, await _open(turn, turn.action.request)
    if request is None:
        return [Reply(t("support_admin.not_open"), _back(turn))]
    buttons = rows(Button(t("support_admin.yes_close"),
                          a.ConfirmCloseSupport(request.id).pack()),
                   Button(t("support_admin.back_to_case"), a.SupportCase(request.id).pack()))
    return [Reply(t("support_admin.confirm_close", code=request.code), buttons)]


async def close(turn: Turn) -> list[Reply]:
    request = await _open(turn, turn.action.request)
    if request is None:
        return [Reply(turn.t("support_admin.not_open"), _back(turn))]
    await support.close(turn.session, request.id, turn.now)
    await audit(turn, "support_close", code=request.code)
    await _tell_requester(turn, request, "support.notice_closed", "closed", CLOSED_PRIORITY)
    return [Reply(turn.t("support_admin.closed", code=request.code)),
            await _listing(turn, request.kind, done=False)]


async def _open(turn: Turn, request_id: int) -> support.RequestInfo | None:
    request = await support.get(turn.session, request_id)
    return request if request is not None and request.status != "closed" else None


async def _tell_requester(turn: Turn, request: support.RequestInfo, key: str, step: str,
                          priority: int, **values) -> None:
    """Queue the notice ``key`` to the requester's own chat (once per ``step``)."""
    person = await contacts.get(turn.session, request.contact_id)
    if person is None:
        return
    t = turn.t
    text = t(key, code=request.code, title=t(KIND_TITLE[request.kind]), **values)
    await outbox.enqueue(
        turn.session, dedupe_key=f"ht:{request.id}:{step}", channel=person.channel,
        chat_id=person.chat_id, contact_id=person.id, text=text,
        buttons=[[[t("registration.my_registrations"), a.MyRegistrations().pack()]]],
        now=turn.now, priority=priority,
    )


def _back(turn: Turn):
    return rows(Button(turn.t("support_admin.back"), a.SupportAdmin().pack()))


# -- the guidance topics --------------------------------------------------------------------------
async def topics(turn: Turn) -> list[Reply]:
    t, lines, buttons = turn.t, [turn.t("support_admin.topics_title")], []
    for topic in await support.topics(turn.session, active_only=False):
        shown = "support_admin.topic_active" if topic.active else "support_admin.topic_hidden"
        lines.append(t(shown, label=topic.label))
        toggle = "support_admin.topic_hide" if topic.active else "support_admin.topic_show"
        buttons.append(Button(t(toggle, label=topic.label),
                              a.ToggleSupportTopic(topic.id).pack()))
    buttons += [Button(t("support_admin.topic_add"), a.AddSupportTopic().pack()),
                Button(t("support_admin.back"), a.SupportAdmin().pack())]
    return [Reply(Safe("\n".join(lines)), rows(*buttons))]


async def toggle_topic(turn: Turn) -> list[Reply]:
    every = {x.id: x for x in await support.topics(turn.session, active_only=False)}
    topic = every.get(turn.action.topic)
    if topic is not None:
        await support.set_topic_active(turn.session, topic.id, not topic.active)
        await audit(turn, "support_topic", topic=topic.id, active=not topic.active)
    return await topics(turn)


async def add_topic(turn: Turn) -> list[Reply]:
    return await runner.start(turn, TOPIC_FORM)


async def _save_topic(turn: Turn, answers: dict) -> list[Reply]:
    topic = await support.add_topic(turn.session, answers["label"])
    await audit(turn, "support_topic_add", topic=topic.id, label=topic.label)
    return [Reply(turn.t("support_admin.topic_added", label=topic.label)), *await topics(turn)]


TOPIC_FORM = FormSpec(
    name="adm_ht_topic", version=1, title="support_admin.topic_title",
    fields=(Field("label", "support_admin.ask_topic", "support_admin.label_topic",
                  parse=lambda text: v.plain_text(text, 2, 200), max_length=200),),
    submit=admin_only(_save_topic),
)
