"""Conversation state: a small JSON document per (channel, chat, user), saved in the turn's
transaction so a crash and restart resume at the same step."""

from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation


@dataclass(frozen=True)
class ConversationKey:
    channel: str
    chat_id: str
    user_id: str


@dataclass
class ConversationState:
    """What the dialogue remembers between messages. JSON-only by construction.

    Attributes:
        flow: the running flow (e.g. a form name), or None when idle.
        step: the step within the flow.
        answers: values collected so far (JSON types only).
        scratch: flow-private values that are not answers (e.g. "editing").
        flow_version: the version of the flow definition the answers were collected with.
        menu: the last buttons shown, as [label, payload] pairs, so "2" maps back to a payload.
        menu_numbered: whether typed digits choose among those buttons.
        menu_from: the index in ``menu`` of the button shown as "1" (the last message's first).
        updated_at: ISO time of the last saved turn (None for a new person).
        phone_keyboard: the last replies offered the platform's share-phone keyboard, which
            stays on the person's screen until a reply removes it (kept here, not in the
            process that sent it: another instance may answer next).
    """

    flow: str | None = None
    step: str | None = None
    answers: dict = field(default_factory=dict)
    scratch: dict = field(default_factory=dict)
    flow_version: int | None = None
    menu: list = field(default_factory=list)
    menu_numbered: bool = True
    menu_from: int = 0
    updated_at: str | None = None
    phone_keyboard: bool = False

    def clear_flow(self) -> None:
        self.flow = self.step = self.flow_version = None
        self.answers = {}
        self.scratch = {}

    @classmethod
    def from_json(cls, data: dict) -> "ConversationState":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


# The dispatcher runs load and save on every turn: plain table statements built once (no ORM
# unit of work, cached compilation) keep that cost low. They bypass the session's identity map,
# which is safe because no code holds these rows as ORM objects (contacts.touch likewise runs at
# the start of a turn, before anything loads the Contact).
_TABLE = Conversation.__table__
_SELECT = (
    select(_TABLE.c.id, _TABLE.c.state)
    .where(_TABLE.c.channel == bindparam("channel"), _TABLE.c.chat_id == bindparam("chat_id"),
           _TABLE.c.user_id == bindparam("user_id"))
    # On PostgreSQL this row lock serialises one person's turns across bot instances;
    # SQLite already serialises writers (BEGIN IMMEDIATE) and ignores it.
    .with_for_update()
)
_UPDATE = (
    update(_TABLE).where(_TABLE.c.id == bindparam("row_id"))
    .values(state=bindparam("new_state"), updated_at=bindparam("now"))
)
_INSERT = insert(_TABLE)


async def load(session: AsyncSession, key: ConversationKey) -> ConversationState:
    """Return the saved state for ``key``, or a fresh one."""
    row = await _row(session, key)
    session.info[key] = row.id if row else None  # save() in the same transaction reuses it
    return ConversationState.from_json(row.state) if row else ConversationState()


async def save(
    session: AsyncSession, key: ConversationKey, state: ConversationState, now: datetime
) -> None:
    """Write ``state`` for ``key``; the caller's transaction commits it with the turn."""
    state.updated_at = now.isoformat()
    await _write(session, key, asdict(state), now)


async def _write(session: AsyncSession, key: ConversationKey, data: dict, now: datetime) -> None:
    if key in session.info:
        row_id = session.info.pop(key)
    else:
        row = await _row(session, key)
        row_id = row.id if row else None
    if row_id is None:
        await session.execute(_INSERT, {**asdict(key), "state": data, "updated_at": now})
    else:
        await session.execute(_UPDATE, {"row_id": row_id, "new_state": data, "now": now})


async def _row(session: AsyncSession, key: ConversationKey):
    return (await session.execute(_SELECT, asdict(key))).one_or_none()


async def remember_menu(
    session: AsyncSession, key: ConversationKey, menu: list, numbered: bool, now: datetime
) -> None:
    """Record the choices of a message sent outside a turn (a reminder), so that typing "1"
    or its label answers it; the draft of a form and its pause clock are left alone."""
    row = await _row(session, key)
    session.info[key] = row.id if row else None  # known: _write does not look again
    state = row.state if row else asdict(ConversationState())
    menu_state = {"menu": menu, "menu_numbered": numbered, "menu_from": 0}
    await _write(session, key, {**state, **menu_state}, now)


async def forget_other_chats(session: AsyncSession, key: ConversationKey) -> None:
    """Erasure: the person's conversations in other chats (a group) go; the one of ``key`` is
    cleared by its turn and saved with it."""
    await session.execute(
        delete(Conversation).where(
            Conversation.channel == key.channel, Conversation.user_id == key.user_id,
            Conversation.chat_id != key.chat_id,
        )
    )
