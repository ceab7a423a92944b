"""The admins' Excel export, read back with openpyxl: sheets, headers, rows, text cells that keep
their leading zeros, real dates, frozen header, autofilter, erased rows, agency statuses."""

from datetime import date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from handlers.admin_export import (
    AGENCY_COLUMNS,
    CONSENT_COLUMNS,
    MEMBER_COLUMNS,
    REGISTRATION_COLUMNS,
    SUPPORT_COLUMNS,
    SUPPORT_SHEET,
    write_workbook,
)
from storage import agencies, agency_list, clubs, consents, contacts, registrations, support
from tests.dialogue.helpers import valid_tax_code

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SHEETS = (
    ("export.sheet_registrations", REGISTRATION_COLUMNS),
    ("export.sheet_members", MEMBER_COLUMNS),
    ("export.sheet_agencies", AGENCY_COLUMNS),
    ("export.sheet_consents", CONSENT_COLUMNS),
    *((SUPPORT_SHEET[kind], SUPPORT_COLUMNS[kind]) for kind in SUPPORT_SHEET),
)


def enterprise(tax_code: str, **fields) -> dict:
    return {
        "company": "Công ty TNHH Ánh Dương", "tax_code": tax_code, "locality": "tp-tam-ky",
        "commune": "phường Tam Kỳ", "region": "quang-nam",
        "sector": "thuong-mai", "contact_name": "Nguyễn Văn An", "position": "Giám đốc",
        "phone": "+84905123456", "email": "an@anhduong.vn", **fields,
    }


async def build_data(sessionmaker, now: datetime) -> dict:
    """Registrations in every status (one erased), a club member, consents and deadlines."""
    async with sessionmaker.begin() as session:
        people = [
            (await contacts.touch(session, "telegram", f"u{i}", f"u{i}", None, now)).id
            for i in range(1, 6)
        ]
        lop1 = await registrations.class_by_code(session, "lop1")
        lop2 = await registrations.class_by_code(session, "lop2")
        await registrations.add_session(
            session, lop1.id, now + timedelta(days=10), "Hội trường Sở KH&CN", 3, now
        )
        confirmed = await registrations.register(
            session, people[0], lop1.id, 2, enterprise("0100233488"), now
        )
        waitlisted = await registrations.register(
            session, people[1], lop1.id, 2, enterprise(valid_tax_code(1)), now
        )
        dropped = await registrations.register(
            session, people[2], lop1.id, 1, enterprise(valid_tax_code(2)), now
        )
        await registrations.cancel(session, dropped.id, now)
        branch = await registrations.register(
            session, people[3], lop2.id, 1,
            enterprise("0314409058002", company="=HYPERLINK(\"http://x\")"), now,
        )
        erased = await registrations.register(
            session, people[4], lop2.id, 1, enterprise(valid_tax_code(3)), now
        )
        await registrations.erase_personal_fields(session, people[4], now)

        await clubs.join(session, people[0], "dhqn", {
            "full_name": "Trần Thị Bình", "student_id": "0123456", "class_name": "K20 Tin học",
            "phone": "+84912345678", "email": None,
        }, now)
        await clubs.join(session, people[4], "cdqn", {"full_name": "Lê Văn Cường"}, now)
        await clubs.erase_personal_fields(session, people[4], now)

        await consents.record(session, people[0], "grant", ["registration", "news"], [],
                              "2026.1", "a" * 64, "telegram", "1", now)
        await consents.record(session, people[1], "grant", ["registration"], ["news"],
                              "2026.1", "a" * 64, "telegram", "2", now)
        await consents.record(session, people[1], "withdraw", [], ["news", "registration"],
                              "2026.1", "", "telegram", "3", now + timedelta(hours=1))

        today = now.astimezone(TZ).date()
        for agency_id, name, short in (("so-y-te-dn", "Sở Y tế", "SYT"),
                                       ("so-kh-cn-dn", "Sở Khoa học và Công nghệ", "Sở KH&CN")):
            await agency_list.save(session, agencies.AgencyInfo(
                agency_id, name, short, "so-ban-nganh", "so", date(2025, 7, 1)))
        past = await agencies.add_deadline(
            session, "Báo cáo quý IV", today - timedelta(days=3), ["so-y-te-dn", "so-kh-cn-dn"],
            now,
        )
        future = await agencies.add_deadline(
            session, "Báo cáo năm", today + timedelta(days=20), ["phoi-hop"], now
        )
        await agencies.acknowledge(session, past.id, "so-kh-cn-dn", now,
                                   by_admin="console:admin")
        code = await agencies.new_link_code(session, "so-kh-cn-dn", "console:admin", now)
        await agencies.link(session, code, people[0], now)
        agency_rows = 0
        for deadline in await agencies.deadlines(session, active_only=False):
            agency_rows += len(await agencies.targets_on(session, deadline.targets,
                                                          deadline.due_date))
    return {
        "confirmed": confirmed.code, "waitlisted": waitlisted.code, "dropped": dropped.code,
        "branch": branch.code, "erased": erased.code, "agency_rows": agency_rows,
        "past_due": past.due_date, "future_title": future.title,
    }


