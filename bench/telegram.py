"""Measure Telegram throughput: our adapter and dialogues versus a plain PTB echo bot.

Everything runs offline in one process: a fake Bot API (``tests/fakes/telegram_server.py``) on
127.0.0.1, and N simulated users talking to the bot at the same time. Each user waits for the
bot's answer before its next update, as a person would.

* project: ``TelegramChannel`` polling a fresh, migrated SQLite database. Every user does
  /start, /menu, a complete class registration (consent, company, tax code, commune, region,
  sector, name, position, shared phone, skipped email, attendees, confirm) and /dangkycuatoi, which
  must list the registration code the confirmation gave. The sending limiter is relaxed so the
  figure is our processing, not Telegram's per-chat flood limits.
* echo: a plain python-telegram-bot ``Application`` (polling, same number of concurrent
  updates as our inbox worker) answering every message and button press with one message, driven
  by the same users with the same number and kinds of updates.
* echo-aio: the same echo bot on our aiohttp backend (``bot/channels/telegram_request.py``)
  instead of PTB's default httpx one. For information: against it, only our dialogue and durable
  inbox differ. The target is judged against the plain echo bot.

With ``--transport-only`` the project side keeps the adapter and the durable inbox (every update
stored before it is confirmed, then claimed in a transaction) but answers like the echo bot,
without dialogue: the figure shows what durability alone costs.

updates/s counts the users' updates from the first one sent until every user got its last reply.
The fake and the users share the process with the bot under test, so their cost is in both
figures alike. Exit code 1 if a user failed or project/echo is below the target.

``--db postgres`` runs the project on a fresh database of the PostgreSQL server in
TEST_POSTGRES_URL (or ``--pg-url``). ``--instances N`` runs N real ``python -m bot run``
processes instead, in webhook mode behind one address (the fake sends each update to the next
instance, up to 40 at once, a user's one after the other), with the same relaxed limiter and
no echo bot: it prints the project's figures only. Two instances need PostgreSQL.

Run from the repository root:
``.venv/bin/python bench/telegram.py [--users N] [--db PATH|postgres] [--pg-url URL]
[--instances N] [--transport-only]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import itertools
import logging
import os
import re
import resource
import signal
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# run as a script, this file (telegram.py) would shadow PTB's `telegram` package: drop its folder
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))  # and make `bot`, `storage` and `tests` importable
os.environ.setdefault("PTB_TIMEDELTA", "true")  # as our adapter does: no PTB warnings

from sqlalchemy.engine import make_url  # noqa: E402
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update  # noqa: E402
from telegram.ext import (  # noqa: E402
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.limiter import Limiter, Limits  # noqa: E402
from bot.channels.telegram import TelegramChannel  # noqa: E402
from bot.channels.telegram_request import AiohttpRequest  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.wiring import build_core  # noqa: E402
from handlers.turn import Button, Incoming, Reply  # noqa: E402
from storage import inbox  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.dialogue.helpers import valid_tax_code  # noqa: E402
from tests.fakes.telegram_server import FakeTelegram  # noqa: E402
from tests.postgres import Server  # noqa: E402

RELAXED = Limits(per_second=100_000, per_chat_per_second=1000, per_chat_burst=1000)
CONCURRENCY = 32  # TelegramChannel handles at most 32 updates at once; the echo bot too
STEP_TIMEOUT = 30.0  # seconds for one reply
PHASE_TIMEOUT = 100.0  # seconds for all users of one bot
SETUP_TIMEOUT = 15.0  # seconds to start or stop a bot
TARGET_RATIO = 0.8
ECHO_BUTTON = "Bấm"
CODE_RE = re.compile(r"\b([A-Z]+\d*-\d{4,})\b")
SENDS = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup"})


@dataclass(frozen=True)
class Step:
    """One update of a simulated user and the reply that ends it (for the project bot)."""

    kind: str  # "text" (commands too), "press" (an inline button label) or "contact"
    value: str
    expect: str  # a fragment of the reply's text
    method: str = "sendMessage"


def script(n: int) -> list[Step]:
    """What user ``n`` does: welcome, menu, a whole registration, then its registrations."""
    return [
        Step("text", "/start", "Bạn muốn làm gì?"),
        Step("text", "/menu", "Bạn muốn làm gì?"),
        Step("text", "/start lop1", "Thông báo xử lý dữ liệu cá nhân"),
        Step("press", "Đồng ý: đăng ký, đề nghị hỗ trợ và nhắc lịch", "Tên doanh nghiệp"),
        Step("text", f"Công ty TNHH Biển Xanh {n}", "nhập mã số thuế"),
        Step("text", valid_tax_code(n), "xã, phường hoặc đặc khu"),
        Step("text", "phường Hội An Đông", "thuộc tỉnh, thành phố nào"),
        Step("press", "Quảng Nam (cũ)", "lĩnh vực hoạt động chính"),
        Step("press", "Du lịch, nhà hàng, khách sạn", "họ và tên người liên hệ"),
        Step("text", "Lê Thị Hoa", "chức vụ"),
        Step("text", "Giám đốc", "số điện thoại liên hệ"),
        # the share-phone keyboard is removed, then the email question gets its buttons by edit
        Step("contact", f"84905{n:06d}", "", "editMessageReplyMarkup"),
        Step("press", "Bỏ qua", "bao nhiêu người"),
        Step("text", "2", "Mời bạn kiểm tra lại"),
        Step("press", "Xác nhận", "Đã ghi nhận đăng ký"),
        Step("text", "/dangkycuatoi", "Đăng ký của bạn"),
    ]


Matcher = Callable[[Step, str, dict], bool]


def project_reply(step: Step, method: str, params: dict) -> bool:
    return method == step.method and step.expect in (params.get("text") or "")


def echo_reply(step: Step, method: str, params: dict) -> bool:
    return method == "sendMessage"


class Mailboxes:
    """The bot's messages per chat, read from the calls the fake records. One task reads the
    record on every change and wakes only the user concerned: 200 users each scanning the whole
    record would cost more than the bots under test."""

    def __init__(self, tg: FakeTelegram):
        self.tg = tg
        self.seen = 0
        self.messages: dict[int, list[tuple[str, dict]]] = defaultdict(list)
        self.arrived: dict[int, asyncio.Event] = defaultdict(asyncio.Event)

    async def run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await self.tg.wait_until(lambda: len(self.tg.calls) > self.seen, timeout=60)
            new = self.tg.calls[self.seen :]
            self.seen += len(new)
            for method, params in new:
                chat = params.get("chat_id")
                if method in SENDS and isinstance(chat, int):
                    self.messages[chat].append((method, params))
                    self.arrived[chat].set()

    async def expect(self, chat: int, start: int, match: Callable[[str, dict], bool]) -> dict:
        """The first message to ``chat`` from index ``start`` on that matches; TimeoutError."""
        box, loop = self.messages[chat], asyncio.get_running_loop()
        deadline = loop.time() + STEP_TIMEOUT
        while True:
            while start < len(box):
                method, params = box[start]
                start += 1
                if match(method, params):
                    return params
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no reply within {STEP_TIMEOUT:.0f}s")
            self.arrived[chat].clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived[chat].wait(), remaining)


@dataclass
class UserRun:
    chat: int
    updates: int = 0
    first: float = 0.0  # perf_counter() when the first update was sent
    last: float = 0.0  # ... when the last reply arrived (or the user gave up)
    replies: list[str] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)  # seconds from update to its reply
    error: str | None = None


async def simulate(
    tg: FakeTelegram, boxes: Mailboxes, n: int, press: str | None, match: Matcher
) -> UserRun:
    """User ``n`` goes through its script; ``press`` replaces every button label if given."""
    run = UserRun(chat=100_000 + n)
    for step in script(n):
        start = len(boxes.messages[run.chat])
        try:
            if step.kind == "text":
                tg.user_sends_text(run.chat, step.value)
            elif step.kind == "press":
                tg.user_presses(run.chat, press or step.value)
            else:
                tg.user_shares_contact(run.chat, step.value)
            sent = time.perf_counter()
            run.first = run.first or sent
            run.updates += 1
            reply = await boxes.expect(run.chat, start, lambda m, p, s=step: match(s, m, p))
        except (LookupError, TimeoutError) as problem:
            run.error = f"step {step.kind} {step.value!r}: {problem}"
            break
        run.waits.append(time.perf_counter() - sent)
        run.replies.append(reply.get("text") or "")
    run.last = time.perf_counter()
    return run


async def drive(tg: FakeTelegram, users: int, press: str | None, match: Matcher) -> list[UserRun]:
    """Run ``users`` simulated users at once against whatever bot polls ``tg``."""
    boxes = Mailboxes(tg)
    reader = asyncio.create_task(boxes.run())
    try:
        async with asyncio.timeout(PHASE_TIMEOUT):
            return await asyncio.gather(
                *(simulate(tg, boxes, n, press, match) for n in range(1, users + 1))
            )
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader


def check_codes(tg: FakeTelegram, runs: list[UserRun]) -> dict[int, str]:
    """Every user got a code of its own, and /dangkycuatoi (its last message) lists it."""
    failures, owners = {}, {}
    for run in runs:
        found = None if run.error else CODE_RE.search(run.replies[-2])
        if run.error or found is None:
            failures[run.chat] = run.error or f"no registration code in {run.replies[-2]!r}"
            continue
        code = found.group(1)
        if code in owners:
            failures[run.chat] = f"code {code} also given to user {owners[code]}"
        elif code not in tg.last_text(run.chat):
            failures[run.chat] = f"/dangkycuatoi does not list {code}"
        owners[code] = run.chat
    return failures


class EchoDispatcher:
    """Claims each update in a transaction, as the real dispatcher does, and answers with what
    was sent and one button, as the echo bot does (for ``--transport-only``)."""

    def __init__(self, sessionmaker):
        self.sessionmaker = sessionmaker

    async def handle(self, incoming: Incoming, deliver=None) -> list[Reply]:
        async with self.sessionmaker.begin() as session:
            await inbox.claim(session, incoming.channel, incoming.update_id,
                              incoming.received_at)
        said = incoming.text or incoming.payload or incoming.phone or ""
        replies = [Reply(html.escape(said), buttons=[[Button(ECHO_BUTTON, "bam")]])]
        if deliver is not None:
            await deliver(incoming, replies)
        return replies


async def bench_project(
    users: int, url: str, transport_only: bool = False
) -> tuple[list[UserRun], dict[int, str]]:
    async with FakeTelegram() as tg:
        settings = Settings(
            _env_file=None,
            database_url=url,
            telegram_bot_token=tg.token,
            telegram_api_base_url=tg.base_url,
        )
        core = build_core(settings)
        if transport_only:
            core.dispatcher = EchoDispatcher(core.sessionmaker)
        channel = TelegramChannel(core, limiter=Limiter(RELAXED))
        try:
            await asyncio.wait_for(channel.start(), SETUP_TIMEOUT)
            if transport_only:
                runs = await drive(tg, users, ECHO_BUTTON, echo_reply)
            else:
                runs = await drive(tg, users, None, project_reply)
        finally:
            await asyncio.wait_for(channel.stop(), SETUP_TIMEOUT)
            await core.close()
        if transport_only:
            return runs, {run.chat: run.error for run in runs if run.error}
        return runs, check_codes(tg, runs)


# a bot process with the per-chat limits relaxed as above (the in-process bench passes its
# own limiter); the overall limit is TELEGRAM_MAX_PER_SECOND's highest, 1000/s
_chat, _burst = RELAXED.per_chat_per_second, RELAXED.per_chat_burst
INSTANCE = (
    "import functools, runpy, sys; from bot.channels import limiter, telegram; "
    f"telegram.Limits = functools.partial(limiter.Limits, per_chat_per_second={_chat}, "
    f"per_chat_burst={_burst}); "
    "sys.argv = ['bot', 'run']; runpy.run_module('bot', run_name='__main__')"
)
INSTANCE_SECRET = "bench-webhook-secret-for-the-instances-0123456789"


async def bench_instances(users: int, url: str, count: int, workdir: Path) -> list[UserRun]:
    """``count`` bot processes behind one webhook address, driven by the same users."""
    async with FakeTelegram(webhook_parallel=40) as tg:
        ports = [free_port() for _ in range(count)]
        urls = [f"http://127.0.0.1:{port}/telegram/webhook" for port in ports]
        turn = itertools.cycle(urls)
        tg.route = lambda _update: next(turn)
        processes = []
        try:
            for port, hook in zip(ports, urls, strict=True):
                env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT),
                       "LOG_LEVEL": "WARNING", "TELEGRAM_BOT_TOKEN": tg.token,
                       "TELEGRAM_API_BASE_URL": tg.base_url, "TELEGRAM_WEBHOOK_URL": hook,
                       "TELEGRAM_WEBHOOK_SECRET": INSTANCE_SECRET, "WEB_PORT": str(port),
                       "TELEGRAM_MAX_PER_SECOND": "1000"}
                processes.append(await asyncio.create_subprocess_exec(
                    sys.executable, "-c", INSTANCE, cwd=workdir, env=env,
                    stdin=asyncio.subprocess.DEVNULL))
                started = len(processes)
                await tg.wait_until(lambda n=started: sum(
                    method == "setWebhook" for method, _ in tg.calls) >= n,
                    timeout=SETUP_TIMEOUT * 2, what="an instance to start")
            return await drive(tg, users, None, project_reply)
        finally:
            for process in processes:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes:
                await asyncio.wait_for(process.wait(), SETUP_TIMEOUT * 2)


def free_port() -> int:
    from aiohttp.test_utils import unused_port

    return unused_port()


ECHO_KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton(ECHO_BUTTON, callback_data="bam")]])


async def echo_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    text = message.text or message.contact.phone_number
    await context.bot.send_message(
        update.effective_chat.id,
        html.escape(text),
        parse_mode="HTML",
        reply_markup=ECHO_KEYBOARD,
    )


async def echo_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer()
    await context.bot.send_message(
        update.effective_chat.id, update.callback_query.data, reply_markup=ECHO_KEYBOARD
    )


async def bench_echo(users: int, on_aiohttp: bool = False) -> tuple[list[UserRun], dict[int, str]]:
    """The plain PTB echo bot; ``on_aiohttp``: with our HTTP backend instead of PTB's httpx."""
    async with FakeTelegram() as tg:
        builder = (
            Application.builder()
            .token(tg.token)
            .base_url(tg.base_url)
            .base_file_url(tg.base_file_url)
            .concurrent_updates(CONCURRENCY)
        )
        if on_aiohttp:
            builder.request(AiohttpRequest(pool_size=64)).get_updates_request(AiohttpRequest())
        else:
            builder.connection_pool_size(64)
        app = builder.build()
        app.add_handler(MessageHandler(filters.TEXT | filters.CONTACT, echo_message))
        app.add_handler(CallbackQueryHandler(echo_press))
        await asyncio.wait_for(app.initialize(), SETUP_TIMEOUT)
        try:
            await app.updater.start_polling(timeout=30)
            await app.start()
            runs = await drive(tg, users, ECHO_BUTTON, echo_reply)
        finally:
            if app.updater.running:
                await asyncio.wait_for(app.updater.stop(), SETUP_TIMEOUT)
            if app.running:
                await asyncio.wait_for(app.stop(), SETUP_TIMEOUT)
            await asyncio.wait_for(app.shutdown(), SETUP_TIMEOUT)
        return runs, {run.chat: run.error for run in runs if run.error}


