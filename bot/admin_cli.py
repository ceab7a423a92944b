"""`python -m bot admin …`: the operator's commands on the server (the same data the admin chat
menu manages)."""

import asyncio

from bot.channels.text import plain
from bot.settings import Settings
from bot.wiring import build_core, migrate
from handlers.dispatcher import utcnow
from storage import agencies


def add_parser(commands) -> None:
    admin = commands.add_parser("admin", help="công cụ quản trị trên máy chủ")
    actions = admin.add_subparsers(dest="action", metavar="VIỆC", required=True)
    actions.add_parser("agencies", help="liệt kê cơ quan, đơn vị nhận nhắc hạn báo cáo")
    code = actions.add_parser("link-code", help="tạo mã liên kết cho cán bộ một cơ quan")
    code.add_argument("agency", help="mã cơ quan, ví dụ so-y-te")


def run(settings: Settings, args) -> int:
    migrate(settings)
    return asyncio.run(_run(settings, args))


async def _run(settings: Settings, args) -> int:
    core = build_core(settings)
    try:
        async with core.sessionmaker.begin() as session:
            if args.action == "agencies":
                for agency in await agencies.active_on(session, utcnow().date()):
                    print(f"{agency.id:20} {agency.group:15} {agency.name}")
                return 0
            agency = await agencies.get(session, args.agency)
            if agency is None:
                print(plain(core.texts("cli.unknown_agency", agency=args.agency)))
                return 2
            code = await agencies.new_link_code(session, agency.id, "cli", utcnow())
        print(plain(core.texts("cli.link_code", agency=agency.name, code=code)))
        return 0
    finally:
        await core.close()
