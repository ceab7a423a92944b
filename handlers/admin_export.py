"""The admins' Excel export: registrations, club members, agencies' report status per deadline
and consent evidence, one sheet each, in one .xlsx.

The workbook is written with XlsxWriter in constant-memory mode (each row goes to disk as it is
written) and the rows are streamed from the database, so memory stays flat however many rows
there are. The rows are read on the reader (see storage.db.create_reader) and written a slice
at a time, letting other people's turns run between slices; the closing of the file (mostly
compression) runs in a worker thread.

Why slices on the event loop rather than a worker thread for the rows: the writing is Python
code, which holds the GIL. From a thread it took the GIL each time the loop's thread released
it (every SQLite call does) and kept it for a whole switch interval (5 ms), so a turn of a few
dozen statements waited much longer (bench/latency.py measured turns' p50 from 12 ms to
150 ms during an export). A slice of rows lasts at most about a millisecond; the turns that
became ready meanwhile run before the next one. The closing of the file is mostly zlib, which
lets go of the GIL, so a thread suits it.

Dates are real Excel dates in local time (Excel has no time zones); tax codes, phones and
student ids are text, so leading zeros stay.
"""

import asyncio
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from xlsxwriter import Workbook

from handlers import support
from handlers.privacy import PURPOSE_TEXT, shown
from messages.choices import choice_name
from messages.loader import Texts
from storage import agencies
from storage.models import (
    ClassSession,
    ClubMembership,
    ConsentEvent,
    Registration,
    SupportRequest,
    TrainingClass,
)

DATE = "dd/mm/yyyy"
DATETIME = "dd/mm/yyyy hh:mm"
TEXT = "@"
YIELD_PER = 200  # rows per fetch: memory holds one batch, never the whole table
SLICE_SECONDS = 0.001  # rows are written for this long, then others' turns may run
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in the file

REGISTRATION_STATUS = {
    "confirmed": "export.status.confirmed",
    "waitlisted": "export.status.waitlisted",
    "interested": "export.status.interested",
    "cancelled": "export.status.cancelled",
}
MEMBER_STATUS = {"active": "export.status.active", "left": "export.status.left"}
CONSENT_ACTION = {
    "grant": "export.action.grant",
    "refuse": "export.action.refuse",
    "withdraw": "export.action.withdraw",
}
AGENCY_GROUP = {
    "so-ban-nganh": "export.group.so_ban_nganh",
    "ubnd-cap-huyen": "export.group.ubnd_cap_huyen",
    "phoi-hop": "export.group.phoi_hop",
}


@dataclass(frozen=True)
class Column:
    """A column: its header text key, its width in characters and its cell number format."""

    header: str
    width: int
    number_format: str | None = None


REGISTRATION_COLUMNS = (
    Column("export.reg.code", 12),
    Column("export.reg.class_title", 40),
    Column("export.reg.session", 17, DATETIME),
    Column("export.reg.status", 14),
    Column("export.reg.attendees", 10),
    Column("export.reg.company", 40),
    Column("export.reg.tax_code", 16, TEXT),
    Column("export.reg.commune", 24),
    Column("export.reg.region", 22),
    Column("export.reg.locality", 24),
    Column("export.reg.sector", 30),
    Column("export.reg.contact_name", 24),
    Column("export.reg.position", 18),
    Column("export.reg.phone", 14, TEXT),
    Column("export.reg.email", 30),
    Column("export.reg.created_at", 17, DATETIME),
)
MEMBER_COLUMNS = (
    Column("export.member.code", 12),
    Column("export.member.school", 28),
    Column("export.member.status", 14),
    Column("export.member.full_name", 24),
    Column("export.member.student_id", 16, TEXT),
    Column("export.member.class_name", 20),
    Column("export.member.phone", 14, TEXT),
    Column("export.member.email", 30),
    Column("export.member.joined_at", 17, DATETIME),
)
AGENCY_COLUMNS = (
    Column("export.agency.deadline", 50),
    Column("export.agency.due_date", 12, DATE),
    Column("export.agency.name", 45),
    Column("export.agency.group", 18),
    Column("export.agency.status", 14),
    Column("export.agency.acknowledged_at", 17, DATETIME),
    Column("export.agency.officers", 10),
)
CONSENT_COLUMNS = (
    Column("export.consent.at", 17, DATETIME),
    Column("export.consent.contact_id", 10),
    Column("export.consent.channel", 10),
    Column("export.consent.action", 14),
    Column("export.consent.granted", 36),
    Column("export.consent.refused", 36),
    Column("export.consent.text_version", 10),
    Column("export.consent.text_sha256", 66),
)

