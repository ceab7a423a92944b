"""`python -m bot admin …`: the operator's commands on the server. They run the same admin
handlers as the chat menu, as the operator "console:operator", and are audited the same way."""

import asyncio
from pathlib import Path

from bot.channels.text import plain, render
from bot.offline_turn import one_turn
from bot.settings import Settings
from bot.wiring import build_core, migrate
from handlers.actions import Export, Stats
from handlers.admin import agency_sheet
from handlers.admin.people import parse_admin_id
from handlers.context import BotConfig
from handlers.dispatcher import utcnow
from handlers.forms.spec import Invalid
from handlers.turn import Incoming, Reply
from storage import admins, agencies

OPERATOR = "console:operator"


def add_parser(commands) -> None:
    admin = commands.add_parser("admin", help="công cụ quản trị trên máy chủ")
    actions = admin.add_subparsers(dest="action", metavar="VIỆC", required=True)
    actions.add_parser("stats", help="in thống kê")
    export = actions.add_parser("export", help="xuất dữ liệu ra tệp Excel")
    export.add_argument("--out", required=True, type=Path, help="đường dẫn tệp .xlsx")
    add = actions.add_parser("add-admin", help="thêm quản trị viên, ví dụ telegram:123")
    add.add_argument("admin_id")
    actions.add_parser("agencies", help="liệt kê cơ quan, đơn vị nhận nhắc hạn báo cáo")
    sheet = actions.add_parser("export-agencies", help="xuất danh sách cơ quan ra tệp Excel")
    sheet.add_argument("--out", required=True, type=Path, help="đường dẫn tệp .xlsx")
    load = actions.add_parser("import-agencies", help="nhập danh sách cơ quan từ tệp Excel")
    load.add_argument("file", type=Path, help="tệp .xlsx đã xuất rồi sửa")
    code = actions.add_parser("link-code", help="tạo mã liên kết cho cán bộ một cơ quan")
    code.add_argument("agency", help="mã cơ quan, ví dụ so-y-te")


def run(settings: Settings, args) -> int:
    migrate(settings)
    return asyncio.run(_run(settings, args))


async def _run(settings: Settings, args) -> int:
    core = build_core(settings)
    try:
        if args.action == "stats":
            print("\n\n".join(render(await as_operator(core, Stats().pack()))))
        elif args.action == "export":
            replies = await as_operator(core, Export().pack())
            args.out.write_bytes(replies[0].document.content)
            print(plain(replies[0].text))
        elif args.action == "add-admin":
            return await _add_admin(core, args.admin_id)
        elif args.action == "export-agencies":
            replies = await as_operator(core, "adm:ag:xlsx")
            args.out.write_bytes(replies[0].document.content)
            print(plain(replies[0].text))
        elif args.action == "import-agencies":
            return await _import_agencies(core, args.file.read_bytes())
        elif args.action == "agencies":
            async with core.sessionmaker() as session:
                for agency in await agencies.active_on(session, utcnow().date()):
                    print(f"{agency.id:20} {agency.group:15} {agency.name}")
        else:
            return await _link_code(core, args.agency)
        return 0
    finally:
        await core.close()


async def as_operator(core, payload: str) -> list[Reply]:
    """Run an admin payload as the operator, in one committed transaction."""
    config = BotConfig(admins=frozenset({OPERATOR}), tz=core.settings.tz)
    channel, _, user = OPERATOR.partition(":")
    incoming = Incoming(channel=channel, user_id=user, chat_id=user, payload=payload)
    return await one_turn(core, incoming, config, commit=True)


async def _add_admin(core, admin_id: str) -> int:
    try:
        admin_id = parse_admin_id(admin_id)
    except Invalid:
        print(plain(core.texts("admin.admins_bad_id")))
        return 2
    async with core.sessionmaker.begin() as session:
        added = await admins.add(session, admin_id, OPERATOR, utcnow())
        if added:
            await admins.audit(session, OPERATOR, "admin_add", {"admin": admin_id}, utcnow())
    key = "admin.admins_added_ok" if added else "admin.admins_exists"
    print(plain(core.texts(key, admin=admin_id)))
    return 0


async def _link_code(core, agency_id: str) -> int:
    async with core.sessionmaker.begin() as session:
        agency = await agencies.get(session, agency_id)
        if agency is None:
            print(plain(core.texts("cli.unknown_agency", agency=agency_id)))
            return 2
        code = await agencies.new_link_code(session, agency.id, OPERATOR, utcnow())
        await admins.audit(session, OPERATOR, "link_code", {"agency": agency.id}, utcnow())
    print(plain(core.texts("admin.code_created", agency=agency.name, code=code)))
    return 0


async def _import_agencies(core, content: bytes) -> int:
    """All rows or none: a sheet with a bad row changes nothing and says which rows."""
    async with core.sessionmaker.begin() as session:
        try:
            found = agency_sheet.read(core.texts, content, await agency_sheet.known_ids(session))
        except agency_sheet.SheetProblems as failed:
            print(plain(core.texts("admin.ag_import_failed")))
            for row, key, values in failed.problems:
                problem = core.texts(key, **values)
                print(plain(core.texts("admin.ag_import_row", row=row, problem=problem)))
            return 2
        outcome = await agency_sheet.import_rows(session, found)
        await admins.audit(session, OPERATOR, "agency_import", dict(outcome), utcnow())
    print(plain(core.texts("admin.ag_imported", added=outcome["added"],
                           updated=outcome["updated"], unchanged=outcome["unchanged"])))
    return 0
