"""Telegram through python-telegram-bot, as transport only: updates become `Incoming`, `Reply`
becomes messages. Every update is stored in the durable inbox before Telegram is told it was
received (webhook: before the 200; polling: before the next getUpdates confirms it), then handled
from the inbox, so a crash loses nothing and a re-delivery is handled once."""

import asyncio
import contextlib
import logging
import os
import warnings
from datetime import UTC, datetime

from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from bot.channels.base import (
    Rejected,
    RetryLater,
    TemporaryFailure,
    Unreachable,
    carries_secret,
    mark_unreachable,
)
from bot.channels.inbox_worker import InboxWorker
from bot.channels.limiter import Limiter, Limits
from bot.channels.telegram_request import AiohttpRequest
from bot.channels.text import split_text
from bot.wiring import Core
from handlers.turn import Incoming, Reply, merged

log = logging.getLogger(__name__)
CHANNEL = "telegram"
MAX_TEXT = 4096
ALLOWED_UPDATES = ["message", "callback_query"]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
COMMANDS = {  # command (ASCII, as Telegram requires) → its Vietnamese description
    "start": "telegram.command_start",
    "menu": "telegram.command_menu",
    "dangky": "telegram.command_dangky",
    "caulacbo": "telegram.command_caulacbo",
    "dangkycuatoi": "telegram.command_dangkycuatoi",
    "dulieucuatoi": "telegram.command_dulieucuatoi",
    "suathongtin": "telegram.command_suathongtin",
    "rutlai": "telegram.command_rutlai",
    "xoadulieu": "telegram.command_xoadulieu",
    "hanche": "telegram.command_hanche",
    "phandoi": "telegram.command_phandoi",
    "lienhe": "telegram.command_lienhe",
    "chinhsach": "telegram.command_chinhsach",
    "help": "telegram.command_help",
}
WEBHOOK_PATH = "/telegram/webhook"
POLL_SECONDS = 30


