"""Consent before any personal field: the notice, per-purpose buttons, append-only evidence."""

import hashlib

from handlers import actions as a
from handlers import organisation
from handlers.context import Turn
from handlers.menu import main_menu, stale_button
from handlers.turn import Button, Reply, rows
from messages.loader import Safe
from storage import consents

VERSION = "2026.3"  # bump whenever messages/vi/privacy.yaml's notice changes
# the first notice whose purpose (1) covers support requests: an older consent is asked again
SUPPORT_SINCE = "2026.3"
REQUIRED, OPTIONAL = "registration", "news"
# where a granted consent may continue to, so a crafted payload cannot jump elsewhere
CONTINUATIONS = (a.Register, a.Club, a.ClubAge, a.Support)
GRANTED = {"r": {REQUIRED}, "a": {REQUIRED, OPTIONAL}, "o": {OPTIONAL}, "n": set()}
SHOWN = "consent_sha256"  # scratch: the hash of the notice text this person was last shown


async def notice(turn: Turn, key: str = "privacy.notice") -> Safe:
    """The notice as the person will read it (short, for a phone; ``privacy.policy`` is the
    full text of /chinhsach), with the organisation an admin entered."""
    t, found = turn.t, await organisation.of(turn)
    return t(
        key,
        version=VERSION,
        controller=found.controller,
        controller_reach=found.reach(t, found.controller),
        retention=found.retention or t("privacy.default_retention"),
    )


async def gate(turn: Turn, then: a.Action, since: str | None = None) -> list[Reply] | None:
    """None when the person already agreed to the required purpose (on a notice of version
    ``since`` or newer, when given); otherwise the notice and its buttons, after which the turn
    continues with the action ``then``."""
    if await _agreed(turn, since):
        return None
    return await _ask(turn, then)


async def _ask(turn: Turn, then: a.Action | None) -> list[Reply]:
    """Show the notice as it reads now, and remember in the conversation which text was shown:
    only an answer to that text is recorded."""
    t, text = turn.t, await notice(turn)
    sha = turn.state.scratch[SHOWN] = _sha256(text)
    await consents.keep_text(turn.session, sha, VERSION, text, turn.now)  # the evidence
    buttons = rows(
        Button(t("privacy.agree_required"), a.Consent("r", then).pack()),
        Button(t("privacy.agree_all"), a.Consent("a", then).pack()),
        Button(t("privacy.agree_news_only"), a.Consent("o").pack()),
        Button(t("privacy.refuse"), a.Consent("n").pack()),
    )
    return [Reply(text, buttons)]


async def _agreed(turn: Turn, since: str | None) -> bool:
    history = await consents.history(turn.session, turn.contact.id)
    if not history or REQUIRED not in history[-1].purposes_granted:
        return False
    # the notice of the latest grant, not of a later withdrawal of the news alone
    granted = next(e for e in reversed(history) if e.action == "grant")
    return since is None or _version(granted.text_version) >= _version(since)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


async def on_answer(turn: Turn) -> list[Reply]:
    """The answer to the notice the gate showed; without a notice waiting for its answer it is
    a stale button (a refusal must not undo a consent given long ago). When the notice changed
    since it was shown (a new version, another controller), the person reads it again first:
    an answer is only ever recorded against the text they were shown."""
    text_sha = turn.state.scratch.pop(SHOWN, None)
    if text_sha is None:
        return await stale_button(turn)
    answer, then = turn.action.answer, turn.action.then
    if text_sha != _sha256(await notice(turn)):
        return [Reply(turn.t("privacy.notice_changed")), *await _ask(turn, then)]
    # news agreed earlier stays until withdrawn with /rutlai, whichever button is pressed now
    kept = await consents.granted(turn.session, turn.contact.id) & {OPTIONAL}
    granted = GRANTED[answer] | kept
    refused = sorted({REQUIRED, OPTIONAL} - granted)
    await consents.record(
        turn.session, turn.contact.id, "grant" if granted else "refuse", sorted(granted),
        refused, VERSION, text_sha, turn.incoming.channel, turn.incoming.update_id, turn.now,
    )
    if REQUIRED not in granted:
        reach = await organisation.reach(turn)
        key = "privacy.news_only" if granted else "privacy.refused"
        return [Reply(turn.t(key, reach=reach)), main_menu(turn)]
    thanks = Reply(turn.t("privacy.thanks", time=turn.local(turn.now)))
    if not isinstance(then, CONTINUATIONS):
        return [thanks, main_menu(turn)]
    turn.state.scratch["after_consent"] = True  # the flow already introduced itself
    return [thanks, *await turn.goto(then)]


async def show_policy(turn: Turn) -> list[Reply]:
    policy = await notice(turn, "privacy.policy")
    return [Reply(Safe(turn.t("privacy.policy_title") + "\n" + policy)), main_menu(turn)]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
