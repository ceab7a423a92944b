"""Registration for the plan's three training classes, and "Đăng ký của tôi"."""

from handlers import actions as a
from handlers import consent, organisation
from handlers.context import Turn
from handlers.forms import runner
from handlers.forms import validators as v
from handlers.forms.spec import Choice, Field, FormSpec, Invalid
from handlers.textnorm import whole_number
from handlers.turn import Button, Reply, rows
from messages.choices import choice_list
from messages.loader import Safe
from storage import contacts, org, outbox
from storage import registrations as repo

DEFAULT_MAX_ATTENDEES = 5  # unless an admin sets "max_attendees"
ABSOLUTE_MAX_ATTENDEES = 50


async def class_choices(turn: Turn, _answers: dict) -> list[Choice]:
    """The three classes, each with its next session's date and seats left."""
    t, choices = turn.t, []
    for info in await repo.classes(turn.session):
        sessions = await repo.upcoming_sessions(turn.session, info.id, turn.now)
        nxt = next((s for s in sessions if s.registration_open), None)
        if nxt is None:
            label = t("registration.class_no_schedule", title=info.title)
        elif nxt.seats_left > 0:
            date = turn.local(nxt.starts_at, with_time=False)
            label = t("registration.class_with_schedule", title=info.title, date=date,
                      left=nxt.seats_left)
        else:
            date = turn.local(nxt.starts_at, with_time=False)
            label = t("registration.class_full", title=info.title, date=date)
        choices.append(Choice(info.code, label))
    return choices


def data_choices(list_name: str):
    async def source(_turn: Turn, _answers: dict) -> list[Choice]:
        return [Choice(value, name) for value, name in choice_list(list_name)]

    return source


async def check_not_registered(turn: Turn, answers: dict, tax_code: object) -> None:
    """The same tax code for the same class is an update, not a second registration."""
    for code in answers.get("classes", []):
        info = await repo.class_by_code(turn.session, code)
        existing = await repo.find_active(turn.session, info.id, tax_code)
        if existing is None or existing.id == answers.get("reg_id"):
            continue
        if existing.contact_id == turn.contact.id:
            raise Invalid("registration.duplicate_own", title=info.title, code=existing.code)
        reach = await organisation.reach(turn)
        raise Invalid("registration.duplicate_other", title=info.title, reach=reach)


async def max_attendees(turn: Turn) -> int:
    value = (await org.get_all(turn.session)).get("max_attendees", "")
    number = whole_number(value)
    return DEFAULT_MAX_ATTENDEES if number is None else number


async def within_admin_limit(turn: Turn, _answers: dict, people: object) -> None:
    limit = await max_attendees(turn)
    if people > limit:
        raise Invalid("validation.count_range", low=1, high=limit)


def _new_registration(answers: dict) -> bool:
    return "reg_id" not in answers


# asked alike in the class registration and the support requests
COMPANY = Field("company", "registration.ask_company", "registration.label_company",
                parse=v.company)
CONTACT_NAME = Field("contact_name", "registration.ask_contact_name",
                     "registration.label_contact_name", parse=v.person_name)
PHONE = Field("phone", "registration.ask_phone", "registration.label_phone", parse=v.phone,
              display=v.show_phone, ask_phone=True)
EMAIL = Field("email", "registration.ask_email", "registration.label_email", parse=v.email,
              optional=True)

FIELDS = (
    Field("classes", "registration.ask_classes", "registration.label_classes",
          choices=class_choices, multi=True, when=_new_registration),
    COMPANY,
    Field("tax_code", "registration.ask_tax_code", "registration.label_tax_code",
          parse=v.tax_code, display=v.show_tax_code, check=check_not_registered),
    Field("commune", "registration.ask_commune", "registration.label_commune",
          parse=v.commune),
    Field("region", "registration.ask_region", "registration.label_region",
          choices=data_choices("regions")),
    Field("sector", "registration.ask_sector", "registration.label_sector",
          choices=data_choices("sectors")),
    CONTACT_NAME,
    Field("position", "registration.ask_position", "registration.label_position",
          parse=v.job_title),
    PHONE,
    EMAIL,
    Field("attendees", "registration.ask_attendees", "registration.label_attendees",
          parse=v.count_between(1, ABSOLUTE_MAX_ATTENDEES), check=within_admin_limit,
          when=_new_registration),
)


async def submit(turn: Turn, answers: dict) -> list[Reply]:
    if not _new_registration(answers):
        return await _save_edit(turn, answers)
    t, done, refused = turn.t, [], []
    for code in answers["classes"]:
        info = await repo.class_by_code(turn.session, code)
        try:
            registration = await repo.register(
                turn.session, turn.contact.id, info.id, answers["attendees"], answers, turn.now
            )
        except repo.DuplicateRegistration:  # registered meanwhile from another chat
            reach = await organisation.reach(turn)
            refused.append(t("registration.duplicate_other", title=info.title, reach=reach))
            continue
        done.append(await describe_result(turn, registration, info.title))
    # the first words say what happened: a success phrase only when something was recorded
    if done:
        lines = [t("registration.done", company=answers["company"]), *done, *refused,
                 t("registration.next_steps")]
    else:
        lines = [t("registration.nothing_recorded", company=answers["company"]), *refused]
    return [Reply(Safe("\n".join(lines)), after_registration_buttons(turn))]


