"""`python -m bot ask`: the bot's answer to questions, for scripts and evaluation.

Each question is answered by the real router in a transaction that is rolled back, so asking
leaves no trace in the database and needs no channel."""

import asyncio
import json
import sys
from collections.abc import Iterable

from bot.channels.text import render
from bot.offline_turn import one_turn
from bot.settings import Settings
from bot.wiring import build_core, migrate
from handlers.context import BotConfig
from handlers.plan_info import knowledge
from handlers.turn import Incoming, Reply


def run(settings: Settings, question: str | None, jsonl: bool) -> int:
    migrate(settings)
    return asyncio.run(_run(settings, question, jsonl))


async def _run(settings: Settings, question: str | None, jsonl: bool) -> int:
    core = build_core(settings)
    try:
        if jsonl:
            await answer_lines(core, (line.rstrip("\n") for line in sys.stdin))
        else:
            print("\n\n".join(render(await answer(core, question or ""))))
    finally:
        await core.close()
    return 0


async def answer_lines(core, lines: Iterable[str]) -> None:
    _, index = knowledge()  # built once for every line
    for question in lines:
        replies = await answer(core, question)
        match = index.match(question)
        record = {"question": question, "answer": "\n\n".join(render(replies)),
                  "section": match.id if match.kind != "none" else None,
                  "score": round(match.score, 1)}
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        sys.stdout.flush()


async def answer(core, question: str) -> list[Reply]:
    config = BotConfig(admins=frozenset(), tz=core.settings.tz)
    incoming = Incoming(channel="console", user_id="ask", chat_id="ask", text=question)
    return await one_turn(core, incoming, config, commit=False)