SUPPORT_SHEET = {
    "training": "support_admin.sheet_training",
    "guidance": "support_admin.sheet_guidance",
    "award": "support_admin.sheet_award",
    "sttask": "support_admin.sheet_sttask",
}
# a request's code, where it stands, then the form's questions in the form's order
SUPPORT_COLUMNS = {
    kind: (
        Column("support_admin.col_code", 14),
        Column("support_admin.col_status", 14),
        Column("support_admin.col_created_at", 17, DATETIME),
        Column("support_admin.col_assignee", 18),
        Column("support_admin.col_answer", 40),
        *(Column(f.label, 24, TEXT if f.name in ("tax_code", "phone") else None)
          for f in form.fields),
    )
    for kind, form in support.FORMS.items()
}


async def write_workbook(
    session: AsyncSession, out: BinaryIO, texts: Texts, tz: ZoneInfo,
    now: datetime | None = None,
) -> dict[str, int]:
    """Write the export as one .xlsx to ``out``.

    Args:
        session: A database session; only read from.
        out: A binary file (or BytesIO) to write the workbook to.
        texts: The Vietnamese texts (sheet titles, headers, statuses).
        tz: The local time zone the dates are shown in.
        now: The current time, which decides what is overdue (default: the system clock).

    Returns:
        The number of data rows per sheet: keys ``registrations``, ``members``, ``agencies``,
        ``consents``, then one per kind of support request (``training``, ``guidance``…).
    """
    today = (now or datetime.now(UTC)).astimezone(tz).date()
    workbook = Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                              "strings_to_urls": False, "strings_to_numbers": False})
    counts = {
        "registrations": await _registrations(session, workbook, texts, tz),
        "members": await _members(session, workbook, texts, tz),
        "agencies": await _agencies(session, workbook, texts, tz, today),
        "consents": await _consents(session, workbook, texts, tz),
    }
    for kind in support.FORMS:
        counts[kind] = await _support_requests(session, workbook, texts, tz, today, kind)
    await asyncio.to_thread(workbook.close)
    return counts


class _Sheet:
    """A sheet written row by row: column widths, a bold frozen header row, the rows, then an
    autofilter over everything written."""

    def __init__(self, workbook: Workbook, texts: Texts, title: str, columns: tuple[Column, ...]):
        self.ws = workbook.add_worksheet(str(texts(title)))
        self.columns = columns
        self.formats = [
            workbook.add_format({"num_format": c.number_format}) if c.number_format else None
            for c in columns
        ]
        self.rows = 0
        bold = workbook.add_format({"bold": True})
        for index, column in enumerate(columns):
            header = str(texts(column.header))
            self.ws.set_column(index, index, max(column.width, len(header) + 2))
            self.ws.write_string(0, index, header, bold)
        self.ws.freeze_panes(1, 0)

    def append(self, values: Iterable[Any]) -> None:
        self.rows += 1
        for index, value in enumerate(values):
            if value is None or value == "":
                continue
            form = self.formats[index]
            if isinstance(value, str):  # typed by people: kept as text, never a formula
                self.ws.write_string(self.rows, index, CONTROL_CHARACTERS.sub("", value), form)
            elif isinstance(value, datetime | date):
                self.ws.write_datetime(self.rows, index, value, form)
            else:
                self.ws.write_number(self.rows, index, value, form)

    def close(self) -> int:
        """Set the autofilter over the header and the rows, and return the row count."""
        self.ws.autofilter(0, 0, self.rows, len(self.columns) - 1)
        return self.rows


async def _registrations(
    session: AsyncSession, workbook: Workbook, texts: Texts, tz: ZoneInfo
) -> int:
    sheet = _Sheet(workbook, texts, "export.sheet_registrations", REGISTRATION_COLUMNS)
    status = _words(texts, REGISTRATION_STATUS)
    query = (
        select(
            Registration.code, TrainingClass.title, ClassSession.starts_at, Registration.status,
            Registration.attendees, Registration.company, Registration.tax_code,
            Registration.commune, Registration.region, Registration.locality,
            Registration.sector, Registration.contact_name,
            Registration.position, Registration.phone, Registration.email,
            Registration.created_at,
        )
        .join(TrainingClass, TrainingClass.id == Registration.class_id)
        .outerjoin(ClassSession, ClassSession.id == Registration.session_id)
        .order_by(TrainingClass.position, Registration.id)
    )
    return await _fill(session, sheet, query, lambda row: (
        row.code, row.title, _local(row.starts_at, tz), status.get(row.status, row.status),
        row.attendees, row.company, shown("tax_code", row.tax_code),
        row.commune, shown("region", row.region), shown("locality", row.locality),
        shown("sector", row.sector),
        row.contact_name, row.position, shown("phone", row.phone), row.email,
        _local(row.created_at, tz),
    ))


