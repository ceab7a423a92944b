"""Agencies' officers: link an account with a one-time code, see the unit's deadlines,
acknowledge a report, ask for help, unlink (asked first). Everything but linking is checked
against the officers of the agency named in the action."""

from handlers import actions as a
from handlers import deadline_status
from handlers.context import Turn
from handlers.forms import runner
from handlers.forms.spec import Choice, Field, FormSpec, Invalid
from handlers.menu import main_menu
from handlers.reminders import notify_admins
from handlers.turn import Button, Reply, rows
from messages.loader import Safe
from storage import agencies, contacts, outbox


def _normalise_code(text: str) -> str:
    code = "".join(text.split()).upper()
    if not (code.isalnum() and code.isascii() and len(code) == 8):
        raise Invalid("agency.code_unknown")
    return code


async def _usable_code(turn: Turn, _answers: dict, code: object) -> None:
    """The one check of a typed or linked code on every channel, so guesses are counted here."""
    if await agencies.code_tries_used_up(turn.session, turn.contact.id, turn.now):
        raise Invalid("agency.code_tries")
    row = await agencies.find_code(turn.session, code)
    if row is None or row.used_at is not None or row.expires_at < turn.now:
        await agencies.count_wrong_code(turn.session, turn.contact.id, turn.now)
        raise Invalid("agency.code_unknown" if row is None else "agency.code_used")


async def _code_shown_as_agency(turn: Turn, answers: dict):
    """The code's only "choice" is its agency, so the summary shows the agency's name and the
    officer confirms it before linking."""
    code = answers.get("code")
    row = await agencies.find_code(turn.session, code) if code else None
    agency = await agencies.get(turn.session, row.agency_id) if row else None
    return [Choice(code, f"{agency.name} ({code})")] if agency else []


async def _link(turn: Turn, answers: dict) -> list[Reply]:
    agency_id = await agencies.link(turn.session, answers["code"], turn.contact.id, turn.now)
    if agency_id is None:
        return [Reply(turn.t("agency.code_used")), main_menu(turn)]
    agency = await agencies.get(turn.session, agency_id)
    return [Reply(turn.t("agency.linked", agency=agency.name)), *await overview(turn)]


LINK_FORM = FormSpec(
    name="link", version=1, title="agency.link_title",
    fields=(Field("code", "agency.ask_code", "agency.label_agency", parse=_normalise_code,
                  check=_usable_code, choices=_code_shown_as_agency),),
    submit=_link,
)


async def show(turn: Turn) -> list[Reply]:
    return await overview(turn)


async def overview(turn: Turn) -> list[Reply]:
    """The deadlines open today (or the last one, past), then the person's own agencies."""
    t = turn.t
    linked = await agencies.agencies_of(turn.session, turn.contact.id)
    status = await deadline_status.status(turn)
    if not linked:
        buttons = rows(Button(t("agency.enter_code"), a.LinkAgency().pack()),
                       Button(t("menu.back_to_menu"), a.Menu().pack()))
        return [Reply(Safe(status + "\n\n" + t("agency.not_linked")), buttons)]
    lines, buttons = [status, "", t("agency.title")], []
    today = turn.today
    for agency in linked:
        lines.append(t("agency.agency_line", agency=agency.name))
        shown = 0
        for deadline in await agencies.deadlines(turn.session):
            if agency not in await agencies.targets_on(turn.session, deadline.targets, today):
                continue
            shown += 1
            done = (await agencies.acknowledgements(turn.session, deadline.id)).get(agency.id)
            due = deadline.due_date.strftime("%d/%m/%Y")
            if done:
                lines.append(t("agency.deadline_done", title=deadline.title, due=due,
                               time=turn.local(done.at)))
                continue
            key = "agency.deadline_overdue" if deadline.due_date < today else \
                "agency.deadline_pending"
            lines.append(t(key, title=deadline.title, due=due))
            buttons += [
                Button(t("agency.report_sent", agency=agency.short_name),
                       a.Acknowledge(deadline.id, agency.id).pack()),
                Button(t("agency.need_help", agency=agency.short_name),
                       a.AskHelp(deadline.id, agency.id).pack()),
            ]
        if not shown:
            lines.append(t("agency.no_deadlines"))
        buttons.append(Button(t("agency.unlink", agency=agency.short_name),
                              a.Unlink(agency.id).pack()))
    buttons.append(Button(t("menu.back_to_menu"), a.Menu().pack()))
    return [Reply(Safe("\n".join(lines)), rows(*buttons))]


