"""Typed tables. Every user-facing state lives here, never in process memory."""

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
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
    type_annotation_map = {datetime: UtcDateTime(), date: Date()}


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
    # the person erased their data: the platform's name for them is not stored again
    erased_at: Mapped[datetime | None]


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
    status: Mapped[str] = mapped_column(String(16))  # pending | done | failed
    payload: Mapped[dict | None] = mapped_column(JSON)  # dropped once done or failed
    user_id: Mapped[str | None] = mapped_column(String(64))  # the sender: erasure finds it
    received_at: Mapped[datetime]
    # done or failed: when; pending: when a process took it to handle (PostgreSQL, a lease)
    handled_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)  # why it failed, never its content
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))  # failed turns


class TrainingClass(Base):
    """One of the plan's three training classes (seeded; titles from the article)."""

    __tablename__ = "training_classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # lop1: deep links, payloads
    prefix: Mapped[str] = mapped_column(String(8), unique=True)  # LTH1: registration codes
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int]


class ClassSession(Base):
    """A dated session of a class, entered by an admin; seats are counted in attendees."""

    __tablename__ = "class_sessions"
    __table_args__ = (CheckConstraint("seats_taken <= capacity", name="seats_within_capacity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"))
    starts_at: Mapped[datetime]
    venue: Mapped[str] = mapped_column(String(300))
    capacity: Mapped[int]
    seats_taken: Mapped[int] = mapped_column(default=0)
    registration_open: Mapped[bool] = mapped_column(default=True)
    cancelled: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class Registration(Base):
    """An enterprise's registration for one class. Personal fields are emptied on erasure."""

    __tablename__ = "registrations"
    __table_args__ = (
        Index(
            "uq_registrations_active_tax_code", "class_id", "tax_code", unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(16), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("class_sessions.id"))
    status: Mapped[str] = mapped_column(String(16))  # confirmed|waitlisted|interested|cancelled
    attendees: Mapped[int]
    company: Mapped[str | None] = mapped_column(String(200))
    tax_code: Mapped[str | None] = mapped_column(String(16))
    locality: Mapped[str | None] = mapped_column(String(32))  # a 2023 district, before 07/2025
    commune: Mapped[str | None] = mapped_column(String(100))  # xã, phường or đặc khu, as typed
    region: Mapped[str | None] = mapped_column(String(16))  # quang-nam | da-nang | khac
    sector: Mapped[str | None] = mapped_column(String(32))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    position: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]


class ClubMembership(Base):
    """A student's membership of the productivity club of their school."""

    __tablename__ = "club_memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(16), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    school: Mapped[str] = mapped_column(String(8))  # dhqn | cdqn
    status: Mapped[str] = mapped_column(String(16))  # active | left
    full_name: Mapped[str | None] = mapped_column(String(100))
    student_id: Mapped[str | None] = mapped_column(String(20))
    class_name: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))
    age_confirmed: Mapped[bool]
    created_at: Mapped[datetime]
    left_at: Mapped[datetime | None]


class ConsentEvent(Base):
    """Append-only evidence of consent given, refused or withdrawn (never updated)."""

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # grant | refuse | withdraw
    purposes_granted: Mapped[list] = mapped_column(JSON)
    purposes_refused: Mapped[list] = mapped_column(JSON)
    text_version: Mapped[str] = mapped_column(String(16))
    text_sha256: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    update_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime]


class ConsentText(Base):
    """The full text of a consent notice as shown, once per hash: each event's evidence."""

    __tablename__ = "consent_texts"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    first_shown_at: Mapped[datetime]


class DataRequest(Base):
    """A data-subject request (erasure, withdrawal…), logged with its time."""

    __tablename__ = "data_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # erase | withdraw | restrict | object | contact
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]


class OrgSetting(Base):
    """Facts only an admin can give (the department's contact, the data controller…)."""

    __tablename__ = "org_settings"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(80))


