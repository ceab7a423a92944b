"""The plan by menu and by free-text question. Facts come from messages/plan_1349.yaml (each
answer rests on sentences of the article) or from data an admin entered (schedules, contact)."""

from functools import cache

from handlers import consent, deadline_status
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
    """`plan`: the sections as buttons; `plan:<id>`: one section."""
    plan, _ = knowledge()
    _, _, section_id = (turn.incoming.payload or "plan").partition(":")
    if section_id:
        section = next((s for s in plan.sections if s.id == section_id), None)
        return await answer(turn, section) if section else await sections_menu(turn)
    return await sections_menu(turn)


async def sections_menu(turn: Turn) -> list[Reply]:
    plan, _ = knowledge()
    buttons = [Button(s.title, f"plan:{s.id}") for s in plan.sections]
    buttons.append(Button(turn.t("menu.back_to_menu"), "menu"))
    return [Reply(turn.t("plan.sections_title"), rows(*buttons, per_row=2),
                  replace=turn.incoming.payload is not None)]


async def answer(turn: Turn, section: Section, extra: list[Button] = ()) -> list[Reply]:
    """A section's answer, what admins added to it, and its next steps."""
    text = section.answer
    if section.id in CLASS_OF_SECTION:
        text += "\n\n" + await _schedule(turn, CLASS_OF_SECTION[section.id])
    if section.id == "contact":
        text += "\n\n" + turn.t("plan.department_contact",
                                contact=await consent.department_contact(turn))
    if section.id == "deadline":  # the plan's date, then what is open today
        text += "\n\n" + await deadline_status.status(turn)
    remind = await deadline_status.has_upcoming(turn)  # no reminder offer for a past deadline
    buttons = [Button(step.label, step.payload) for step in section.next
               if step.payload != "agency" or remind]
    return [Reply(Safe(text), rows(*buttons, per_row=1))] + (
        [Reply(turn.t("plan.did_you_mean"), rows(*extra))] if extra else []
    )


async def _schedule(turn: Turn, class_code: str) -> str:
    t = turn.t
    info = await registrations.class_by_code(turn.session, class_code)
    upcoming = await registrations.upcoming_sessions(turn.session, info.id, turn.now)
    if not upcoming:
        return t("plan.no_schedule")
    lines = [t("plan.schedule_title")]
    for session in upcoming:
        if not session.registration_open:
            seats = t("plan.registration_closed")
        elif session.seats_left > 0:
            seats = t("plan.seats_left", left=session.seats_left, capacity=session.capacity)
        else:
            seats = t("plan.seats_full")
        lines.append(t("plan.schedule_line", date=turn.local(session.starts_at),
                       venue=session.venue, seats=seats))
    return "\n".join(lines)


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
        return await turn.goto(intent.payload)
    if match.kind == "section":
        return await answer(turn, plan.section(match.id), _alternatives(plan, match))
    return await fallback(turn)


def _alternatives(plan: Plan, match: QaMatch) -> list[Button]:
    if match.confident:
        return []
    return [Button(plan.section(i).title, f"plan:{i}") for i in match.alternatives[:3]]


async def fallback(turn: Turn) -> list[Reply]:
    contact = await consent.department_contact(turn)
    return [Reply(turn.t("plan.fallback", contact=contact)), main_menu(turn)]
