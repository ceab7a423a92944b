"""`python -m bot run | chat | ask | db … | admin …` — parses the command line and calls the
factories."""

import argparse
import asyncio
import sys

from bot import admin_cli, app, ask, db_cli
from bot.settings import Settings, SettingsError, load_settings


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m bot", description="Chatbot Kế hoạch 1349/KH-UBND (Quảng Nam)."
    )
    commands = root.add_subparsers(dest="command", metavar="LỆNH")
    commands.add_parser("run", help="chạy bot: mọi kênh đã cấu hình, lịch nhắc, máy chủ web")
    chat = commands.add_parser("chat", help="trò chuyện với bot ngay trong terminal")
    chat.add_argument("--user", default="local", help="mã người dùng (mỗi mã là một người)")
    chat.add_argument("--name", default=None, help="tên hiển thị")
    question = commands.add_parser("ask", help="in câu trả lời của bot cho một câu hỏi")
    question.add_argument("question", nargs="?", help="câu hỏi (có dấu hoặc không dấu)")
    question.add_argument("--jsonl", action="store_true",
                          help="đọc mỗi dòng stdin một câu hỏi, in mỗi dòng một JSON")
    db_cli.add_parser(commands)
    admin_cli.add_parser(commands)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return start(args, load_settings())
    except SettingsError as problem:  # a bad setting, or a port that cannot be opened
        print(problem, file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl+C before the chat listens for it, or a second one
        return 130


def start(args: argparse.Namespace, settings: Settings) -> int:
    command = args.command or "run"
    if command == "db" and args.action in ("backup", "restore"):
        return db_cli.run(settings, args)
    with db_cli.in_use(settings.database_url):  # a restore refuses meanwhile
        if command == "db":
            app.migrate_only(settings)
            return 0
        if command == "ask":
            return ask.run(settings, args.question, args.jsonl)
        if command == "admin":
            return admin_cli.run(settings, args)
        if command == "chat":
            return asyncio.run(app.chat(settings, user_id=args.user, name=args.name))
        return asyncio.run(app.run(settings))


if __name__ == "__main__":
    sys.exit(main())
