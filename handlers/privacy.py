"""Data rights: see my data, withdraw consent per purpose, erase my data. Withdrawing and
erasing ask first, saying what will happen; only the confirming action does it."""

from handlers import actions as a
from handlers import consent, support
from handlers.consent import OPTIONAL, REQUIRED
from handlers.context import Turn
from handlers.forms.validators import show_phone, show_tax_code
from handlers.menu import main_menu
from handlers.my_registrations import status_text
from handlers.registration import cancel_and_notify
from handlers.turn import Button, Reply, rows
from messages.choices import choice_name
from messages.loader import Safe
from storage import clubs, consents, erasure, registrations
from storage import support as requests
from storage.conversations import ConversationKey

PURPOSE_TEXT = {REQUIRED: "privacy.purpose_registration", OPTIONAL: "privacy.purpose_news"}
PURPOSE = {"reg": REQUIRED, "news": OPTIONAL}  # a Withdraw action's code → the stored purpose
WARNING = {"reg": "privacy.withdraw_registration_warning", "news": "privacy.withdraw_news_warning"}


async def show(turn: Turn) -> list[Reply]:
    t = turn.t
    lines = [t("privacy.my_data_title")]
    lines.append(t("privacy.my_data_account", channel=turn.contact.channel,
                   user_id=turn.contact.user_id,
                   name=turn.contact.display_name or t("forms.not_given")))
    history = await consents.history(turn.session, turn.contact.id)
    if history and history[-1].purposes_granted:
        last = history[-1]
        purposes = ", ".join(t(PURPOSE_TEXT[p]) for p in last.purposes_granted)
        lines.append(t("privacy.my_data_consent", purposes=purposes,
                       time=turn.local(last.at), version=last.text_version))
    else:
        lines.append(t("privacy.my_data_no_consent"))
    titles = {c.id: c.title for c in await registrations.classes(turn.session)}
    items = 0
    for reg in await registrations.of_contact(turn.session, turn.contact.id):
        items += 1
        lines.append(t("privacy.my_data_registration", code=reg.code,
                       title=titles[reg.class_id], status=status_text(turn, reg),
                       details=_details(reg.fields)))
    for member in await clubs.of_contact(turn.session, turn.contact.id):
        items += 1
        lines.append(t("privacy.my_data_membership", code=member.code,
                       school=choice_name("schools", member.school),
                       status=status_text(turn, member), details=_details(member.fields)))
    for request in await requests.of_contact(turn.session, turn.contact.id):
        items += 1
        details = "; ".join(f"{label}: {value}" for label, value in
                            await support.shown_answers(turn, request)) or "—"
        lines.append(t("privacy.my_data_support", code=request.code,
                       title=t(support.KIND_TITLE[request.kind]),
                       status=support.status_text(turn, request), details=details))
        if request.answer:
            lines.append(t("privacy.my_data_support_answer", answer=request.answer))
    if not items:
        lines.append(t("privacy.my_data_nothing"))
    buttons = rows(
        Button(t("privacy.edit_info"), a.MyRegistrations().pack()),
        Button(t("privacy.withdraw"), a.Withdraw().pack()),
        Button(t("privacy.erase"), a.Erase().pack()),
        Button(t("privacy.show_policy"), a.Policy().pack()),
        Button(t("privacy.restrict"), a.PauseProcessing("restrict").pack()),
        Button(t("privacy.object"), a.PauseProcessing("object").pack()),
        Button(t("privacy.reach_person"), a.ReachPerson().pack()),
        Button(t("menu.back_to_menu"), a.Menu().pack()),
        per_row=2,
    )
    return [Reply(Safe("\n".join(lines)), buttons)]


SHOWN_AS = {
    "phone": show_phone,
    "tax_code": show_tax_code,
    "locality": lambda value: choice_name("localities", value),
    "region": lambda value: choice_name("regions", value),
    "sector": lambda value: choice_name("sectors", value),
}


def shown(name: str, value):
    """A stored field as people read it: phone 0905 123 456, not +84…; a locality's name, not
    its code. Empty stays empty."""
    return SHOWN_AS[name](value) if value and name in SHOWN_AS else value


