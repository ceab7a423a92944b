"""Deadlines and agencies: add a deadline and its targets, see who acknowledged, mark an
acknowledgement by hand, list agencies with their linked officers, create a link code.
Closing a deadline asks first, naming it; nothing here deletes.

Actions: Deadlines, AddDeadline, EditDeadline, MarkDeadline, CloseDeadline →
ConfirmCloseDeadline, ReopenDeadline, NewLinkCode."""

from datetime import date

from handlers import actions as a
from handlers.admin.guard import admin_only, audit
from handlers.admin.stats import back
from handlers.agency_groups import GROUPS, target_names
from handlers.context import Turn
from handlers.forms import runner
from handlers.forms import validators as v
from handlers.forms.runner import choices_of
from handlers.forms.spec import Choice, Field, FormSpec
from handlers.turn import Button, Reply, rows
from messages.loader import Safe
from storage import agencies


async def add(turn: Turn) -> list[Reply]:
    return await runner.start(turn, DEADLINE_FORM)


async def edit(turn: Turn) -> list[Reply]:
    deadline = await agencies.get_deadline(turn.session, turn.action.deadline)
    if deadline is None:
        return await overview(turn)
    return await runner.start(turn, DEADLINE_FORM, {
        "deadline_id": deadline.id, "title": deadline.title,
        "description": deadline.description, "due": deadline.due_date.isoformat(),
        "targets": [t for t in deadline.targets if t in dict(GROUPS)],
    })


async def mark(turn: Turn) -> list[Reply]:
    deadline = await agencies.get_deadline(turn.session, turn.action.deadline)
    if deadline is None:
        return await overview(turn)
    return await runner.start(turn, MARK_FORM, {"deadline_id": deadline.id})


async def link_code(turn: Turn) -> list[Reply]:
    return await runner.start(turn, LINK_CODE_FORM)


async def ask_close(turn: Turn) -> list[Reply]:
    deadline = await agencies.get_deadline(turn.session, turn.action.deadline)
    if deadline is None or not deadline.active:
        return await overview(turn)
    confirm = rows(Button(turn.t("admin.dl_yes_close"),
                          a.ConfirmCloseDeadline(deadline.id).pack()),
                   Button(turn.t("admin.dl_keep_open"), a.Deadlines().pack()))
    return [Reply(turn.t("admin.dl_confirm_close", id=deadline.id, title=deadline.title,
                         due=deadline.due_date.strftime("%d/%m/%Y")), confirm)]


async def close(turn: Turn) -> list[Reply]:
    return await _close_or_open(turn, turn.action.deadline, False)


async def reopen(turn: Turn) -> list[Reply]:
    return await _close_or_open(turn, turn.action.deadline, True)


async def overview(turn: Turn) -> list[Reply]:
    t, lines = turn.t, [turn.t("admin.dl_title")]
    buttons = [Button(t("admin.dl_add"), "adm:dl:add")]
    for deadline in await agencies.deadlines(turn.session, active_only=False):
        targets = await agencies.targets_on(turn.session, deadline.targets, deadline.due_date)
        done = await agencies.acknowledgements(turn.session, deadline.id)
        lines.append(t("admin.dl_line", id=deadline.id, title=deadline.title,
                       due=deadline.due_date.strftime("%d/%m/%Y"), done=len(done),
                       total=len(targets),
                       state=t("admin.dl_open" if deadline.active else "admin.dl_closed")))
        buttons.append(Button(t("admin.dl_edit", id=deadline.id),
                              a.EditDeadline(deadline.id).pack()))
        if deadline.active and len(done) < len(targets):
            buttons.append(Button(t("admin.dl_mark", id=deadline.id),
                                  a.MarkDeadline(deadline.id).pack()))
        toggle = (("admin.dl_close", a.CloseDeadline) if deadline.active
                  else ("admin.dl_reopen", a.ReopenDeadline))
        buttons.append(Button(t(toggle[0], id=deadline.id), toggle[1](deadline.id).pack()))
    if len(lines) == 1:
        lines.append(t("admin.dl_none"))
    buttons += [Button(t("admin.dl_agencies"), a.AgencyAdmin().pack()),
                Button(t("admin.dl_link_code"), a.NewLinkCode().pack()),
                Button(t("admin.back"), a.AdminMenu().pack())]
    return [Reply(Safe("\n".join(lines)), rows(*buttons))]