async def _save_edit(turn: Turn, answers: dict) -> list[Reply]:
    registration = await repo.get(turn.session, answers["reg_id"])
    if registration is None or registration.contact_id != turn.contact.id:
        return [Reply(turn.t("myreg.not_yours"))]
    try:
        await repo.update_fields(turn.session, registration.id, answers, turn.now)
    except repo.DuplicateRegistration:
        reach = await organisation.reach(turn)
        title = await repo.class_title(turn.session, registration.class_id)
        text = turn.t("registration.duplicate_other", title=title, reach=reach)
        return [Reply(text, after_registration_buttons(turn))]
    return [Reply(turn.t("registration.updated", code=registration.code),
                  after_registration_buttons(turn))]


async def describe_result(turn: Turn, registration: repo.RegistrationInfo, title: str) -> str:
    t = turn.t
    if registration.status == "confirmed":
        session = await repo.get_session(turn.session, registration.session_id)
        return t("registration.result_confirmed", title=title, code=registration.code,
                 people=registration.attendees, date=turn.local(session.starts_at),
                 venue=session.venue)
    if registration.status == "waitlisted":
        return t("registration.result_waitlisted", title=title, code=registration.code,
                 position=registration.waitlist_position)
    return t("registration.result_interested", title=title, code=registration.code)


def after_registration_buttons(turn: Turn):
    return rows(
        Button(turn.t("registration.my_registrations"), a.MyRegistrations().pack()),
        Button(turn.t("registration.back_to_menu"), a.Menu().pack()),
    )


ENTERPRISE_FORM = FormSpec(
    name="reg", version=2, title="registration.title", fields=FIELDS, submit=submit
)
EDIT_FORM = FormSpec(
    name="reg_edit", version=2, title="registration.edit_title", fields=FIELDS, submit=submit
)


async def change_attendees(turn: Turn, answers: dict) -> list[Reply]:
    t = turn.t
    registration = await repo.get(turn.session, answers["reg_id"])
    if registration is None or registration.contact_id != turn.contact.id:
        return [Reply(t("myreg.not_yours"))]
    people = answers["attendees"]
    changed, promoted = await repo.change_attendees(
        turn.session, registration.id, people, turn.now
    )
    await notify_placed(turn, promoted)
    if not changed:
        session = await repo.get_session(turn.session, registration.session_id)
        text = t("registration.no_seats_for_more", people=people, left=session.seats_left,
                 current=registration.attendees)
    else:
        text = t("registration.attendees_changed", code=registration.code, people=people)
    return [Reply(text, after_registration_buttons(turn))]


ATTENDEES_FORM = FormSpec(
    name="reg_people", version=1, title="registration.attendees_title",
    fields=(Field("attendees", "registration.ask_attendees", "registration.label_attendees",
                  parse=v.count_between(1, ABSOLUTE_MAX_ATTENDEES),
                  check=within_admin_limit),),
    submit=change_attendees,
)


async def start(turn: Turn) -> list[Reply]:
    """`Register()` or `Register(class code)` (also the deep links such as /start lop1)."""
    blocked = await consent.gate(turn, then=turn.action)
    if blocked:
        return blocked
    code = turn.action.class_code
    known = {c.code for c in await repo.classes(turn.session)}
    answers = {"classes": [code]} if code in known else None
    return await runner.start(turn, ENTERPRISE_FORM, answers)


async def notify_placed(turn: Turn, placed: list[repo.RegistrationInfo]) -> None:
    """Queue one message to each person placed in a session: "you have a seat now", or, for a
    group the session could not seat, its place on the waitlist."""
    titles = {c.id: c.title for c in await repo.classes(turn.session)}
    for registration in placed:
        session = await repo.get_session(turn.session, registration.session_id)
        person = await contacts.get(turn.session, registration.contact_id)
        seated = registration.status == "confirmed"
        text = turn.t(
            "registration.promoted" if seated else "registration.placed_on_waitlist",
            title=titles[registration.class_id], code=registration.code,
            people=registration.attendees, date=turn.local(session.starts_at),
            venue=session.venue, position=registration.waitlist_position,
        )
        await outbox.enqueue(
            turn.session,
            dedupe_key=f"{'promoted' if seated else 'waiting'}:{registration.id}:{session.id}",
            channel=person.channel, chat_id=person.chat_id, contact_id=person.id, text=text,
            buttons=[[[turn.t("registration.my_registrations"), a.MyRegistrations().pack()]]],
            now=turn.now, priority=2,
        )


async def cancel_and_notify(turn: Turn, registration_id: int) -> None:
    promoted = await repo.cancel(turn.session, registration_id, turn.now)
    await notify_placed(turn, promoted)
