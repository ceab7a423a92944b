"""Requests for the plan's other activities: nominations for the productivity-expert, lecturer
and manager training; guidance on standards, management systems and tools; interest in the
National Quality Award; proposals of S&T tasks. Four forms on the form runner, after consent to
a notice that covers them; each request gets a code such as HT-2026-0007 and a status."""

from types import SimpleNamespace

from handlers import actions as a
from handlers import consent
from handlers.context import Turn
from handlers.forms import runner
from handlers.forms import validators as v
from handlers.forms.runner import choices_of
from handlers.forms.spec import Choice, Field, FormSpec
from handlers.registration import (
    COMPANY,
    CONTACT_NAME,
    EMAIL,
    PHONE,
    after_registration_buttons,
    data_choices,
)
from handlers.turn import Button, Reply, rows
from storage import registrations, support

KIND_TITLE = {
    "training": "support.title_training",
    "guidance": "support.title_guidance",
    "award": "support.title_award",
    "sttask": "support.title_sttask",
}
# what the enterprise already gave in a registration or an earlier request, offered again
ENTERPRISE_KEYS = ("company", "tax_code", "contact_name", "phone", "email")
UNIT_KEYS = ("unit", "unit_kind")  # a unit nominating one more person


def _text(limit: int):
    """A typed note of at most ``limit`` characters (invisible characters left out)."""
    return lambda text: v.free_text(text, 2, limit)


async def topic_choices(turn: Turn, _answers: dict) -> list[Choice]:
    """The guidance topics the department keeps in /admin."""
    return [Choice(t.id, t.label) for t in await support.topics(turn.session)]


async def year_choices(turn: Turn, _answers: dict) -> list[Choice]:
    """This year and the three after it."""
    return [Choice(str(year), str(year)) for year in range(turn.today.year, turn.today.year + 4)]


def _enterprise() -> tuple[Field, ...]:
    """The enterprise and its contact person, asked as in the class registration."""
    return (
        COMPANY,
        Field("tax_code", "registration.ask_tax_code", "registration.label_tax_code",
              parse=v.tax_code, display=v.show_tax_code),
        CONTACT_NAME,
        PHONE,
        EMAIL,
    )


TRAINING_FIELDS = (
    Field("unit", "support.ask_unit", "support.label_unit", parse=v.company),
    Field("unit_kind", "support.ask_unit_kind", "support.label_unit_kind",
          choices=choices_of(("agency", "support.unit_agency"),
                             ("enterprise", "support.unit_enterprise"),
                             ("public", "support.unit_public"),
                             ("school", "support.unit_school"))),
    Field("nominee", "support.ask_nominee", "support.label_nominee", parse=v.person_name),
    Field("position", "support.ask_nominee_position", "support.label_position",
          parse=v.job_title),
    Field("phone", "support.ask_nominee_phone", "registration.label_phone", parse=v.phone,
          display=v.show_phone),
    Field("email", "support.ask_nominee_email", "registration.label_email", parse=v.email,
          optional=True),
    Field("course", "support.ask_course", "support.label_course",
          choices=choices_of(("expert", "support.course_expert"),
                             ("lecturer", "support.course_lecturer"),
                             ("manager", "support.course_manager"))),
    Field("need", "support.ask_need", "support.label_need", parse=_text(500)),
)

GUIDANCE_FIELDS = (
    *_enterprise(),
    Field("topic", "support.ask_topic", "support.label_topic", choices=topic_choices),
    Field("detail", "support.ask_detail", "support.label_detail", parse=_text(300)),
    Field("situation", "support.ask_situation", "support.label_situation", parse=_text(500)),
    Field("wish", "support.ask_wish", "support.label_wish", parse=_text(500)),
    Field("reach_by", "support.ask_reach_by", "support.label_reach_by",
          choices=choices_of(("phone", "support.reach_phone"), ("email", "support.reach_email"),
                             ("chat", "support.reach_chat"), ("visit", "support.reach_visit"))),
)

AWARD_FIELDS = (
    *_enterprise(),
    Field("sector", "registration.ask_sector", "registration.label_sector",
          choices=data_choices("sectors")),
    Field("size", "support.ask_size", "support.label_size",
          choices=choices_of(("micro", "support.size_micro"), ("small", "support.size_small"),
                             ("medium", "support.size_medium"), ("large", "support.size_large"))),
    Field("certified", "support.ask_certified", "support.label_certified",
          choices=choices_of(("yes", "support.certified_yes"),
                             ("building", "support.certified_building"),
                             ("no", "support.certified_no"))),
    Field("target_year", "support.ask_target_year", "support.label_target_year",
          choices=year_choices),
)

STTASK_FIELDS = (
    Field("company", "support.ask_organisation", "support.label_organisation",
          parse=v.company),
    CONTACT_NAME,
    PHONE,
    EMAIL,
    Field("title", "support.ask_task_title", "support.label_task_title", parse=_text(300)),
    Field("problem", "support.ask_problem", "support.label_problem", parse=_text(500)),
    Field("result", "support.ask_result", "support.label_result", parse=_text(500)),
    Field("partner", "support.ask_partner", "support.label_partner", parse=v.company,
          optional=True),
    Field("duration", "support.ask_duration", "support.label_duration",
          choices=choices_of(("12", "support.duration_12"), ("24", "support.duration_24"),
                             ("36", "support.duration_36"))),
    Field("budget", "support.ask_budget", "support.label_budget",
          choices=choices_of(("lt500", "support.budget_lt500"),
                             ("500-1000", "support.budget_500_1000"),
                             ("1000-3000", "support.budget_1000_3000"),
                             ("gt3000", "support.budget_gt3000"),
                             ("unknown", "support.budget_unknown"))),
)