@dataclass
class Figures:
    name: str
    users: int
    updates: int
    seconds: float
    waits: list[float] = field(repr=False)  # every reply time, sorted

    @classmethod
    def of(cls, name: str, runs: list[UserRun]) -> Figures:
        started = [r for r in runs if r.first]
        seconds = max(r.last for r in started) - min(r.first for r in started) if started else 0
        waits = sorted(w for r in runs for w in r.waits)
        return cls(name, len(runs), sum(r.updates for r in runs), seconds, waits)

    def wait_ms(self, share: float) -> float:
        """The reply time below which ``share`` of the replies came, in milliseconds."""
        if not self.waits:
            return float("nan")
        return 1000 * self.waits[min(int(share * len(self.waits)), len(self.waits) - 1)]

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds > 0 else 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def report_failures(name: str, failures: dict[int, str]) -> None:
    if failures:
        print(f"{name}: {len(failures)} user(s) failed")
        for chat, reason in list(failures.items())[:20]:
            print(f"  user {chat}: {reason}")


async def run_all(users: int, url: str, transport_only: bool) -> int:
    project_runs, project_failures = await bench_project(users, url, transport_only)
    project = Figures.of("project", project_runs)
    rss_after_project = peak_rss_mb()
    echo_runs, echo_failures = await bench_echo(users)
    echo = Figures.of("echo", echo_runs)
    same_runs, same_failures = await bench_echo(users, on_aiohttp=True)
    same = Figures.of("echo-aio", same_runs)

    got = users - len(project_failures)
    if transport_only:
        print(f"{got}/{users} users got every answer (transport only: the project's adapter and"
              " durable inbox answering like the echo bot, no dialogue)")
    else:
        print(f"{got}/{users} users got their registration code and saw it in /dangkycuatoi")
    report_failures("project", project_failures)
    report_failures("echo", echo_failures)
    report_failures("echo-aio", same_failures)
    print(
        f"\n{'bot':<8} {'users':>6} {'updates':>8} {'seconds':>8} {'updates/s':>10}"
        f" {'reply p50 ms':>13} {'p95 ms':>7} {'max ms':>7}"
    )
    for row in (project, echo, same):
        print(
            f"{row.name:<8} {row.users:>6} {row.updates:>8} {row.seconds:>8.2f}"
            f" {row.rate:>10.1f}"
            f" {row.wait_ms(0.5):>13.0f} {row.wait_ms(0.95):>7.0f} {row.wait_ms(1):>7.0f}"
        )
    ratio = project.rate / echo.rate if echo.rate else 0.0
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    if transport_only:  # the target is about full flows: no verdict on the transport alone
        verdict = "not judged: transport only"
    print(f"\nproject/echo = {ratio:.2f} (target ≥ {TARGET_RATIO}: {verdict})")
    print(f"project/echo-aio = {project.rate / same.rate if same.rate else 0:.2f} (for"
          " information: the echo bot on our aiohttp backend, so only the dialogue and the"
          " durable inbox differ)")
    print(f"peak RSS: {rss_after_project:.0f} MB after project, {peak_rss_mb():.0f} MB at end")
    print(
        f"limiter relaxed to {RELAXED.per_second:g}/s overall, {RELAXED.per_chat_per_second:g}/s"
        f" per chat (burst {RELAXED.per_chat_burst:g}): this measures our processing, not"
        " Telegram's rate limits"
    )
    print("the fake Bot API and the simulated users run in this process too, for both bots")
    failed = project_failures or echo_failures or same_failures
    return 1 if failed or (ratio < TARGET_RATIO and not transport_only) else 0


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


