"""Erasure of a person's data (/xoadulieu): every copy, in the caller's transaction. Counts
stay (registrations keep their class and attendees); the values go."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage import clubs, contacts, conversations, db, inbox, outbox, registrations, support
from storage.contacts import ContactRef
from storage.conversations import ConversationKey


async def erase_person(
    session: AsyncSession, contact: ContactRef, key: ConversationKey,
    erasing_update: str | None, now: datetime,
) -> None:
    """Empty the personal fields of ``contact`` (asking in the chat of ``key``, by the update
    ``erasing_update``), their stored updates, the messages to them and their other
    conversations; the WAL is checkpointed once this commits."""
    await registrations.erase_personal_fields(session, contact.id, now)
    await clubs.erase_personal_fields(session, contact.id, now)
    await support.erase_personal_fields(session, contact.id, now)
    await contacts.forget_name(session, contact.id, now)
    await inbox.erase_user(session, contact.channel, contact.user_id, erasing_update, now)
    await outbox.erase_contact(session, contact.id, contact.channel,
                               {contact.chat_id, contact.user_id})
    await conversations.forget_other_chats(session, key)
    db.checkpoint_after_commit(session)
