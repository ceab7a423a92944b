"""The agency list from the chat: see who is valid today and their officers, add an agency,
edit, end it and name its successors (one form, whose summary names the agency before it is
saved), export the list as a spreadsheet.

Actions: AgencyAdmin, AddAgency, PickAgency(group), EditAgency(id), ExportAgencies."""

import itertools
import re
from datetime import date, timedelta

from handlers import actions as a
from handlers.admin import agency_sheet
from handlers.admin.guard import admin_only, audit
from handlers.agency_groups import GROUPS, KIND_OF_GROUP
from handlers.context import Turn
from handlers.forms import runner
from handlers.forms import validators as v
from handlers.forms.runner import choices_of
from handlers.forms.spec import Choice, Field, FormSpec, Invalid
from handlers.textnorm import fold
from handlers.turn import Button, Document, Reply, rows
from messages.loader import Safe
from storage import agencies, agency_list, contacts
from storage.agencies import AgencyInfo


async def add(turn: Turn) -> list[Reply]:
    return await runner.start(turn, AGENCY_FORM)


async def pick(turn: Turn) -> list[Reply]:
    return [_pick(turn, turn.action.group, await agencies.every_agency(turn.session))]


async def edit(turn: Turn) -> list[Reply]:
    """The form's summary of the agency: any line can be changed, its last day and successors
    too (which ends it)."""
    agency = await agencies.get(turn.session, turn.action.agency)
    if agency is None:
        return await overview(turn)
    return await runner.start(turn, AGENCY_FORM, _answers_of(agency))


async def overview(turn: Turn) -> list[Reply]:
    t, today = turn.t, turn.today
    lines = [t("admin.ag_title", day=today.strftime("%d/%m/%Y"))]
    valid = await agencies.active_on(turn.session, today)
    for agency in valid:
        people = [await contacts.get(turn.session, contact_id)
                  for contact_id in await agencies.officers(turn.session, agency.id)]
        names = ", ".join(p.display_name or f"{p.channel}:{p.user_id}" for p in people)
        lines.append(t("admin.ag_line", name=agency.name, officers=len(people),
                       names=f" ({names})" if names else ""))
    if not valid:
        lines.append(t("admin.ag_none_valid"))
    ended = len(await agencies.every_agency(turn.session)) - len(valid)
    lines.append(t("admin.ag_others", count=ended))
    buttons = rows(Button(t("admin.ag_add"), a.AddAgency().pack()),
                   Button(t("admin.ag_pick"), a.PickAgency().pack()),
                   Button(t("admin.ag_export"), a.ExportAgencies().pack()),
                   Button(t("admin.back"), a.AdminMenu().pack()))
    return [Reply(Safe("\n".join(lines)), buttons)]


def _pick(turn: Turn, group: str, every: list[AgencyInfo]) -> Reply:
    """First the group, then its agencies (ended ones with their last day)."""
    t = turn.t
    if group not in dict(GROUPS):
        buttons = [Button(t(key), a.PickAgency(value).pack()) for value, key in GROUPS]
        return Reply(t("admin.ag_pick_group"), rows(*buttons, _back(turn)))
    buttons = [Button(_label(turn, one), a.EditAgency(one.id).pack())
               for one in every if one.group == group]
    return Reply(t("admin.ag_pick_agency"), rows(*buttons, _back(turn)))


def _back(turn: Turn) -> Button:
    return Button(turn.t("admin.back"), a.AgencyAdmin().pack())


def _label(turn: Turn, agency: AgencyInfo) -> str:
    if agency.valid_to is None:
        return agency.short_name
    return turn.t("admin.ag_ended_label", short=agency.short_name,
                  day=agency.valid_to.strftime("%d/%m/%Y"))


def _answers_of(agency: AgencyInfo) -> dict:
    """The form's answers for an agency as it stands."""
    answers = {"agency_id": agency.id, "kind": agency.kind, "group": agency.group,
               "name": agency.name, "short": agency.short_name,
               "valid_from": agency.valid_from.isoformat() if agency.valid_from else None,
               "valid_to": agency.valid_to.isoformat() if agency.valid_to else None}
    if agency.valid_to:
        answers["successors"] = list(agency.successor_ids)
    return answers


def _short_name(text: str) -> str:
    return v.plain_text(text, 2, 80)


async def _ends_after_start(_turn: Turn, answers: dict, value: object) -> None:
    start = answers.get("valid_from")
    if start and value < start:
        raise Invalid("admin.ag_end_before_start", day=v.show_date(start))


async def _successor_choices(turn: Turn, answers: dict) -> list[Choice]:
    """Agencies valid the day after this one ends."""
    after = date.fromisoformat(answers["valid_to"]) + timedelta(days=1)
    return [Choice(one.id, one.short_name) for one in await agencies.active_on(turn.session, after)
            if one.id != answers.get("agency_id")]


async def _new_id(turn: Turn, name: str) -> str:
    """An ASCII id from the name (Sở Y tế → so-y-te), made unique with -2, -3…"""
    base = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:36] or "co-quan"
    taken = {one.id for one in await agencies.every_agency(turn.session)}
    for number in itertools.count(1):
        candidate = base if number == 1 else f"{base}-{number}"
        if candidate not in taken:
            return candidate


def _day(answers: dict, key: str) -> date | None:
    return date.fromisoformat(answers[key]) if answers.get(key) else None


async def _save(turn: Turn, answers: dict) -> list[Reply]:
    agency_id = answers.get("agency_id") or await _new_id(turn, answers["name"])
    ends = _day(answers, "valid_to")
    info = AgencyInfo(agency_id, answers["name"], answers["short"], answers["group"],
                      answers.get("kind") or KIND_OF_GROUP[answers["group"]],
                      _day(answers, "valid_from"), ends,
                      (answers.get("successors") or []) if ends else [])
    outcome = await agency_list.save(turn.session, info)
    await audit(turn, "agency_save", id=agency_id, outcome=outcome,
                valid_to=answers.get("valid_to"), successors=info.successor_ids)
    return [Reply(turn.t("admin.ag_saved", name=info.name, id=agency_id)), *await overview(turn)]


AGENCY_FORM = FormSpec(
    name="adm_ag", version=1, title="admin.ag_form_title",
    fields=(
        Field("group", "admin.ag_ask_group", "admin.ag_label_group", choices=choices_of(*GROUPS)),
        Field("name", "admin.ag_ask_name", "admin.ag_label_name", parse=v.company),
        Field("short", "admin.ag_ask_short", "admin.ag_label_short", parse=_short_name),
        Field("valid_from", "admin.ag_ask_from", "admin.ag_label_from", parse=v.day_month_year,
              display=v.show_date, optional=True),
        Field("valid_to", "admin.ag_ask_to", "admin.ag_label_to", parse=v.day_month_year,
              display=v.show_date, optional=True, check=_ends_after_start),
        Field("successors", "admin.ag_ask_successors", "admin.ag_label_successors",
              choices=_successor_choices, multi=True, optional=True,
              when=lambda answers: bool(answers.get("valid_to"))),
    ),
    submit=admin_only(_save),
)


async def export(turn: Turn) -> list[Reply]:
    every = await agencies.every_agency(turn.session)
    stamp = turn.now.astimezone(turn.config.tz).strftime("%Y%m%d-%H%M")
    caption = turn.t("admin.ag_exported", count=len(every))
    await audit(turn, "agency_export", rows=len(every))
    document = Document(f"co-quan-nhan-nhac-{stamp}.xlsx", agency_sheet.write(turn.t, every),
                        caption)
    return [Reply(caption, rows(Button(turn.t("admin.back"), "adm:ag")), document=document)]