async def start_link(turn: Turn) -> list[Reply]:
    code = turn.action.code
    if not code:
        return await runner.start(turn, LINK_FORM)
    try:
        code = _normalise_code(code)
        await _usable_code(turn, {}, code)
    except Invalid as problem:
        return [Reply(turn.t(problem.key)), main_menu(turn)]
    return await runner.start(turn, LINK_FORM, {"code": code})


async def _officer_target(turn: Turn):
    """The deadline and agency of an Acknowledge/AskHelp action, if the person is an officer of
    that agency; else (None, None)."""
    deadline = await agencies.get_deadline(turn.session, turn.action.deadline)
    agency = await _own_agency(turn, turn.action.agency)
    if deadline is None or agency is None:
        return None, None
    return deadline, agency


async def _own_agency(turn: Turn, agency_id: str):
    agency = await agencies.get(turn.session, agency_id)
    if agency is None or turn.contact.id not in await agencies.officers(turn.session, agency.id):
        return None
    return agency


async def acknowledge(turn: Turn) -> list[Reply]:
    t = turn.t
    deadline, agency = await _officer_target(turn)
    if deadline is None:
        return [Reply(t("agency.not_officer")), main_menu(turn)]
    fresh = await agencies.acknowledge(turn.session, deadline.id, agency.id, turn.now,
                                       contact_id=turn.contact.id)
    done = (await agencies.acknowledgements(turn.session, deadline.id))[agency.id]
    if not fresh:
        return [Reply(t("agency.already_acknowledged", agency=agency.name,
                        title=deadline.title, time=turn.local(done.at)))]
    thanks = t("agency.thanks_colleague", agency=agency.name, title=deadline.title,
               time=turn.local(done.at))
    for contact_id in await agencies.officers(turn.session, agency.id):
        if contact_id == turn.contact.id:
            continue
        person = await contacts.get(turn.session, contact_id)
        await outbox.enqueue(
            turn.session, dedupe_key=f"ack:{deadline.id}:{agency.id}:{contact_id}",
            channel=person.channel, chat_id=person.chat_id, contact_id=contact_id, text=thanks,
            buttons=[], now=turn.now, priority=3,
        )
    return [Reply(t("agency.acknowledged", agency=agency.name, title=deadline.title,
                    time=turn.local(done.at))), main_menu(turn)]


async def ask_help(turn: Turn) -> list[Reply]:
    t = turn.t
    deadline, agency = await _officer_target(turn)
    if deadline is None:
        return [Reply(t("agency.not_officer")), main_menu(turn)]
    text = t("agency.help_to_admin", agency=agency.name, title=deadline.title,
             due=deadline.due_date.strftime("%d/%m/%Y"),
             contact_id=turn.contact.id, channel=turn.contact.channel)
    stamp = turn.now.strftime("%Y%m%d%H%M")
    await notify_admins(turn.session, turn.config,
                        f"help:{deadline.id}:{agency.id}:{turn.contact.id}:{stamp}", text,
                        turn.now)
    return [Reply(t("agency.help_sent")), main_menu(turn)]


async def unlink(turn: Turn) -> list[Reply]:
    t = turn.t
    agency = await _own_agency(turn, turn.action.agency)
    if agency is None:
        return [Reply(t("agency.not_officer")), main_menu(turn)]
    confirm = rows(Button(t("agency.yes_unlink"), a.ConfirmUnlink(agency.id).pack()),
                   Button(t("agency.keep"), a.KeepLinked().pack()))
    return [Reply(t("agency.confirm_unlink", agency=agency.name), confirm)]


async def confirm_unlink(turn: Turn) -> list[Reply]:
    agency = await _own_agency(turn, turn.action.agency)
    if agency is None:
        return [Reply(turn.t("agency.not_officer")), main_menu(turn)]
    await agencies.unlink(turn.session, agency.id, turn.contact.id, turn.now)
    return [Reply(turn.t("agency.unlinked", agency=agency.name)), main_menu(turn)]


async def keep_linked(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("agency.kept")), main_menu(turn)]
