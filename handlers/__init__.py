"""All dialogue logic. The route table below is the one place that lists what a person can reach.

Nothing here imports a platform SDK, aiohttp or `bot`: adapters turn platform updates into
`handlers.turn.Incoming` and render `handlers.turn.Reply`.
"""

from handlers import (
    admin,
    agencies,
    clubs,
    consent,
    menu,
    my_registrations,
    plan_info,
    privacy,
    registration,
)
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
# `/start lk-<code>`: the link an admin gives an agency's officer
DEEP_LINK_PREFIXES = {"lk-": "link:"}

FORMS = (
    registration.ENTERPRISE_FORM,
    registration.EDIT_FORM,
    registration.ATTENDEES_FORM,
    clubs.CLUB_FORM,
    clubs.CLUB_EDIT_FORM,
    agencies.LINK_FORM,
    *admin.FORMS,
)


def build_router(extra_forms: tuple[FormSpec, ...] = ()) -> Router:
    """The route table of the bot; ``extra_forms`` lets tests run the runner on test specs."""
    return Router(
        payloads={
            "menu": menu.show_menu,
            "qa": menu.how_to_ask,
            "plan": plan_info.sections,
            "reg": registration.start,
            "club": clubs.start,
            "cs": consent.on_answer,
            "agency": agencies.show,
            "link": agencies.show,
            "ack": agencies.show,
            "help": agencies.show,
            "unlink": agencies.show,
            "myreg": my_registrations.show,
            "mydata": privacy.show,
            "wd": privacy.withdraw,
            "erase": privacy.erase,
            "keepdata": privacy.keep,
            "policy": consent.show_policy,
            "adm": admin.route,
        },
        commands={
            "start": menu.welcome,
            "menu": menu.show_menu,
            "help": menu.show_help,
            "trogiup": menu.show_help,
            "dangky": registration.start,
            "caulacbo": clubs.start,
            "dangkycuatoi": my_registrations.show,
            "dulieucuatoi": privacy.show,
            "suathongtin": my_registrations.show,
            "rutlai": privacy.withdraw,
            "xoadulieu": privacy.erase,
            "chinhsach": consent.show_policy,
            "hanbaocao": agencies.show,
            "admin": admin.route,
        },
        deep_links=DEEP_LINKS,
        deep_link_prefixes=DEEP_LINK_PREFIXES,
        forms={form.name: form for form in (*FORMS, *extra_forms)},
        stale=menu.stale_button,
        unknown_command=menu.unknown_command,
        free_text=plan_info.free_text,
    )