def _details(fields: dict) -> str:
    return "; ".join(str(shown(name, value)) for name, value in fields.items() if value) or "—"


async def withdraw(turn: Turn) -> list[Reply]:
    """`Withdraw()`: choose the purpose; `Withdraw(purpose)`: say what it means and ask."""
    t, purpose = turn.t, turn.action.purpose
    current = await consents.granted(turn.session, turn.contact.id)
    if purpose is None:
        buttons = []
        if OPTIONAL in current:
            buttons.append(Button(t("privacy.withdraw_news"), a.Withdraw("news").pack()))
        if REQUIRED in current:
            buttons.append(Button(t("privacy.withdraw_registration"), a.Withdraw("reg").pack()))
        if not buttons:
            return [Reply(t("privacy.withdraw_nothing")), main_menu(turn)]
        buttons.append(Button(t("privacy.keep"), a.KeepData().pack()))
        return [Reply(t("privacy.withdraw_choose"), rows(*buttons))]
    if PURPOSE[purpose] not in current:
        return [Reply(t("privacy.withdraw_nothing")), main_menu(turn)]
    confirm = rows(Button(t("privacy.withdraw_confirm"), a.ConfirmWithdraw(purpose).pack()),
                   Button(t("privacy.keep"), a.KeepData().pack()))
    return [Reply(t(WARNING[purpose]), confirm)]


async def confirm_withdraw(turn: Turn) -> list[Reply]:
    t, purpose = turn.t, PURPOSE[turn.action.purpose]
    current = await consents.granted(turn.session, turn.contact.id)
    if purpose not in current:
        return [Reply(t("privacy.withdraw_nothing")), main_menu(turn)]
    await _record_withdrawal(turn, current, {purpose})
    if purpose == OPTIONAL:
        return [Reply(t("privacy.withdrawn_news")), main_menu(turn)]
    await _end_participation(turn)
    return [Reply(t("privacy.withdrawn_registration")), main_menu(turn)]


async def erase(turn: Turn) -> list[Reply]:
    t = turn.t
    confirm = rows(Button(t("privacy.erase_confirm"), a.ConfirmErase().pack()),
                   Button(t("privacy.keep"), a.KeepData().pack()))
    return [Reply(t("privacy.erase_warning"), confirm)]


async def confirm_erase(turn: Turn) -> list[Reply]:
    t = turn.t
    await _end_participation(turn)
    incoming = turn.incoming
    key = ConversationKey(incoming.channel, incoming.chat_id, incoming.user_id)
    await erasure.erase_person(turn.session, turn.contact, key, incoming.update_id, turn.now)
    current = await consents.granted(turn.session, turn.contact.id)
    if current:
        await _record_withdrawal(turn, current, current)
    await consents.log_request(turn.session, turn.contact.id, "erase", None, turn.now)
    turn.state.clear_flow()  # a draft form holds personal answers too
    return [Reply(t("privacy.erased", time=turn.local(turn.now))), main_menu(turn)]


async def keep(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("privacy.kept")), main_menu(turn)]


async def _record_withdrawal(turn: Turn, current: set[str], purposes: set[str]) -> None:
    await consents.record(
        turn.session, turn.contact.id, "withdraw", sorted(current - purposes),
        sorted(purposes), consent.VERSION, "", turn.incoming.channel,
        turn.incoming.update_id, turn.now,
    )
    await consents.log_request(turn.session, turn.contact.id, "withdraw",
                               ",".join(sorted(purposes)), turn.now)


async def _end_participation(turn: Turn) -> None:
    """Cancel active registrations (seats go to the waitlist) and leave clubs."""
    for reg in await registrations.of_contact(turn.session, turn.contact.id):
        if reg.status != "cancelled":
            await cancel_and_notify(turn, reg.id)
    for member in await clubs.of_contact(turn.session, turn.contact.id):
        if member.status == "active":
            await clubs.leave(turn.session, member.id, turn.now)