async def export(sessionmaker, texts, now: datetime):
    out = BytesIO()
    async with sessionmaker() as session:
        counts = await write_workbook(session, out, texts, TZ, now=now)
    out.seek(0)
    return counts, load_workbook(out)


def sheet_rows(workbook, texts, title: str, columns) -> list[dict]:
    """The data rows of a sheet, each as {column header key: cell}."""
    keys = [column.header for column in columns]
    return [
        dict(zip(keys, row, strict=True))
        for row in workbook[texts(title)].iter_rows(min_row=2)
    ]


def by_code(rows: list[dict], key: str) -> dict:
    return {row[key].value: row for row in rows}


@pytest.fixture
async def exported(sessionmaker, texts, clock):
    data = await build_data(sessionmaker, clock.now)
    counts, workbook = await export(sessionmaker, texts, clock.now)
    return data, counts, workbook


async def test_sheets_headers_and_row_counts(exported, texts):
    data, counts, workbook = exported
    assert workbook.sheetnames == [texts(title) for title, _ in SHEETS]
    assert counts == {"registrations": 5, "members": 2, "agencies": data["agency_rows"],
                      "consents": 3, "training": 0, "guidance": 0, "award": 0, "sttask": 0}
    for (title, columns), rows in zip(SHEETS, counts.values(), strict=True):
        ws = workbook[texts(title)]
        header = next(ws.iter_rows(max_row=1))
        assert [cell.value for cell in header] == [texts(c.header) for c in columns]
        assert all(cell.font.bold for cell in header)
        assert ws.max_row == rows + 1
        assert ws.freeze_panes == "A2"
        last = chr(ord("A") + len(columns) - 1)
        assert ws.auto_filter.ref == f"A1:{last}{rows + 1}"
        widths = {  # adjacent columns of one width are stored as one range
            number: dimension.width for dimension in ws.column_dimensions.values()
            for number in range(dimension.min, dimension.max + 1)
        }
        for index, column in enumerate(columns, 1):
            assert widths[index] >= max(column.width, len(texts(column.header)))


