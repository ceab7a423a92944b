"""All dialogue logic. The route table below is the one place that lists what a person can reach.

Nothing here imports a platform SDK, aiohttp or `bot`: adapters turn platform updates into
`handlers.turn.Incoming` and render `handlers.turn.Reply`.
"""

from handlers import menu
from handlers.forms.spec import FormSpec
from handlers.router import Router

# `/start <payload>` links printed as QR codes on posters and letters.
DEEP_LINKS = {
    "lop1": "reg:lop1",
    "lop2": "reg:lop2",
    "lop3": "reg:lop3",
    "clb-dhqn": "club:dhqn",
    "clb-cdqn": "club:cdqn",
}


def build_router(extra_forms: tuple[FormSpec, ...] = ()) -> Router:
    """The route table of the bot; ``extra_forms`` lets tests run the runner on test specs."""
    forms: dict[str, FormSpec] = {form.name: form for form in extra_forms}
    return Router(
        payloads={
            "menu": menu.show_menu,
            "qa": menu.how_to_ask,
            "plan": menu.not_ready,
            "reg": menu.not_ready,
            "club": menu.not_ready,
            "agency": menu.not_ready,
            "myreg": menu.not_ready,
            "mydata": menu.not_ready,
        },
        commands={
            "start": menu.welcome,
            "menu": menu.show_menu,
            "help": menu.show_help,
            "trogiup": menu.show_help,
        },
        deep_links=DEEP_LINKS,
        forms=forms,
        stale=menu.stale_button,
        unknown_command=menu.unknown_command,
        free_text=menu.free_text,
    )
