"""Channel-neutral turn types. Standard library only: adapters and handlers both depend on them."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

MAX_PAYLOAD_BYTES = 64  # Telegram's callback_data limit, the strictest of our channels


def is_payload(value: str) -> bool:
    """Whether ``value`` can be a button's payload on every channel: 1-64 ASCII bytes."""
    return value.isascii() and 1 <= len(value) <= MAX_PAYLOAD_BYTES


@dataclass(frozen=True)
class Incoming:
    """One thing a person sent, whatever the platform.

    Attributes:
        channel: "telegram", "zalo", "zalo_bot", "console" or "web".
        user_id / chat_id: platform ids as strings (Zalo ids are opaque strings).
        text: typed text (NFC), or None.
        payload: the ASCII payload of a pressed button, or None.
        start_payload: a deep-link payload (`/start lop1`), or None.
        phone: a phone number the person shared with the platform's contact button.
        update_id: the platform's id of this update, for de-duplication; None when the channel
            has none (the terminal chat).
        message_id: for a pressed button, the bot's message that carried it (where the
            channel can edit messages).
        phone_keyboard: set by the dispatcher for delivery: the person's screen still shows
            the share-phone keyboard the previous replies offered.
    """

    channel: str
    user_id: str
    chat_id: str
    text: str | None = None
    payload: str | None = None
    start_payload: str | None = None
    phone: str | None = None
    display_name: str | None = None
    update_id: str | None = None
    received_at: datetime | None = None
    message_id: str | None = None
    phone_keyboard: bool = False


@dataclass(frozen=True)
class Button:
    """A choice: a Vietnamese label and a short ASCII payload that comes back when chosen."""

    label: str
    payload: str

    def __post_init__(self):
        if not is_payload(self.payload):
            raise ValueError(f"button payload must be 1-64 ASCII bytes: {self.payload!r}")


@dataclass(frozen=True)
class Document:
    filename: str
    content: bytes
    caption: str | None = None


@dataclass(frozen=True)
class Reply:
    """Something to show the person.

    Attributes:
        text: Telegram-HTML text (values already escaped by the texts loader).
        buttons: rows of buttons.
        numbered: whether text-only channels may number the buttons and map a typed digit back;
            False while a step expects free text, where "2" is an answer, not a choice.
        document: an optional file.
        ask_phone: offer the platform's "share my phone number" button where there is one.
        replace: a menu reached by a button; channels that can edit messages show it in place
            of the message that had the button, instead of adding a new one.
        later: work for after the turn's transaction has committed (a long read for an admin,
            which must hold neither the write lock nor anyone else's turn): the reply it
            returns takes this one's place. It should keep this reply's buttons, which the
            conversation remembers as the last shown.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    numbered: bool = True
    document: Document | None = None
    ask_phone: bool = False
    replace: bool = False
    later: Callable[[], Awaitable["Reply"]] | None = field(default=None, compare=False,
                                                           repr=False)

    def all_buttons(self) -> list[Button]:
        return [button for row in self.buttons for button in row]


async def completed(replies: list[Reply]) -> list[Reply]:
    """``replies`` with their ``later`` work done: call once the turn has committed."""
    return [await reply.later() if reply.later else reply for reply in replies]


def rows(*buttons: Button, per_row: int = 1) -> tuple[tuple[Button, ...], ...]:
    """Lay ``buttons`` out ``per_row`` to a row."""
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


def menu_of(replies: list[Reply]) -> tuple[list[Button], bool, int]:
    """The buttons a turn showed, in order; whether typed digits choose among them; and the
    index of the first button digits count from.

    Numbers belong to the message that shows them: only the last message with buttons is
    numbered (from 1), when it offers choices rather than asking for typed text. Text-only
    channels and the dispatcher both use this, so the "2" a person types maps to the button
    shown as "2".
    """
    with_buttons = [reply for reply in replies if reply.buttons]
    buttons = [button for reply in with_buttons for button in reply.all_buttons()]
    if not with_buttons:
        return buttons, True, 0
    last = with_buttons[-1]
    return buttons, last.numbered, len(buttons) - len(last.all_buttons())


def merged(replies: list[Reply], limit: int) -> list[Reply]:
    """Fewer messages to read: a plain reply (no buttons, file or phone request) joins the
    reply after it, as long as the text stays within ``limit`` characters."""
    result: list[Reply] = []
    for reply in replies:
        previous = result[-1] if result else None
        plain = previous is not None and not (
            previous.buttons or previous.document or previous.ask_phone or previous.replace
        )
        if plain and len(previous.text) + 2 + len(reply.text) <= limit:
            result[-1] = replace(reply, text=type(reply.text)(previous.text + "\n\n" + reply.text))
        else:
            result.append(reply)
    return result