async def _close_or_open(turn: Turn, deadline_id: int, is_open: bool) -> list[Reply]:
    """Closing stops the reminders and keeps the acknowledgements; reopening resumes them."""
    if not await agencies.set_deadline_open(turn.session, deadline_id, is_open):
        return await overview(turn)
    await audit(turn, "deadline_open" if is_open else "deadline_close", id=deadline_id)
    key = "admin.dl_reopened" if is_open else "admin.dl_closed_ok"
    return [Reply(turn.t(key, id=deadline_id)), *await overview(turn)]


async def _save(turn: Turn, answers: dict) -> list[Reply]:
    due = date.fromisoformat(answers["due"])
    fields = dict(title=answers["title"], description=answers.get("description"),
                  due_date=due, targets=answers["targets"])
    if "deadline_id" in answers:
        deadline = await agencies.update_deadline(turn.session, answers["deadline_id"], **fields)
        action, key = "deadline_edit", "admin.dl_updated"
    else:
        deadline = await agencies.add_deadline(
            turn.session, answers["title"], due, answers["targets"], turn.now, by=turn.actor,
            description=answers.get("description"),
        )
        action, key = "deadline_add", "admin.dl_added"
    count = len(await agencies.targets_on(turn.session, deadline.targets, due))
    await audit(turn, action, id=deadline.id, due=answers["due"], targets=answers["targets"])
    text = turn.t(key, id=deadline.id, title=deadline.title, due=due.strftime("%d/%m/%Y"),
                  count=count)
    empty = await agencies.empty_targets(turn.session, deadline.targets, due)
    if empty:
        names = target_names(turn.t, empty, [])
        text = Safe(text + "\n" + turn.t("admin.dl_targets_empty", targets=names,
                                          due=due.strftime("%d/%m/%Y")))
    return [Reply(text), *await overview(turn)]


DEADLINE_FORM = FormSpec(
    name="adm_dl", version=1, title="admin.dl_add_title",
    fields=(
        Field("title", "admin.dl_ask_title", "admin.dl_label_title", parse=v.company),
        Field("description", "admin.dl_ask_description", "admin.dl_label_description",
              parse=v.company, optional=True),
        Field("due", "admin.dl_ask_due", "admin.dl_label_due", parse=v.day_month_year,
              display=v.show_date),
        Field("targets", "admin.dl_ask_targets", "admin.dl_label_targets",
              choices=choices_of(*GROUPS), multi=True),
    ),
    submit=admin_only(_save),
)


async def _pending_agencies(turn: Turn, answers: dict) -> list[Choice]:
    deadline = await agencies.get_deadline(turn.session, answers["deadline_id"])
    done = await agencies.acknowledgements(turn.session, deadline.id)
    targets = await agencies.targets_on(turn.session, deadline.targets, deadline.due_date)
    return [Choice(a.id, a.short_name) for a in targets if a.id not in done]


async def _mark(turn: Turn, answers: dict) -> list[Reply]:
    deadline = await agencies.get_deadline(turn.session, answers["deadline_id"])
    agency = await agencies.get(turn.session, answers["agency"])
    fresh = await agencies.acknowledge(turn.session, deadline.id, agency.id, turn.now,
                                       by_admin=turn.actor)
    if not fresh:
        return [Reply(turn.t("admin.dl_already", agency=agency.name)), *await overview(turn)]
    await audit(turn, "deadline_mark", deadline=deadline.id, agency=agency.id)
    return [Reply(turn.t("admin.dl_marked", agency=agency.name, title=deadline.title)),
            *await overview(turn)]


MARK_FORM = FormSpec(
    name="adm_dl_mark", version=1, title="admin.dl_mark_title",
    fields=(Field("agency", "admin.dl_ask_agency", "admin.dl_label_agency",
                  choices=_pending_agencies),),
    submit=admin_only(_mark),
)


async def _agencies_of_group(turn: Turn, answers: dict) -> list[Choice]:
    return [Choice(a.id, a.short_name)
            for a in await agencies.active_on(turn.session, turn.now.date())
            if a.group == answers.get("group")]


async def _code(turn: Turn, answers: dict) -> list[Reply]:
    agency = await agencies.get(turn.session, answers["agency"])
    code = await agencies.new_link_code(turn.session, agency.id, turn.actor, turn.now)
    await audit(turn, "link_code", agency=agency.id)
    return [Reply(turn.t("admin.code_created", agency=agency.name, code=code), back(turn))]


LINK_CODE_FORM = FormSpec(
    name="adm_dl_code", version=1, title="admin.code_title",
    fields=(
        Field("group", "admin.code_ask_group", "admin.code_label_group",
              choices=choices_of(*GROUPS)),
        Field("agency", "admin.code_ask_agency", "admin.code_label_agency",
              choices=_agencies_of_group),
    ),
    submit=admin_only(_code),
)
