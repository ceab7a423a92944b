"""Typed tables. Every user-facing state lives here, never in process memory."""

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, MetaData, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator):
    """Aware datetimes stored as UTC; SQLite would otherwise hand back naive values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime; use an aware one")
        return None if value is None else value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime()}


class Contact(Base):
    """A person as seen on one channel; the same person on two channels is two contacts."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("channel", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    unreachable_at: Mapped[datetime | None]


class Conversation(Base):
    """The dialogue state of one person in one chat, as JSON (see storage.conversations)."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "chat_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class InboxUpdate(Base):
    """A platform update, stored before it is handled so a re-delivery is handled once."""

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("channel", "update_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    update_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # pending | done
    payload: Mapped[dict | None] = mapped_column(JSON)
    received_at: Mapped[datetime]
    handled_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