def to_incoming(update: Update) -> Incoming | None:
    """The neutral form of a Telegram update; None for kinds the bot does not handle."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    common = dict(
        channel=CHANNEL, user_id=str(user.id), chat_id=str(chat.id),
        display_name=user.full_name, update_id=str(update.update_id),
        received_at=datetime.now(UTC),
    )
    if update.callback_query is not None:
        pressed_on = update.callback_query.message
        return Incoming(payload=update.callback_query.data,
                        message_id=str(pressed_on.message_id) if pressed_on else None, **common)
    message = update.message
    if message is None:
        return None
    contact = message.contact
    if contact is not None and contact.user_id == user.id:  # only the person's own number
        return Incoming(phone=contact.phone_number, **common)
    return Incoming(text=message.text, **common)


def user_of(data: dict) -> str | None:
    """The sender of a raw update (a message, a pressed button: each carries ``from``)."""
    for part in data.values():
        sender = part.get("from") if isinstance(part, dict) else None
        if isinstance(sender, dict) and sender.get("id") is not None:
            return str(sender["id"])
    return None


class TelegramChannel:
    """Polling or webhook, one inbox worker, one sending path through the limiter."""

    name = CHANNEL

    def __init__(self, core: Core, bot: Bot | None = None, limiter: Limiter | None = None):
        settings = core.settings
        # PTB 22 warns unless this opt-in is set; RetryAfter then carries a timedelta
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        self.core = core
        self.bot = bot or build_bot(settings)
        self.limiter = limiter or Limiter(Limits(per_second=settings.telegram_max_per_second))
        self.webhook_url = settings.telegram_webhook_url
        secret = settings.telegram_webhook_secret
        self.secret = secret.get_secret_value() if secret else None
        self.inbox = InboxWorker(core, CHANNEL, self._to_incoming, self._deliver_replies,
                                 user_of)
        self._poller: asyncio.Task | None = None
        self._answering: set[asyncio.Task] = set()  # callback queries being answered

    # -- life cycle -------------------------------------------------------------------------
    async def start(self) -> None:
        await self.bot.initialize()
        await self._describe_bot()
        if self.webhook_url:
            await self.bot.set_webhook(
                self.webhook_url, secret_token=self.secret, allowed_updates=ALLOWED_UPDATES
            )
        else:
            await self.bot.delete_webhook()
            self._poller = asyncio.create_task(self._poll(), name="telegram-poll")
        self.inbox.start()

    async def stop(self) -> None:
        """Stop polling (a batch being stored is stored), let turns in progress finish; what
        is stored and not yet handled is handled at the next start."""
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
        await self.inbox.stop()
        await asyncio.gather(*self._answering, return_exceptions=True)
        await self.bot.shutdown()

    async def _describe_bot(self) -> None:
        t = self.core.texts
        await self.bot.set_my_commands(
            [BotCommand(name, t(key)) for name, key in COMMANDS.items()]
        )
        await self.bot.set_my_description(t("telegram.description"))
        await self.bot.set_my_short_description(t("telegram.short_description"))

    # -- inbound ----------------------------------------------------------------------------
    def routes(self) -> list[web.RouteDef]:
        return [web.post(WEBHOOK_PATH, self.webhook)] if self.webhook_url else []

    async def webhook(self, request: web.Request) -> web.Response:
        """Verify the secret before reading the body, store the update, answer 200 at once
        (also to a body that is no update: it is quarantined)."""
        if not carries_secret(request, SECRET_HEADER, self.secret):
            return web.Response(status=403)
        try:
            data = await request.json()
            update_id = str(int(data["update_id"]))
        except (ValueError, KeyError, TypeError) as problem:
            # 200 all the same: Telegram would send it again and again
            await self.inbox.unreadable_body(await request.read(),
                                             f"no update: {type(problem).__name__}")
            return web.Response(status=200)
        await self.inbox.store([(update_id, data)])
        return web.Response(status=200)

    async def _poll(self) -> None:
        offset, backoff = None, 1.0
        while True:
            try:
                updates = await self._get_updates(offset)
                backoff = 1.0
            except RetryAfter as flood:
                await asyncio.sleep(_seconds(flood.retry_after))
                continue
            except (NetworkError, TelegramError) as problem:
                log.warning("telegram getUpdates failed: %s", type(problem).__name__)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60)
                continue
            keyed = {u["update_id"]: u for u in updates
                     if isinstance(u, dict) and isinstance(u.get("update_id"), int)}
            if keyed:
                await self.inbox.store([(str(key), update) for key, update in keyed.items()])
                offset = max(keyed) + 1  # confirmed only now that they are stored

    async def _get_updates(self, offset: int | None) -> list:
        """getUpdates as Telegram sent them: PTB's own get_updates parses the batch, and one
        update it cannot read fails the whole batch again and again (logging its content);
        stored raw, that one is quarantined and the others are handled."""
        params = {"offset": offset, "timeout": POLL_SECONDS, "allowed_updates": ALLOWED_UPDATES}
        with warnings.catch_warnings():  # PTB would rather we called get_updates
            warnings.simplefilter("ignore", PTBUserWarning)
            updates = await self.bot.do_api_request(
                "getUpdates", api_kwargs=params, read_timeout=POLL_SECONDS + 10
            )
        return updates if isinstance(updates, list) else []

    def _to_incoming(self, data: dict) -> Incoming | None:
        update = Update.de_json(data, self.bot)
        if update.callback_query is not None:
            # stop the button's spinner whatever happens, beside the turn: awaiting it here
            # would let the person's next update take its turn first
            answering = asyncio.create_task(self._answer_callback(update.callback_query.id))
            self._answering.add(answering)
            answering.add_done_callback(self._answering.discard)
        return to_incoming(update)

    async def _deliver_replies(self, incoming: Incoming, replies: list[Reply]) -> None:
        if replies and await self._replace(incoming, replies[0]):
            replies = replies[1:]
        await self.send(incoming.chat_id, replies, keyboard_shown=incoming.phone_keyboard)

    async def _answer_callback(self, callback_id: str) -> None:
        with contextlib.suppress(TelegramError):  # an old query cannot be answered any more
            await self.bot.answer_callback_query(callback_id)

    # -- outbound ---------------------------------------------------------------------------
    async def send(
        self, chat_id: str, replies: list[Reply], *, bulk: bool = False, priority: int = 5,
        keyboard_shown: bool = False,
    ) -> list[str]:
        """Send ``replies`` through the limiter and return the message ids. Interactive replies
        wait out a flood pause; bulk sends raise RetryLater so the outbox can reschedule them.
        ``keyboard_shown``: the chat still shows a share-phone keyboard, to be removed."""
        remove_keyboard = keyboard_shown and not any(r.ask_phone for r in replies)
        sent: list[str] = []
        for reply in merged(replies, MAX_TEXT):
            chunks = split_text(reply.text, MAX_TEXT) or [" "]
            for index, chunk in enumerate(chunks):
                markup = self._markup(reply) if index == len(chunks) - 1 else None
                if remove_keyboard and not isinstance(markup, ReplyKeyboardMarkup):
                    sent.append(await self._deliver(chat_id, chunk, ReplyKeyboardRemove(), bulk,
                                                    then_inline=markup))
                    remove_keyboard = False
                else:
                    sent.append(await self._deliver(chat_id, chunk, markup, bulk))
            if reply.document is not None:
                await self._deliver_document(chat_id, reply, bulk)
        return sent

    async def edit_text(self, chat_id: str, message_id: str, text: str) -> None:
        """Replace the text of a message the bot sent (broadcast progress)."""
        with contextlib.suppress(Rejected):  # unchanged text: nothing to do
            await self._call(chat_id, True, self.bot.edit_message_text, chat_id=int(chat_id),
                             message_id=int(message_id), text=text, parse_mode="HTML")

    async def _replace(self, incoming: Incoming, reply: Reply) -> bool:
        """Show a menu reached by a button in place of the message that had the button."""
        if not (reply.replace and incoming.message_id) or reply.document or reply.ask_phone \
                or len(reply.text) > MAX_TEXT or incoming.phone_keyboard:
            return False
        try:
            await self._call(incoming.chat_id, False, self.bot.edit_message_text,
                             chat_id=int(incoming.chat_id), message_id=int(incoming.message_id),
                             text=reply.text, parse_mode="HTML", reply_markup=self._markup(reply))
        except Rejected:  # too old to edit, or unchanged: send it as a new message
            return False
        return True

    def _markup(self, reply: Reply):
        if reply.ask_phone:
            share = KeyboardButton(self.core.texts("telegram.share_phone"), request_contact=True)
            others = [KeyboardButton(b.label) for b in reply.all_buttons()]
            return ReplyKeyboardMarkup(
                [[share], others] if others else [[share]],
                resize_keyboard=True, one_time_keyboard=True,
            )
        if not reply.buttons:
            return None
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(b.label, callback_data=b.payload) for b in row]
             for row in reply.buttons]
        )

    async def _deliver(self, chat_id, text, markup, bulk, then_inline=None) -> str:
        message = await self._call(
            chat_id, bulk, self.bot.send_message, chat_id=int(chat_id), text=text,
            parse_mode="HTML", reply_markup=markup, disable_web_page_preview=True,
        )
        if then_inline is not None:
            # a message cannot carry both a keyboard removal and inline buttons; add them after
            await self._call(
                chat_id, bulk, self.bot.edit_message_reply_markup, chat_id=int(chat_id),
                message_id=message.message_id, reply_markup=then_inline,
            )
        return str(message.message_id)

    async def _deliver_document(self, chat_id: str, reply: Reply, bulk: bool) -> None:
        document = reply.document
        await self._call(
            chat_id, bulk, self.bot.send_document, chat_id=int(chat_id),
            document=InputFile(document.content, filename=document.filename),
            caption=document.caption, parse_mode="HTML",
        )

    async def _call(self, target: str, bulk: bool, method, **params):
        for attempt in range(4):
            await self.limiter.acquire(target, bulk=bulk, group=target.startswith("-"))
            try:
                return await method(**params)
            except RetryAfter as flood:
                self.core.metrics.send_error(CHANNEL, 429)
                seconds = _seconds(flood.retry_after)
                self.limiter.pause(target, seconds)
                if bulk:
                    raise RetryLater(seconds) from None
            except Forbidden:
                self.core.metrics.send_error(CHANNEL, 403)
                await mark_unreachable(self.core, CHANNEL, target)
                raise Unreachable(target) from None
            except BadRequest as problem:
                self.core.metrics.send_error(CHANNEL, 400)
                log.error("telegram refused %s: %s", method.__name__, problem.message)
                raise Rejected(problem.message) from None
            except NetworkError as problem:
                self.core.metrics.send_error(CHANNEL, "network")
                if bulk or attempt == 3:
                    raise TemporaryFailure(type(problem).__name__) from None
                await asyncio.sleep(2**attempt)
        raise TemporaryFailure("flood control")


def build_bot(settings) -> Bot:
    base = (settings.telegram_api_base_url or "https://api.telegram.org/bot").rstrip("/")
    file_base = base.removesuffix("/bot") + "/file/bot"
    return Bot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=base,
        base_file_url=file_base,
        request=AiohttpRequest(pool_size=64),
        get_updates_request=AiohttpRequest(),  # its read timeout gets getUpdates' 30 s added
    )


def _seconds(retry_after) -> float:
    return retry_after.total_seconds() if hasattr(retry_after, "total_seconds") else retry_after
