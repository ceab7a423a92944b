"""Student productivity clubs at Trường Đại học Quảng Nam and Trường Cao đẳng Quảng Nam."""

from handlers import actions as a
from handlers import consent
from handlers.context import Turn
from handlers.forms import runner
from handlers.forms import validators as v
from handlers.forms.runner import choices_of
from handlers.forms.spec import Ended, Field, FormSpec
from handlers.registration import after_registration_buttons, data_choices
from handlers.turn import Button, Reply, rows
from messages.choices import choice_name
from messages.loader import Safe
from storage import clubs as repo
from storage import consents, org


async def not_a_member_yet(turn: Turn, _answers: dict, school: object) -> None:
    """Told when the school is chosen, not after every other question."""
    reply = await _membership(turn, school)
    if reply is not None:
        raise Ended([reply])


async def _membership(turn: Turn, school: str) -> Reply | None:
    existing = await repo.active_of(turn.session, turn.contact.id, school)
    if existing is None:
        return None
    text = turn.t("club.already_member", school=choice_name("schools", school),
                  code=existing.code)
    return Reply(text, after_registration_buttons(turn))


async def must_be_16(turn: Turn, answers: dict, value: object) -> None:
    """Under 16 the chat takes no data: the form ends with the school's contact."""
    if value != "yes":
        raise Ended([await _under_16(turn, answers.get("school"))])


async def _under_16(turn: Turn, school: str | None) -> Reply:
    """The way back to the menu, with the school's contact if an admin entered one."""
    t, text = turn.t, turn.t("club.under_16")
    contact = school and (await org.get_all(turn.session)).get(f"club_contact_{school}")
    if contact:
        text = Safe(text + "\n" + t("club.school_contact", school=choice_name("schools", school),
                                     contact=contact))
    return Reply(text, rows(Button(t("menu.back_to_menu"), "menu")))


def _new_membership(answers: dict) -> bool:
    return "membership_id" not in answers


FIELDS = (
    Field("school", "club.ask_school", "club.label_school", choices=data_choices("schools"),
          check=not_a_member_yet, when=_new_membership),
    Field("age16", "club.ask_age", "club.label_age",
          choices=choices_of(("yes", "club.age_yes"), ("no", "club.age_no")), check=must_be_16,
          when=_new_membership),
    Field("full_name", "club.ask_full_name", "club.label_full_name", parse=v.person_name),
    Field("student_id", "club.ask_student_id", "club.label_student_id", parse=v.student_id),
    Field("class_name", "club.ask_class_name", "club.label_class_name",
          parse=v.class_or_faculty),
    Field("phone", "club.ask_phone", "club.label_phone", parse=v.phone, display=v.show_phone,
          ask_phone=True),
    Field("email", "club.ask_email", "club.label_email", parse=v.email, optional=True),
)


async def submit(turn: Turn, answers: dict) -> list[Reply]:
    t = turn.t
    if not _new_membership(answers):
        membership = await repo.get(turn.session, answers["membership_id"])
        if membership is None or membership.contact_id != turn.contact.id:
            return [Reply(t("myreg.not_yours"))]
        await repo.update_fields(turn.session, membership.id, answers)
        return [Reply(t("club.updated", code=membership.code), after_registration_buttons(turn))]
    member = await _membership(turn, answers["school"])  # joined meanwhile from another chat
    if member is not None:
        return [member]
    school = choice_name("schools", answers["school"])
    membership = await repo.join(
        turn.session, turn.contact.id, answers["school"], answers, turn.now
    )
    text = t("club.joined", school=school, code=membership.code)
    return [Reply(text, after_registration_buttons(turn))]


CLUB_FORM = FormSpec(name="club", version=1, title="club.title", fields=FIELDS, submit=submit)
CLUB_EDIT_FORM = FormSpec(
    name="club_edit", version=1, title="club.edit_title", fields=FIELDS, submit=submit
)


async def start(turn: Turn) -> list[Reply]:
    """`Club()` or `Club(school)` (deep links clb-dhqn, clb-cdqn). Without consent yet, the age
    is asked first, so that nothing is recorded for a person under 16."""
    about, school = Reply(turn.t("club.about")), turn.action.school
    if consent.REQUIRED in await consents.granted(turn.session, turn.contact.id):
        return [about, *await _form(turn, school, {})]
    t = turn.t
    ages = rows(Button(t("club.age_yes"), a.ClubAge("y", school).pack()),
                Button(t("club.age_no"), a.ClubAge("n", school).pack()))
    return [about, Reply(t("club.ask_age"), ages)]


async def on_age(turn: Turn) -> list[Reply]:
    """`ClubAge`: under 16 the chat ends here; from 16 the consent notice, then the form."""
    school = turn.action.school
    if turn.action.answer == "n":
        return [await _under_16(turn, school)]
    blocked = await consent.gate(turn, then=turn.action)
    turn.state.scratch.pop("after_consent", None)
    return blocked or await _form(turn, school, {"age16": "yes"})


async def _form(turn: Turn, school: str | None, answers: dict) -> list[Reply]:
    if school and choice_name("schools", school) != school:
        member = await _membership(turn, school)
        if member:
            return [member]
        answers = {"school": school, **answers}
    return await runner.start(turn, CLUB_FORM, answers or None)
