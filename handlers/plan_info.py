"""The plan by menu and by free-text question. Facts come from messages/plan_1349.yaml (each
answer rests on sentences of the article) or from data an admin entered (schedules, contact)."""

from functools import cache

from handlers import actions as a
from handlers import deadline_status, organisation, plan_dates
from handlers.context import Turn
from handlers.menu import is_greeting, main_menu, welcome
from handlers.qa import QaIndex, QaMatch
from handlers.turn import Button, Reply, rows
from messages.loader import Safe
from messages.plan import Plan, Section, load_plan
from storage import registrations

CLASS_OF_SECTION = {"class_nscl": "lop1", "class_dmst": "lop2", "class_cntt": "lop3"}


@cache
def knowledge() -> tuple[Plan, QaIndex]:
    """The plan content and its search index, built once per process."""
    plan = load_plan()
    return plan, QaIndex.build(plan)


async def sections(turn: Turn) -> list[Reply]:
    """`Plan()`: the sections as buttons; `Plan(section)`: one section."""
    plan, _ = knowledge()
    section_id = turn.action.section
    if section_id:
        section = next((s for s in plan.sections if s.id == section_id), None)
        return await answer(turn, section) if section else await sections_menu(turn)
    return await sections_menu(turn)


async def sections_menu(turn: Turn) -> list[Reply]:
    plan, _ = knowledge()
    buttons = [Button(s.title, a.Plan(s.id).pack()) for s in plan.sections]
    buttons.append(Button(turn.t("menu.back_to_menu"), a.Menu().pack()))
    return [Reply(turn.t("plan.sections_title"), rows(*buttons, per_row=2),
                  replace=turn.incoming.payload is not None)]


async def _is_reminder_offer_for_nothing(turn: Turn, payload: str) -> bool:
    """The agencies' screen is offered for reminders only while an open deadline is ahead."""
    return payload == a.Agency().pack() and not await deadline_status.has_upcoming(turn)


async def answer(turn: Turn, section: Section, extra: list[Button] = ()) -> list[Reply]:
    """A section's answer, its dated facts against today, what admins entered, next steps."""
    plan, _ = knowledge()
    parts = [section.answer]
    facts = plan.facts(section)
    if facts:
        parts.append("\n".join("• " + plan_dates.status(turn.t, f, turn.today) for f in facts))
    parts += await _admin_data(turn, section.id)
    if section.id == "deadline":  # the plan's date, then what is open today
        parts.append(await deadline_status.status(turn))
    buttons = [Button(step.label, step.payload) for step in section.next
               if not await _is_reminder_offer_for_nothing(turn, step.payload)]
    if facts and section.id != "current":
        parts.append(turn.t("plan.now_note"))
        buttons.insert(len(buttons) - 1, Button(turn.t("menu.now"), a.Plan("current").pack()))
    return [Reply(Safe("\n\n".join(parts)), rows(*buttons, per_row=1))] + (
        [Reply(turn.t("plan.did_you_mean"), rows(*extra))] if extra else []
    )


async def _admin_data(turn: Turn, section_id: str) -> list[str]:
    """What an admin entered that belongs with a section: sessions, the organisation."""
    t, found = turn.t, await organisation.of(turn)
    reach = found.reach(t)
    if section_id in CLASS_OF_SECTION:
        return [await _schedule(turn, [CLASS_OF_SECTION[section_id]])]
    if section_id == "classes":
        return [await _schedule(turn, list(CLASS_OF_SECTION.values()))]
    if section_id == "current":
        return [await _schedule(turn, list(CLASS_OF_SECTION.values())),
                t("plan.now_department", reach=reach)]
    if section_id == "contact":
        if found.contact:
            return [t("plan.contact_known", department=found.department, contact=found.contact)]
        return [t("plan.contact_unknown", department=found.department)]
    if section_id == "who":
        return [t("plan.who_age"),
                t("plan.who_now", jurisdiction=found.jurisdiction, reach=reach)]
    if section_id in ("funding", "fulltext", "concepts"):
        return [t("plan.ask_contact", reach=reach)]
    return []


async def _schedule(turn: Turn, class_codes: list[str]) -> str:
    """The published sessions of these classes, or that none is published."""
    t, lines = turn.t, []
    for code in class_codes:
        info = await registrations.class_by_code(turn.session, code)
        for session in await registrations.upcoming_sessions(turn.session, info.id, turn.now):
            if not session.registration_open:
                seats = t("plan.registration_closed")
            elif session.seats_left > 0:
                seats = t("plan.seats_left", left=session.seats_left, capacity=session.capacity)
            else:
                seats = t("plan.seats_full")
            lines.append(t("plan.schedule_line", title=info.title, venue=session.venue,
                           date=turn.local(session.starts_at), seats=seats))
    if not lines:
        return t("plan.no_schedule")
    return "\n".join([t("plan.schedule_title"), *lines])


async def free_text(turn: Turn) -> list[Reply]:
    """Text that is not a command, a button or a form answer: a greeting, an intent, a
    question about the plan, or something the plan does not cover."""
    text = turn.incoming.text or ""
    if is_greeting(text):
        return await welcome(turn)
    plan, index = knowledge()
    match = index.match(text)
    if match.kind == "intent":
        intent = next(i for i in plan.intents if i.id == match.id)
        action = a.parse(intent.payload)
        if isinstance(action, a.Support) and not match.confident:
            action = a.Support()  # a form only when sure which: else the four to choose from
        return await turn.goto(action)
    if match.kind == "section":
        return await answer(turn, plan.section(match.id), _alternatives(plan, match))
    return await fallback(turn)


def _alternatives(plan: Plan, match: QaMatch) -> list[Button]:
    if match.confident:
        return []
    return [Button(plan.section(i).title, a.Plan(i).pack()) for i in match.alternatives[:3]]


async def fallback(turn: Turn) -> list[Reply]:
    reach = await organisation.reach(turn)
    return [Reply(turn.t("plan.fallback", reach=reach)), main_menu(turn)]