def _submitter(kind: str):
    async def submit(turn: Turn, answers: dict) -> list[Reply]:
        request = await support.create(turn.session, kind, turn.contact.id, answers,
                                       turn.today.year, turn.now)
        t = turn.t
        text = t("support.received", title=t(KIND_TITLE[kind]), code=request.code)
        buttons = after_registration_buttons(turn)
        if kind == "training":  # one unit may nominate several people
            more = Button(t("support.nominate_more"), a.Support("training", request.id).pack())
            buttons = ((more,), *buttons)
        return [Reply(text, buttons)]

    return submit


FORMS = {
    "training": FormSpec("ht_training", 1, KIND_TITLE["training"], TRAINING_FIELDS,
                         _submitter("training")),
    "guidance": FormSpec("ht_guidance", 1, KIND_TITLE["guidance"], GUIDANCE_FIELDS,
                         _submitter("guidance")),
    "award": FormSpec("ht_award", 1, KIND_TITLE["award"], AWARD_FIELDS, _submitter("award")),
    "sttask": FormSpec("ht_sttask", 1, KIND_TITLE["sttask"], STTASK_FIELDS,
                       _submitter("sttask")),
}


async def start(turn: Turn) -> list[Reply]:
    """`Support()`: the four requests; `Support(kind)`: consent, then its form."""
    kind = turn.action.kind
    if kind is None:
        return [choose(turn)]
    blocked = await consent.gate(turn, then=turn.action, since=consent.SUPPORT_SINCE)
    if blocked:
        return blocked
    known = await _known(turn, kind, turn.action.like)
    replies = await runner.start(turn, FORMS[kind], known)
    return [Reply(turn.t("support.reused")), *replies] if known else replies


def choose(turn: Turn) -> Reply:
    t = turn.t
    buttons = [Button(t(KIND_TITLE[kind]), a.Support(kind).pack()) for kind in support.KINDS]
    buttons.append(Button(t("menu.back_to_menu"), a.Menu().pack()))
    return Reply(t("support.choose"), rows(*buttons))


async def _known(turn: Turn, kind: str, like: int | None) -> dict:
    """What the person already gave that this form asks again: the nominating unit of their
    earlier nomination ``like``; the enterprise of their latest registration or request."""
    if kind == "training":
        earlier = await support.get(turn.session, like) if like else None
        if earlier is None or earlier.contact_id != turn.contact.id:
            return {}
        return {k: earlier.answers[k] for k in UNIT_KEYS if earlier.answers.get(k)}
    keys = ("company", "contact_name", "phone", "email") if kind == "sttask" else ENTERPRISE_KEYS
    given = [r.fields for r in await registrations.of_contact(turn.session, turn.contact.id)]
    given += [r.answers for r in await support.of_contact(turn.session, turn.contact.id)
              if r.kind in ("guidance", "award")]
    latest = next((g for g in reversed(given) if g.get("company") and g.get("tax_code")), {})
    return {k: latest.get(k) for k in keys} if latest else {}  # a skipped email stays skipped


STATUS_TEXT = {
    "received": "support.status_received",
    "in_progress": "support.status_in_progress",
    "answered": "support.status_answered",
    "closed": "support.status_closed",
}


def requester(request: support.RequestInfo) -> str | None:
    """Who asked: the enterprise or organisation, or the nominating unit."""
    return request.answers.get("company") or request.answers.get("unit")


def status_text(turn: Turn, request: support.RequestInfo) -> str:
    return turn.t(STATUS_TEXT[request.status])


async def shown_answers(turn: Turn, request: support.RequestInfo) -> list[tuple[str, str]]:
    """(label, value) of each answer as the person gave it: a choice by its label."""
    labels = await choice_labels(turn.session, turn.t, turn.today, request.kind)
    return [(turn.t(f.label), shown_value(f, request.answers[f.name], labels))
            for f in FORMS[request.kind].fields if request.answers.get(f.name) is not None]


async def choice_labels(session, texts, today, kind: str) -> dict[str, dict[str, str]]:
    """Field name → {value: label} of the choice fields of ``kind``'s form; topics hidden
    since are still named."""
    reader = SimpleNamespace(t=texts, session=session, today=today)  # what choice lists read
    labels = {f.name: {c.value: c.label for c in await f.choices(reader, {})}
              for f in FORMS[kind].fields if f.choices is not None}
    if "topic" in labels:
        labels["topic"] = {t.id: t.label for t in await support.topics(session, False)}
    return labels


def shown_value(field: Field, value, labels: dict[str, dict[str, str]]) -> str | None:
    """A stored answer as people read it (a choice's label, a phone as 0905 123 456)."""
    if value is None:
        return None
    if field.name in labels:
        return labels[field.name].get(value, value)
    return field.display(value) if field.display else str(value)


async def my_lines(turn: Turn) -> list[str]:
    """The person's requests for «Đăng ký của tôi»: code, what, status, and the answer."""
    t, lines = turn.t, []
    for request in await support.of_contact(turn.session, turn.contact.id):
        lines.append(t("support.request_line", code=request.code,
                       title=t(KIND_TITLE[request.kind]), status=status_text(turn, request)))
        if request.answer:
            lines.append(t("support.request_answer", answer=request.answer))
    return lines