async def test_text_cells_keep_leading_zeros_and_dates_are_dates(exported, texts):
    data, _, workbook = exported
    regs = by_code(sheet_rows(workbook, texts, "export.sheet_registrations",
                              REGISTRATION_COLUMNS), "export.reg.code")
    row = regs[data["confirmed"]]
    tax, phone = row["export.reg.tax_code"], row["export.reg.phone"]
    assert tax.value == "0100233488" and tax.data_type == "s" and tax.number_format == "@"
    assert phone.value == "0905 123 456" and phone.data_type == "s"
    assert phone.number_format == "@"
    assert row["export.reg.status"].value == "đã có chỗ"
    assert row["export.reg.attendees"].value == 2
    assert row["export.reg.locality"].value == "Thành phố Tam Kỳ"  # as stored before 2025
    assert row["export.reg.commune"].value == "phường Tam Kỳ"
    assert row["export.reg.region"].value == "Quảng Nam (cũ)"
    assert row["export.reg.sector"].value == "Thương mại, dịch vụ"
    starts, created = row["export.reg.session"], row["export.reg.created_at"]
    assert starts.is_date and starts.number_format == "dd/mm/yyyy hh:mm"
    assert starts.value == datetime(2026, 12, 7, 9, 0)  # 02:00 UTC is 09:00 in Việt Nam
    assert created.is_date and created.value == datetime(2026, 11, 27, 9, 0)
    waitlisted_tax = regs[data["waitlisted"]]["export.reg.tax_code"].value
    assert waitlisted_tax == valid_tax_code(1) and waitlisted_tax.startswith("00")

    branch = regs[data["branch"]]
    assert branch["export.reg.tax_code"].value == "0314409058-002"
    company = branch["export.reg.company"]  # a formula typed by someone stays text
    assert company.value == '=HYPERLINK("http://x")' and company.data_type == "s"
    assert branch["export.reg.session"].value is None
    assert branch["export.reg.status"].value == "quan tâm"

    members = by_code(sheet_rows(workbook, texts, "export.sheet_members", MEMBER_COLUMNS),
                      "export.member.code")
    member = members["CLB-DH-0001"]
    assert [cell.value for cell in list(member.values())[:8]] == [
        "CLB-DH-0001", "Trường Đại học Quảng Nam", "đang tham gia", "Trần Thị Bình", "0123456",
        "K20 Tin học", "0912 345 678", None,
    ]
    assert member["export.member.student_id"].data_type == "s"
    assert member["export.member.student_id"].number_format == "@"
    assert member["export.member.joined_at"].number_format == "dd/mm/yyyy hh:mm"


async def test_statuses_are_vietnamese_and_erased_rows_are_empty(exported, texts):
    data, _, workbook = exported
    regs = by_code(sheet_rows(workbook, texts, "export.sheet_registrations",
                              REGISTRATION_COLUMNS), "export.reg.code")
    assert regs[data["waitlisted"]]["export.reg.status"].value == "danh sách chờ"
    assert regs[data["dropped"]]["export.reg.status"].value == "đã hủy"
    erased = {key: cell.value for key, cell in regs[data["erased"]].items()}
    personal = ("company", "tax_code", "locality", "commune", "region", "sector",
                "contact_name", "position", "phone", "email")
    assert [erased[f"export.reg.{name}"] for name in personal] == [None] * len(personal)
    assert erased["export.reg.status"] == "quan tâm" and erased["export.reg.attendees"] == 1
    assert isinstance(erased["export.reg.created_at"], datetime)

    members = by_code(sheet_rows(workbook, texts, "export.sheet_members", MEMBER_COLUMNS),
                      "export.member.code")
    left = [cell.value for cell in list(members["CLB-CD-0002"].values())[2:8]]
    assert left == ["đã rời", None, None, None, None, None]

    events = sheet_rows(workbook, texts, "export.sheet_consents", CONSENT_COLUMNS)
    assert [e["export.consent.action"].value for e in events] == ["đồng ý", "đồng ý", "rút lại"]
    first = events[0]
    purposes = [texts("privacy.purpose_news"), texts("privacy.purpose_registration")]
    assert first["export.consent.granted"].value == ", ".join(purposes)
    assert first["export.consent.refused"].value is None
    assert first["export.consent.at"].is_date
    assert first["export.consent.text_sha256"].value == "a" * 64


