"""Consent before any personal field: the notice, per-purpose buttons, append-only evidence."""

import hashlib

from handlers import organisation
from handlers.context import Turn
from handlers.menu import main_menu
from handlers.turn import Button, Reply, rows
from messages.loader import Safe
from storage import consents

VERSION = "2026.1"  # bump whenever messages/vi/privacy.yaml's notice changes
REQUIRED, OPTIONAL = "registration", "news"
# where a granted consent may continue to (a payload prefix), so a crafted payload cannot jump
CONTINUATIONS = ("reg", "club")


async def notice(turn: Turn) -> Safe:
    """The notice as the person will read it, with the organisation an admin entered."""
    t, found = turn.t, await organisation.of(turn)
    return t(
        "privacy.notice",
        version=VERSION,
        controller=found.controller,
        controller_reach=found.reach(t, found.controller),
        retention=found.retention or t("privacy.default_retention"),
    )


async def gate(turn: Turn, then: str) -> list[Reply] | None:
    """None when the person already agreed to the required purpose; otherwise the notice and
    its buttons, after which the turn continues with the payload ``then``."""
    if REQUIRED in await consents.granted(turn.session, turn.contact.id):
        return None
    t, text = turn.t, await notice(turn)
    turn.state.scratch["consent_sha256"] = _sha256(text)
    buttons = rows(
        Button(t("privacy.agree_required"), f"cs:r:{then}"),
        Button(t("privacy.agree_all"), f"cs:a:{then}"),
        Button(t("privacy.refuse"), "cs:n"),
    )
    return [Reply(text, buttons)]


async def on_answer(turn: Turn) -> list[Reply]:
    """`cs:r:<then>` required only, `cs:a:<then>` both purposes, `cs:n` refuse."""
    _, choice, *rest = turn.incoming.payload.split(":", 2)
    then = rest[0] if rest else ""
    granted = {"r": [REQUIRED], "a": [REQUIRED, OPTIONAL]}.get(choice, [])
    refused = sorted({REQUIRED, OPTIONAL} - set(granted))
    text_sha = turn.state.scratch.pop("consent_sha256", None) or _sha256(await notice(turn))
    await consents.record(
        turn.session, turn.contact.id, "grant" if granted else "refuse", granted, refused,
        VERSION, text_sha, turn.incoming.channel, turn.incoming.update_id, turn.now,
    )
    if not granted:
        reach = await organisation.reach(turn)
        return [Reply(turn.t("privacy.refused", reach=reach)), main_menu(turn)]
    thanks = Reply(turn.t("privacy.thanks", time=turn.local(turn.now)))
    if then.split(":", 1)[0] not in CONTINUATIONS:
        return [thanks, main_menu(turn)]
    turn.state.scratch["after_consent"] = True  # the flow already introduced itself
    return [thanks, *await turn.goto(then)]


async def show_policy(turn: Turn) -> list[Reply]:
    return [Reply(Safe(turn.t("privacy.policy_title") + "\n" + await notice(turn))),
            main_menu(turn)]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
