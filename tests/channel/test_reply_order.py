"""One person's replies arrive in the order of their messages, under the platforms' real
per-chat limit (1 a second after a burst of 3), with buttons (Telegram, Zalo OA) and as
numbered text (Zalo Bot Platform)."""
# ruff: noqa: F811 - the OA fake fixture is imported from test_zalo, then named as a parameter

import asyncio

from bot.channels.telegram import TelegramChannel
from bot.channels.zalo_bot import ZaloBotChannel
from bot.channels.zalo_oa import ZaloOAChannel
from bot.settings import Settings
from bot.wiring import build_core
from tests.channel.conftest import oa_settings, running
from tests.channel.test_zalo import USER, bot_settings
from tests.fakes.zalo_bot_server import FakeZaloBot

QUESTIONS = {  # a plan question → how its answer begins
    "ke hoach 1349/KH-UBND la ke hoach gi": "Kế hoạch số 1349",
    "muc tieu cua ke hoach la gi": "Mục đích của Kế hoạch",
    "co hoi nghi gioi thieu ke hoach cho dn ko": "Thông tin, truyền thông về Kế hoạch",
    "bn lop tap huan": "Kế hoạch tổ chức 03 lớp tập huấn",
    "lop nscl la lop gi": "Lớp tập huấn nhận thức về năng suất",
    "lop doi moi sang tao hoc gi": "Lớp tập huấn về đổi mới sáng tạo",
    "cau lac bo cai tien nang suat sinh vien": "Câu lạc bộ năng suất cho sinh viên",
}


def answered(texts: list[str]) -> list[int]:
    """Which question each text answers, by its position in QUESTIONS."""
    starts = list(QUESTIONS.values())
    return [next(i for i, start in enumerate(starts) if start in text) for text in texts]


async def test_telegram_answers_quick_questions_in_their_order(tg, db_url):
    settings = Settings(_env_file=None, database_url=db_url, telegram_bot_token=tg.token,
                        telegram_api_base_url=tg.base_url)
    async with running(TelegramChannel(build_core(settings))):  # the default limiter
        for question in QUESTIONS:
            tg.user_sends_text(41, question)
            await asyncio.sleep(0.05)
        sent = await tg.wait_for_sent(41, len(QUESTIONS), timeout=20)
    assert answered([m["plain_text"] for m in sent]) == list(range(len(QUESTIONS)))


async def test_zalo_bot_answers_quick_questions_in_their_order(db_url):
    async with FakeZaloBot(poll_timeout_cap=0.5) as zb:
        chat = zb.new_chat_id()
        async with running(ZaloBotChannel(build_core(bot_settings(zb, db_url)))):
            for question in QUESTIONS:
                await zb.user_says(chat, question)
                await asyncio.sleep(0.05)
            await zb.wait_until(lambda: len(zb.texts(chat)) >= len(QUESTIONS), timeout=20)
        assert answered(zb.texts(chat)) == list(range(len(QUESTIONS)))


async def test_zalo_oa_answers_quick_questions_in_their_order(oa_fake, db_url):
    settings = oa_settings(oa_fake, db_url, oa_fake.seed, oa_fake.port)
    async with running(ZaloOAChannel(build_core(settings), clock=oa_fake.now), serve=True):
        for question in QUESTIONS:
            await oa_fake.user_says(USER, question)
            await asyncio.sleep(0.05)
        await oa_fake.wait_until(lambda: len(oa_fake.sent(USER)) >= len(QUESTIONS), timeout=20)
    assert answered([m["text"] for m in oa_fake.sent(USER)]) == list(range(len(QUESTIONS)))
