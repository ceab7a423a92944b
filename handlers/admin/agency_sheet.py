"""The agency list as a spreadsheet the admins edit: one row per agency, ended ones included.
Written with XlsxWriter, read back with openpyxl; an import is all or nothing."""

import io
import re
from collections import Counter
from datetime import date, datetime

import openpyxl
from sqlalchemy.ext.asyncio import AsyncSession
from xlsxwriter import Workbook

from handlers.agency_groups import GROUPS, KIND_OF_GROUP
from messages.loader import Texts
from storage import agencies, agency_list
from storage.agencies import AgencyInfo

COLUMNS = (  # (header text key, width)
    ("export.agency_list.id", 22), ("export.agency_list.name", 50),
    ("export.agency_list.short", 22), ("export.agency_list.kind", 10),
    ("export.agency_list.group", 18), ("export.agency_list.valid_from", 14),
    ("export.agency_list.valid_to", 14), ("export.agency_list.successors", 30),
)
AGENCY_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


class SheetProblems(Exception):
    """Rows that cannot be imported: (row number, text key, values) each."""

    def __init__(self, problems: list[tuple[int, str, dict]]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def write(texts: Texts, rows: list[AgencyInfo]) -> bytes:
    out = io.BytesIO()
    book = Workbook(out, {"strings_to_formulas": False, "strings_to_urls": False,
                          "strings_to_numbers": False})
    sheet = book.add_worksheet(str(texts("export.agency_list.sheet")))
    bold, day = book.add_format({"bold": True}), book.add_format({"num_format": "dd/mm/yyyy"})
    for index, (header, width) in enumerate(COLUMNS):
        sheet.set_column(index, index, width)
        sheet.write_string(0, index, str(texts(header)), bold)
    for number, a in enumerate(rows, start=1):
        for index, value in enumerate((a.id, a.name, a.short_name, a.kind, a.group)):
            sheet.write_string(number, index, value)
        for index, value in ((5, a.valid_from), (6, a.valid_to)):
            if value is not None:
                sheet.write_datetime(number, index, datetime.combine(value, datetime.min.time()),
                                     day)
        if a.successor_ids:
            sheet.write_string(number, 7, ", ".join(a.successor_ids))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(rows), len(COLUMNS) - 1)
    book.close()
    return out.getvalue()


def read(texts: Texts, content: bytes, known_ids: set[str]) -> list[AgencyInfo]:
    """The rows of a sheet written by ``write`` (and edited); raises SheetProblems."""
    try:
        sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True,
                                       data_only=True).worksheets[0]
    except Exception:  # openpyxl raises many kinds for a file that is not an xlsx
        raise SheetProblems([(0, "admin.ag_import_not_xlsx", {})]) from None
    lines = list(sheet.iter_rows(values_only=True))
    headers = [str(texts(key)) for key, _ in COLUMNS]
    if not lines or [str(v or "") for v in lines[0][:len(headers)]] != headers:
        raise SheetProblems([(1, "admin.ag_import_headers", {})])
    problems, found = [], {}
    rows = [(number, values) for number, values in enumerate(lines[1:], start=2)
            if any(value not in (None, "") for value in values)]
    ids = known_ids | {str(r[0]).strip() for _, r in rows if r[0]}
    for number, values in rows:
        row_problems = []
        info = _row(values, ids, row_problems)
        if info is not None and info.id in found:
            row_problems.append(("admin.ag_import_duplicate", {"value": info.id}))
        problems += [(number, key, found_values) for key, found_values in row_problems]
        if info is not None:
            found[info.id] = info
    if problems:
        raise SheetProblems(problems)
    return list(found.values())


def _row(values: tuple, ids: set[str], problems: list) -> AgencyInfo | None:
    cells = [("" if v is None else v) for v in (*values, *[None] * len(COLUMNS))][:len(COLUMNS)]
    agency_id, name, short, kind, group = (str(v).strip() for v in cells[:5])
    if not AGENCY_ID.fullmatch(agency_id):
        problems.append(("admin.ag_import_bad_id", {"value": agency_id}))
    if not name or len(name) > 200 or not short or len(short) > 80:
        problems.append(("admin.ag_import_names", {}))
    if group not in dict(GROUPS):
        problems.append(("admin.ag_import_bad_group", {"value": group}))
    start, end = (_day(cells[index], problems) for index in (5, 6))
    if start and end and end < start:
        problems.append(("admin.ag_import_end_before_start", {}))
    successors = [s.strip() for s in str(cells[7]).split(",") if s.strip()]
    for unknown in [s for s in successors if s not in ids]:
        problems.append(("admin.ag_import_bad_successor", {"value": unknown}))
    if problems:
        return None
    return AgencyInfo(agency_id, name, short, group, kind[:16] or KIND_OF_GROUP[group], start,
                      end, successors)


def _day(value, problems: list) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime | date):
        return value.date() if isinstance(value, datetime) else value
    try:
        return datetime.strptime(str(value).strip(), "%d/%m/%Y").date()
    except ValueError:
        problems.append(("admin.ag_import_bad_date", {"value": str(value)}))
        return None


async def import_rows(session: AsyncSession, rows: list[AgencyInfo]) -> Counter:
    """Save every row; agencies missing from the sheet stay as they are (never deleted)."""
    outcome = Counter()
    for info in rows:
        outcome[await agency_list.save(session, info)] += 1
    return outcome


async def known_ids(session: AsyncSession) -> set[str]:
    return {a.id for a in await agencies.every_agency(session)}
