"""The turn context every handler receives."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.actions import Action
from handlers.turn import Incoming, Reply
from messages.loader import Texts
from storage.contacts import ContactRef
from storage.conversations import ConversationState


@dataclass(frozen=True)
class BotConfig:
    """The part of the settings the dialogue needs."""

    admins: frozenset[str] = frozenset()
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))
    web_public_url: str = "http://127.0.0.1:8080"  # the staff dashboard's login links
    admin_login_minutes: int = 10


@dataclass
class Turn:
    """One incoming message being handled inside one database transaction.

    Attributes:
        incoming: what the person sent (a typed digit or label already mapped to its payload).
        state: the person's conversation state; saved with the turn.
        session: the turn's session; repositories flush, the dispatcher commits.
        texts: the Vietnamese texts.
        now: the turn's time (aware, UTC), from the dispatcher's clock.
        contact: the person's contact row.
        config: settings the dialogue needs.
        action: the parsed button the person pressed (or a command stands for), else None.
        goto: continue the turn as if the button of ``action`` had been pressed (set by the
            router).
        reader: sessions for long reads (exports, statistics), to open in a reply's ``later``
            work, after the turn; None where there is only the turn's session.
    """

    incoming: Incoming
    state: ConversationState
    session: AsyncSession
    texts: Texts
    now: datetime
    contact: ContactRef
    config: BotConfig
    action: Action | None = None
    goto: Callable[[Action], Awaitable[list]] | None = None
    reader: async_sessionmaker | None = None

    @property
    def t(self) -> Texts:
        return self.texts

    @property
    def actor(self) -> str:
        """Who is writing, as ADMIN_IDS and the audit log name people: ``channel:user_id``."""
        return f"{self.incoming.channel}:{self.incoming.user_id}"

    @property
    def today(self) -> date:
        """The turn's day where the bot is (Asia/Ho_Chi_Minh), to compare dated facts with."""
        return self.now.astimezone(self.config.tz).date()

    def after(self, read: Callable[[AsyncSession], Awaitable[Reply]], buttons=()) -> Reply:
        """A reply that ``read`` makes on a reader session once this turn has committed: for
        reads long enough (an export, the statistics) that they must hold neither the turn's
        write lock nor the event loop while other people write. ``buttons`` are the ones the
        made reply shows."""
        reader = self.reader or async_sessionmaker(self.session.bind, expire_on_commit=False)

        async def later() -> Reply:
            async with reader() as session:
                return await read(session)

        return Reply("", buttons, later=later)

    def local(self, moment: datetime, with_time: bool = True) -> str:
        return local_text(moment, self.config.tz, with_time)


def local_text(moment: datetime, tz: ZoneInfo, with_time: bool = True) -> str:
    """``moment`` in the bot's time zone, as Vietnamese people write it (dd/mm/yyyy hh:mm)."""
    return moment.astimezone(tz).strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")