async def run_instances(users: int, url: str, count: int, workdir: Path) -> int:
    ours, bots = cpu_seconds(resource.RUSAGE_SELF), cpu_seconds(resource.RUSAGE_CHILDREN)
    runs = await bench_instances(users, url, count, workdir)
    ours = cpu_seconds(resource.RUSAGE_SELF) - ours
    bots = cpu_seconds(resource.RUSAGE_CHILDREN) - bots
    failures = check_codes_by_text(runs)
    figures = Figures.of(f"{count} proc", runs)
    print(f"{users - len(failures)}/{users} users got their registration code")
    report_failures("project", failures)
    print(f"\n{'bot':<8} {'users':>6} {'updates':>8} {'seconds':>8} {'updates/s':>10}"
          f" {'reply p50 ms':>13} {'p95 ms':>7} {'max ms':>7}")
    print(f"{figures.name:<8} {figures.users:>6} {figures.updates:>8} {figures.seconds:>8.2f}"
          f" {figures.rate:>10.1f} {figures.wait_ms(0.5):>13.0f}"
          f" {figures.wait_ms(0.95):>7.0f} {figures.wait_ms(1):>7.0f}")
    print("the fake Bot API and the simulated users run in this process, the bots in their own")
    print(f"CPU seconds: {ours:.1f} fake and users, {bots:.1f} bot processes (start to stop),"
          f" of {figures.seconds * (os.cpu_count() or 1):.1f} on {os.cpu_count()} cores"
          " while the users ran; the database server's are not counted")
    return 1 if failures else 0