class OutboxMessage(Base):
    """A message to send later (waitlist promotions, reminders, broadcasts); the sender drains
    it. ``dedupe_key`` makes queuing the same message twice a no-op."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "priority", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list] = mapped_column(JSON)
    priority: Mapped[int] = mapped_column(default=5)  # lower goes first
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # what the message is about (e.g. "dl:3:so-y-te"), so it can be withdrawn when moot
    topic: Mapped[str | None] = mapped_column(String(80), index=True)
    office_hours: Mapped[bool] = mapped_column(default=False)  # only on working days, 7:30-17


class Agency(Base):
    """A recipient of report reminders, valid for a period; mergers are rows, not code."""

    __tablename__ = "agencies"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16))
    group: Mapped[str] = mapped_column(String(24))  # so-ban-nganh | ubnd-cap-huyen | phoi-hop
    seed: Mapped[str | None] = mapped_column(String(40))
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]
    successor_ids: Mapped[list] = mapped_column(JSON, default=list)


class AgencyOfficer(Base):
    """A contact linked to an agency (an agency may have several officers)."""

    __tablename__ = "agency_officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    linked_at: Mapped[datetime]
    unlinked_at: Mapped[datetime | None]


class LinkCode(Base):
    """A one-time code an admin gives an agency's officer to link their chat."""

    __tablename__ = "link_codes"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    created_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(80))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))


class Deadline(Base):
    """A report deadline for agencies, with its reminder schedule in working days."""

    __tablename__ = "deadlines"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    due_date: Mapped[date]
    targets: Mapped[list] = mapped_column(JSON)  # group ids and/or agency ids
    offsets: Mapped[list] = mapped_column(JSON)  # working days before the due day, 0 = on it
    overdue_every: Mapped[int] = mapped_column(default=2)
    overdue_max: Mapped[int] = mapped_column(default=5)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(80))


class Acknowledgement(Base):
    """An agency confirmed it sent its report for a deadline (who and when)."""

    __tablename__ = "acknowledgements"
    __table_args__ = (UniqueConstraint("deadline_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id"))
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    by_admin: Mapped[str | None] = mapped_column(String(80))
    at: Mapped[datetime]


class Admin(Base):
    """An admin added from the chat by another admin (those in ADMIN_IDS need no row)."""

    __tablename__ = "admins"

    id: Mapped[int] = mapped_column(primary_key=True)
    admin_id: Mapped[str] = mapped_column(String(80), index=True)  # channel:user_id
    added_by: Mapped[str] = mapped_column(String(80))
    added_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Who did what as an admin, and when (append-only)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSON)
    at: Mapped[datetime]


class Broadcast(Base):
    """A message to a segment, queued through the outbox (topic ``bc:<id>``)."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    segment: Mapped[dict] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]
    total: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))  # queuing | sending | done | cancelled
    progress_channel: Mapped[str | None] = mapped_column(String(16))
    progress_chat_id: Mapped[str | None] = mapped_column(String(64))
    progress_message_id: Mapped[str | None] = mapped_column(String(64))
    progress_text: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None]


class ChannelSecret(Base):
    """Credentials a channel rotates at run time (e.g. Zalo OA tokens), written at once."""

    __tablename__ = "channel_secrets"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class _DashboardToken:
    """A secret handed to an admin's browser, kept only as its SHA-256; ``ended_at`` is set
    when it is used (a login link) or logged out (a session)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    admin_id: Mapped[str] = mapped_column(String(80))  # channel:user_id
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class AdminLoginToken(_DashboardToken, Base):
    """A one-time login link of the staff dashboard, sent to an admin's own chat."""

    __tablename__ = "admin_login_tokens"


class AdminWebSession(_DashboardToken, Base):
    """A signed-in browser of the staff dashboard."""

    __tablename__ = "admin_web_sessions"


class SupportTopic(Base):
    """A topic an enterprise may ask guidance on; the department edits the list from /admin."""

    __tablename__ = "support_topics"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)  # ASCII: it travels in payloads
    label: Mapped[str] = mapped_column(String(200))
    position: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)


class SupportRequest(Base):
    """A request for one of the plan's other activities (a nomination for the expert training,
    guidance, Quality Award interest, an S&T task proposal), with its yearly code such as
    HT-2026-0007 and what staff did with it. Personal values are emptied on erasure."""

    __tablename__ = "support_requests"
    __table_args__ = (UniqueConstraint("kind", "year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # training | guidance | award | sttask
    year: Mapped[int]
    number: Mapped[int]  # the n-th request of its kind that year
    code: Mapped[str] = mapped_column(String(20), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # received|in_progress|answered|closed
    topic: Mapped[str | None] = mapped_column(String(24), index=True)  # guidance only
    answers: Mapped[dict | None] = mapped_column(JSON)  # the form's answers
    assignee: Mapped[str | None] = mapped_column(String(80))  # channel:user_id of a staff member
    answer: Mapped[str | None] = mapped_column(Text)  # the staff's reply to the requester
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