async def test_agency_status_per_deadline(exported, texts):
    data, _, workbook = exported
    rows = sheet_rows(workbook, texts, "export.sheet_agencies", AGENCY_COLUMNS)
    by_agency = {
        (row["export.agency.deadline"].value, row["export.agency.name"].value): row
        for row in rows
    }
    reported = by_agency[("Báo cáo quý IV", "Sở Khoa học và Công nghệ")]
    assert reported["export.agency.status"].value == "đã xác nhận"
    assert reported["export.agency.officers"].value == 1
    acknowledged_at = reported["export.agency.acknowledged_at"]
    assert acknowledged_at.is_date and acknowledged_at.value == datetime(2026, 11, 27, 9, 0)

    late = by_agency[("Báo cáo quý IV", "Sở Y tế")]
    assert late["export.agency.status"].value == "quá hạn"
    assert late["export.agency.acknowledged_at"].value is None
    assert late["export.agency.officers"].value == 0
    due = late["export.agency.due_date"]
    assert due.is_date and due.number_format == "dd/mm/yyyy"
    assert due.value == datetime.combine(data["past_due"], datetime.min.time())

    upcoming = [row for (title, _), row in by_agency.items() if title == data["future_title"]]
    assert upcoming
    assert {row["export.agency.status"].value for row in upcoming} == {"chưa xác nhận"}
    assert {row["export.agency.group"].value for row in upcoming} == {"Cơ quan phối hợp"}
    seeded = [row for (title, _), row in by_agency.items() if "1349" in title]  # due 30/11/2023
    assert seeded  # closed, with its history: not called overdue
    assert {row["export.agency.status"].value for row in seeded} == {"chưa xác nhận, hạn đã đóng"}


async def test_an_empty_database_exports_headers_only(sessionmaker, texts, clock):
    counts, workbook = await export(sessionmaker, texts, clock.now)
    assert counts["registrations"] == counts["members"] == counts["consents"] == 0
    ws = workbook[texts("export.sheet_registrations")]
    assert ws.max_row == 1 and ws.auto_filter.ref == "A1:P1"


def test_sheet_titles_are_valid_excel_names(texts):
    for title, _ in SHEETS:
        name = texts(title)
        assert len(name) <= 31 and not set(name) & set("[]:*?/\\")


async def test_each_kind_of_support_request_has_its_own_sheet(sessionmaker, texts, clock):
    now = clock.now
    async with sessionmaker.begin() as session:
        person = (await contacts.touch(session, "zalo", "z1", "z1", None, now)).id
        other = (await contacts.touch(session, "web", "w1", "w1", None, now)).id
        guidance = await support.create(session, "guidance", person, {
            "company": "Công ty TNHH Ánh Dương", "tax_code": "0100233488",
            "contact_name": "Nguyễn Văn An", "phone": "+84905123456", "topic": "cong-cu",
            "detail": "5S", "situation": "Chưa áp dụng", "wish": "Tư vấn",
            "reach_by": "visit"}, 2026, now)
        await support.reply(session, guidance.id, "Sở sẽ liên hệ", now)
        await support.create(session, "sttask", person, {
            "company": "HTX Bình Minh", "title": "Ứng dụng Lean", "budget": "500-1000",
            "duration": "24"}, 2026, now)
        erased = await support.create(session, "sttask", other, {"company": "Công ty X"},
                                      2026, now)
        await support.erase_personal_fields(session, other, now)
    counts, workbook = await export(sessionmaker, texts, now)
    assert (counts["training"], counts["guidance"], counts["award"], counts["sttask"]) == \
        (0, 1, 0, 2)
    columns = SUPPORT_COLUMNS["guidance"]
    (row,) = sheet_rows(workbook, texts, SUPPORT_SHEET["guidance"], columns)
    assert row["support_admin.col_code"].value == "HT-2026-0001"
    assert row["support_admin.col_status"].value == "đã phản hồi"
    assert row["support_admin.col_answer"].value == "Sở sẽ liên hệ"
    assert row["registration.label_tax_code"].value == "0100233488"  # text: the zero stays
    assert row["registration.label_phone"].value == "0905 123 456"
    assert row["support.label_topic"].value.startswith("Công cụ cải tiến năng suất")
    assert row["support.label_reach_by"].value == "Gặp trực tiếp tại doanh nghiệp"
    tasks = by_code(sheet_rows(workbook, texts, SUPPORT_SHEET["sttask"],
                               SUPPORT_COLUMNS["sttask"]), "support_admin.col_code")
    assert tasks["NV-2026-0001"]["support.label_budget"].value == "Từ 500 triệu đến 1 tỷ đồng"
    assert tasks["NV-2026-0001"]["support.label_duration"].value == "Từ 12 đến 24 tháng"
    assert tasks[erased.code]["support.label_organisation"].value is None
    assert tasks[erased.code]["support_admin.col_status"].value == "đã đóng"