def check_codes_by_text(runs: list[UserRun]) -> dict[int, str]:
    """Every user got a code of its own, listed again by /dangkycuatoi (its last reply)."""
    failures, owners = {}, {}
    for run in runs:
        found = None if run.error else CODE_RE.search(run.replies[-2])
        if run.error or found is None:
            failures[run.chat] = run.error or f"no registration code in {run.replies[-2]!r}"
        elif found.group(1) in owners or found.group(1) not in run.replies[-1]:
            failures[run.chat] = f"code {found.group(1)} given twice or not listed"
        else:
            owners[found.group(1)] = run.chat
    return failures


async def on_postgres(server_url: str, work) -> int:
    server = Server(server_url)
    name = server.create()
    url = server.url_of(name)
    try:
        await asyncio.to_thread(upgrade, url)
        print(f"database {name} on {make_url(url).host}:{make_url(url).port}")
        return await work(url)
    finally:
        server.drop(name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200, help="simulated users (200)")
    parser.add_argument("--db", help="SQLite file to create (default: a temp dir), or"
                        " 'postgres' for a fresh database on the server of --pg-url")
    parser.add_argument("--pg-url", default=os.environ.get("TEST_POSTGRES_URL"),
                        help="PostgreSQL server (default: TEST_POSTGRES_URL)")
    parser.add_argument("--instances", type=int,
                        help="run N bot processes behind one webhook address (no echo bot)")
    parser.add_argument("--transport-only", action="store_true",
                        help="project side without dialogue: adapter and durable inbox only")
    args = parser.parse_args()
    postgres = args.db == "postgres"
    if args.users < 1:
        parser.error("--users must be at least 1")
    if postgres and not args.pg_url:
        parser.error("--db postgres needs --pg-url or TEST_POSTGRES_URL")
    if not postgres and args.db is not None and Path(args.db).exists():
        parser.error(f"{args.db} exists; the benchmark needs a fresh database")
    if args.instances is not None and (args.instances < 1 or args.transport_only):
        parser.error("--instances takes N >= 1, without --transport-only")
    if (args.instances or 1) > 1 and not postgres:
        parser.error("several instances share a PostgreSQL database: add --db postgres")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory(prefix="bench-telegram-") as tmp:
        if args.instances:
            def work(url):
                return run_instances(args.users, url, args.instances, Path(tmp))
        else:
            def work(url):
                return run_all(args.users, url, args.transport_only)
        print(f"{args.users} users" + (f", {args.instances} instance(s)" if args.instances
                                       else ""))
        try:
            if postgres:
                return asyncio.run(on_postgres(args.pg_url, work))
            path = Path(args.db).resolve() if args.db else Path(tmp) / "bench.db"
            url = f"sqlite+aiosqlite:///{path}"
            upgrade(url)  # blocking, with its own event loop: before ours starts
            print(f"database {path}")
            return asyncio.run(work(url))
        except TimeoutError as problem:
            print(f"gave up: {problem or 'a bot did not start, finish or stop in time'}")
            return 1


if __name__ == "__main__":
    sys.exit(main())
