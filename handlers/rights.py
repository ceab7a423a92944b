"""The rights beyond seeing and erasing: restrict processing (/hanche), object to it
(/phandoi) and reach a person (/lienhe). A restriction or objection is honoured at once: no
broadcast or reminder reaches the person until they lift it."""

from handlers import actions as a
from handlers.context import Turn
from handlers.menu import main_menu
from handlers.reminders import notify_admins
from handlers.turn import Button, Reply, rows
from storage import consents, outbox

ASK_LIMIT = 500  # characters of a typed /lienhe message passed on to the admins
TEXTS = {  # kind → step → its text
    "restrict": {"warning": "rights.restrict_warning", "confirm": "rights.restrict_confirm",
                 "in_force": "rights.restrict_in_force", "lift": "rights.restrict_lift",
                 "on": "rights.restrict_on", "off": "rights.restrict_off"},
    "object": {"warning": "rights.object_warning", "confirm": "rights.object_confirm",
               "in_force": "rights.object_in_force", "lift": "rights.object_lift",
               "on": "rights.object_on", "off": "rights.object_off"},
}


async def pause(turn: Turn) -> list[Reply]:
    """`PauseProcessing(kind)`: say what it means and ask; while in force, offer to lift it."""
    t, texts = turn.t, TEXTS[turn.action.kind]
    kind = turn.action.kind
    since = (await consents.pauses(turn.session, turn.contact.id)).get(kind)
    keep = Button(t("privacy.keep"), a.KeepData().pack())
    if since is not None:
        lift = Button(t(texts["lift"]), a.LiftPause(kind).pack())
        return [Reply(t(texts["in_force"], time=turn.local(since)), rows(lift, keep))]
    confirm = Button(t(texts["confirm"]), a.ConfirmPause(kind).pack())
    return [Reply(t(texts["warning"]), rows(confirm, keep))]


async def confirm_pause(turn: Turn) -> list[Reply]:
    return await _switch(turn, "on")


async def lift_pause(turn: Turn) -> list[Reply]:
    return await _switch(turn, "off")


async def _switch(turn: Turn, detail: str) -> list[Reply]:
    """Record the request (kind and on/off only: no personal value) unless already so."""
    kind = turn.action.kind
    in_force = kind in await consents.pauses(turn.session, turn.contact.id)
    if in_force != (detail == "on"):
        await consents.log_request(turn.session, turn.contact.id, kind, detail, turn.now)
    text = turn.t(TEXTS[kind][detail], time=turn.local(turn.now))
    return [Reply(text), main_menu(turn)]


async def reach_person(turn: Turn) -> list[Reply]:
    """`/lienhe [message]`: the admins are told the person's contact id (never their name),
    with the message if one was typed; the alert is erased with the person's data."""
    t, contact = turn.t, turn.contact
    typed = (turn.incoming.text or "").partition(" ")[2].strip()[:ASK_LIMIT]
    message = t("rights.contact_message", message=typed) if typed else ""
    alert = t("rights.contact_alert", id=contact.id, channel=contact.channel, message=message)
    await notify_admins(turn.session, turn.config, f"reach:{contact.id}:{turn.incoming.update_id}",
                        alert, turn.now, topic=outbox.about_topic(contact.id))
    await consents.log_request(turn.session, contact.id, "contact", None, turn.now)
    key = "rights.contact_sent" if typed else "rights.contact_sent_no_message"
    return [Reply(t(key)), main_menu(turn)]
