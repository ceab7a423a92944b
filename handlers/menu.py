"""Welcome, main menu, help, and the answers for stale buttons and unknown commands."""

from dataclasses import replace

from handlers import actions as a
from handlers import organisation
from handlers.context import Turn
from handlers.textnorm import fold
from handlers.turn import Button, Reply, rows

# Folded words that mean "show me the start"; typed by people who do not know the commands.
GREETINGS = frozenset(
    {"xin chao", "chao", "chao ban", "chao bot", "hi", "hello", "alo", "menu", "start",
     "bat dau", "trang chu", "danh muc", "hey", "chao ad", "chao admin"}
)


def main_menu(turn: Turn) -> Reply:
    t = turn.t
    buttons = rows(
        Button(t("menu.plan"), a.Plan().pack()),
        Button(t("menu.register_class"), a.Register().pack()),
        Button(t("menu.club"), a.Club().pack()),
        Button(t("menu.agency"), a.Agency().pack()),
        Button(t("menu.qa"), a.HowToAsk().pack()),
        Button(t("menu.my_data"), a.MyData().pack()),
        Button(t("menu.now"), a.Plan("current").pack()),
        Button(t("support.menu"), a.Support().pack()),  # last: numbers people know stay
    )
    return Reply(t("menu.choose"), buttons)


async def welcome(turn: Turn) -> list[Reply]:
    found = await organisation.of(turn)
    text = turn.t("menu.welcome", department=found.department, note=turn.t("plan.now_note"))
    return [Reply(text), main_menu(turn)]


async def show_menu(turn: Turn) -> list[Reply]:
    return [replace(main_menu(turn), replace=turn.incoming.payload is not None)]


async def show_help(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("menu.help")), main_menu(turn)]


async def how_to_ask(turn: Turn) -> list[Reply]:
    back = Button(turn.t("menu.back_to_menu"), a.Menu().pack())
    return [Reply(turn.t("menu.qa_intro"), rows(back))]


async def stale_button(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("menu.stale_button")), main_menu(turn)]


async def unknown_command(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("menu.unknown_command")), main_menu(turn)]


def is_greeting(text: str) -> bool:
    return fold(text).strip(" !.?") in GREETINGS

