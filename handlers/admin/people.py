"""The organisation (department, jurisdiction, controller, contact: used in every reply and in
the consent notice, see handlers/organisation.py) and admins. Removing an admin asks first,
naming them.

Actions: OrgFacts, Admins, AddAdmin, RemoveAdmin → ConfirmRemoveAdmin."""

from handlers import actions as a
from handlers import organisation
from handlers.admin.guard import admin_only, audit
from handlers.admin.stats import back
from handlers.context import Turn
from handlers.forms import runner
from handlers.forms import validators as v
from handlers.forms.spec import Field, FormSpec, Invalid
from handlers.turn import Button, Reply, rows
from messages.loader import Safe
from storage import admins, org

ORG_KEYS = ("dept_name", "jurisdiction", "controller_name", "dept_contact", "retention",
            "max_attendees", "club_contact_dhqn", "club_contact_cdqn")
CHANNELS = ("telegram", "zalo", "zalo_bot", "console", "web")


async def edit_org(turn: Turn) -> list[Reply]:
    current = await org.get_all(turn.session)
    answers = {key: current.get(key) for key in ORG_KEYS}
    # the names the bot uses until an admin confirms or changes them
    found = await organisation.of(turn)
    answers["dept_name"] = answers["dept_name"] or found.department
    answers["jurisdiction"] = answers["jurisdiction"] or found.jurisdiction
    return await runner.start(turn, ORG_FORM, answers)


async def _save_org(turn: Turn, answers: dict) -> list[Reply]:
    for key in ORG_KEYS:
        if answers.get(key):
            await org.put(turn.session, key, answers[key], turn.actor, turn.now)
    await audit(turn, "org", **{k: answers.get(k) for k in ORG_KEYS})
    return [Reply(turn.t("admin.org_saved"), back(turn))]


def _org_field(key: str, prompt: str, label: str) -> Field:
    return Field(key, prompt, label, parse=lambda text: v.plain_text(text, 2, 300),
                 optional=True, max_length=300)


ORG_FORM = FormSpec(
    name="adm_org", version=2, title="admin.org_title",
    fields=(
        _org_field("dept_name", "admin.org_ask_dept_name", "admin.org_label_dept_name"),
        _org_field("jurisdiction", "admin.org_ask_jurisdiction", "admin.org_label_jurisdiction"),
        _org_field("controller_name", "admin.org_ask_controller_name",
                   "admin.org_label_controller_name"),
        _org_field("dept_contact", "admin.org_ask_dept_contact", "admin.org_label_dept_contact"),
        _org_field("retention", "admin.org_ask_retention", "admin.org_label_retention"),
        Field("max_attendees", "admin.org_ask_max_attendees", "admin.org_label_max_attendees",
              parse=lambda text: str(v.count_between(1, 50)(text)), optional=True),
        # told to a student under 16 (handlers/clubs.must_be_16)
        _org_field("club_contact_dhqn", "admin.org_ask_club_contact_dhqn",
                   "admin.org_label_club_contact_dhqn"),
        _org_field("club_contact_cdqn", "admin.org_ask_club_contact_cdqn",
                   "admin.org_label_club_contact_cdqn"),
    ),
    submit=admin_only(_save_org),
)


async def add(turn: Turn) -> list[Reply]:
    return await runner.start(turn, ADD_ADMIN_FORM)


async def admin_list(turn: Turn) -> list[Reply]:
    t = turn.t
    lines = [t("admin.admins_title")]
    lines += [t("admin.admins_configured", admin=x) for x in sorted(turn.config.admins)]
    buttons = [Button(t("admin.admins_add"), a.AddAdmin().pack())]
    for entry in sorted(await admins.added_admins(turn.session)):
        lines.append(t("admin.admins_added", admin=entry))
        channel, _, user = entry.partition(":")
        buttons.append(Button(t("admin.admins_remove", admin=entry),
                              a.RemoveAdmin(channel, user).pack()))
    buttons.append(Button(t("admin.back"), a.AdminMenu().pack()))
    return [Reply(Safe("\n".join(lines)), rows(*buttons))]


def parse_admin_id(text: str) -> str:
    """``telegram:123`` style admin ids, checked."""
    channel, _, user = text.strip().partition(":")
    if channel not in CHANNELS or not user or not user.replace("-", "").replace("_", "")\
            .isalnum() or len(user) > 64:
        raise Invalid("admin.admins_bad_id")
    return f"{channel}:{user}"


async def _add(turn: Turn, answers: dict) -> list[Reply]:
    entry = answers["admin_id"]
    if entry in turn.config.admins or not await admins.add(turn.session, entry, turn.actor,
                                                            turn.now):
        return [Reply(turn.t("admin.admins_exists", admin=entry)), *await admin_list(turn)]
    await audit(turn, "admin_add", admin=entry)
    return [Reply(turn.t("admin.admins_added_ok", admin=entry)), *await admin_list(turn)]


ADD_ADMIN_FORM = FormSpec(
    name="adm_add", version=1, title="admin.admins_add_title",
    fields=(Field("admin_id", "admin.admins_ask_id", "admin.admins_label_id",
                  parse=parse_admin_id),),
    submit=admin_only(_add),
)


async def ask_remove(turn: Turn) -> list[Reply]:
    channel, user = turn.action.channel, turn.action.user
    entry = f"{channel}:{user}"
    if entry not in await admins.added_admins(turn.session):
        return [Reply(turn.t("admin.admins_cannot_remove", admin=entry)),
                *await admin_list(turn)]
    confirm = rows(Button(turn.t("admin.admins_yes_remove"),
                          a.ConfirmRemoveAdmin(channel, user).pack()),
                   Button(turn.t("admin.back"), a.Admins().pack()))
    return [Reply(turn.t("admin.admins_confirm_remove", admin=entry), confirm)]


async def remove(turn: Turn) -> list[Reply]:
    entry = f"{turn.action.channel}:{turn.action.user}"
    if entry in turn.config.admins or not await admins.remove(turn.session, entry, turn.now):
        return [Reply(turn.t("admin.admins_cannot_remove", admin=entry)),
                *await admin_list(turn)]
    await audit(turn, "admin_remove", admin=entry)
    return [Reply(turn.t("admin.admins_removed", admin=entry)), *await admin_list(turn)]