async def _members(session: AsyncSession, workbook: Workbook, texts: Texts, tz: ZoneInfo) -> int:
    sheet = _Sheet(workbook, texts, "export.sheet_members", MEMBER_COLUMNS)
    status = _words(texts, MEMBER_STATUS)
    query = select(
        ClubMembership.code, ClubMembership.school, ClubMembership.status,
        ClubMembership.full_name, ClubMembership.student_id, ClubMembership.class_name,
        ClubMembership.phone, ClubMembership.email, ClubMembership.created_at,
    ).order_by(ClubMembership.school, ClubMembership.id)
    return await _fill(session, sheet, query, lambda row: (
        row.code, choice_name("schools", row.school), status.get(row.status, row.status),
        row.full_name, row.student_id, row.class_name, shown("phone", row.phone),
        row.email, _local(row.created_at, tz),
    ))


async def _agencies(
    session: AsyncSession, workbook: Workbook, texts: Texts, tz: ZoneInfo, today: date
) -> int:
    """One row per deadline (closed ones too: their history stays) × agency it addresses on
    its due date (a few hundred rows, so the storage functions are used as they are)."""
    sheet = _Sheet(workbook, texts, "export.sheet_agencies", AGENCY_COLUMNS)
    groups = _words(texts, AGENCY_GROUP)
    officer_counts: dict[str, int] = {}
    for deadline in await agencies.deadlines(session, active_only=False):
        acks = await agencies.acknowledgements(session, deadline.id)
        for agency in await agencies.targets_on(session, deadline.targets, deadline.due_date):
            if agency.id not in officer_counts:
                officer_counts[agency.id] = len(await agencies.officers(session, agency.id))
            ack = acks.get(agency.id)
            if ack is not None:
                status = "export.status.acknowledged"
            elif not deadline.active:
                status = "export.status.closed"
            elif deadline.due_date < today:
                status = "export.status.overdue"
            else:
                status = "export.status.pending"
            sheet.append((
                deadline.title, deadline.due_date, agency.name,
                groups.get(agency.group, agency.group), str(texts(status)),
                _local(ack.at, tz) if ack else None, officer_counts[agency.id],
            ))
    return sheet.close()


async def _consents(
    session: AsyncSession, workbook: Workbook, texts: Texts, tz: ZoneInfo
) -> int:
    sheet = _Sheet(workbook, texts, "export.sheet_consents", CONSENT_COLUMNS)
    actions = _words(texts, CONSENT_ACTION)
    purposes = _words(texts, PURPOSE_TEXT)
    query = select(
        ConsentEvent.at, ConsentEvent.contact_id, ConsentEvent.channel, ConsentEvent.action,
        ConsentEvent.purposes_granted, ConsentEvent.purposes_refused, ConsentEvent.text_version,
        ConsentEvent.text_sha256,
    ).order_by(ConsentEvent.id)
    return await _fill(session, sheet, query, lambda row: (
        _local(row.at, tz), row.contact_id, row.channel, actions.get(row.action, row.action),
        ", ".join(purposes.get(p, p) for p in row.purposes_granted),
        ", ".join(purposes.get(p, p) for p in row.purposes_refused),
        row.text_version, row.text_sha256,
    ))


async def _support_requests(
    session: AsyncSession, workbook: Workbook, texts: Texts, tz: ZoneInfo, today: date,
    kind: str,
) -> int:
    """One sheet per kind of request; choices by their labels, as the person chose them."""
    sheet = _Sheet(workbook, texts, SUPPORT_SHEET[kind], SUPPORT_COLUMNS[kind])
    status = _words(texts, support.STATUS_TEXT)
    fields = support.FORMS[kind].fields
    labels = await support.choice_labels(session, texts, today, kind)
    query = select(SupportRequest).where(SupportRequest.kind == kind).order_by(SupportRequest.id)

    def convert(found) -> tuple:
        row, answers = found[0], found[0].answers or {}
        return (
            row.code, status.get(row.status, row.status), _local(row.created_at, tz),
            row.assignee, row.answer,
            *(support.shown_value(f, answers.get(f.name), labels) for f in fields),
        )

    return await _fill(session, sheet, query, convert)


async def _fill(
    session: AsyncSession, sheet: _Sheet, query: Select, convert: Callable[[Any], tuple]
) -> int:
    """Write the rows of ``query``, fetched ``YIELD_PER`` at a time (memory holds one batch,
    never the whole table), yielding to the event loop every ``SLICE_SECONDS``."""
    result = await session.stream(query.execution_options(yield_per=YIELD_PER))
    until = time.perf_counter() + SLICE_SECONDS
    async for rows in result.partitions():
        for row in rows:
            sheet.append(convert(row))
            if time.perf_counter() >= until:
                await asyncio.sleep(0)
                until = time.perf_counter() + SLICE_SECONDS
    return sheet.close()


def _words(texts: Texts, keys: dict[str, str]) -> dict[str, str]:
    """Stored value → its Vietnamese word, looked up once per export rather than per row."""
    return {value: str(texts(key)) for value, key in keys.items()}


def _local(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    """An aware moment as the naive local datetime Excel shows."""
    return moment.astimezone(tz).replace(tzinfo=None) if moment else None
