"""All dialogue logic. The route table below is the one place that lists what a person can reach.

Nothing here imports a platform SDK, aiohttp or `bot`: adapters turn platform updates into
`handlers.turn.Incoming` and render `handlers.turn.Reply`.
"""

from handlers import actions as a
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
    rights,
    support,
)
from handlers.forms.spec import FormSpec
from handlers.router import Router

# `/start <value>` links printed as QR codes on posters and letters.
DEEP_LINKS = {
    "lop1": a.Register("lop1"),
    "lop2": a.Register("lop2"),
    "lop3": a.Register("lop3"),
    "clb-dhqn": a.Club("dhqn"),
    "clb-cdqn": a.Club("cdqn"),
    "ht": a.Support(),
    "ht-daotao": a.Support("training"),
    "ht-huongdan": a.Support("guidance"),
    "ht-giaithuong": a.Support("award"),
    "ht-nhiemvu": a.Support("sttask"),
}
# `/start lk-<code>`: the link an admin gives an agency's officer
DEEP_LINK_PREFIXES = {"lk-": a.LinkAgency}

FORMS = (
    registration.ENTERPRISE_FORM,
    registration.EDIT_FORM,
    registration.ATTENDEES_FORM,
    clubs.CLUB_FORM,
    clubs.CLUB_EDIT_FORM,
    agencies.LINK_FORM,
    *support.FORMS.values(),
    *admin.FORMS,
)

# Every action a button carries → its handler (form actions go to the running form; admin
# actions come guarded from handlers/admin).
ACTIONS = {
    a.Menu: menu.show_menu,
    a.HowToAsk: menu.how_to_ask,
    a.Plan: plan_info.sections,
    a.Register: registration.start,
    a.Club: clubs.start,
    a.ClubAge: clubs.on_age,
    a.Support: support.start,
    a.Consent: consent.on_answer,
    a.MyRegistrations: my_registrations.show,
    a.ChangeAttendees: my_registrations.change_attendees,
    a.EditRegistration: my_registrations.edit,
    a.CancelRegistration: my_registrations.ask_cancel,
    a.ConfirmCancelRegistration: my_registrations.cancel,
    a.EditMembership: my_registrations.edit_membership,
    a.LeaveClub: my_registrations.ask_leave,
    a.ConfirmLeaveClub: my_registrations.leave,
    a.KeepRegistration: my_registrations.keep,
    a.MyData: privacy.show,
    a.Withdraw: privacy.withdraw,
    a.ConfirmWithdraw: privacy.confirm_withdraw,
    a.Erase: privacy.erase,
    a.ConfirmErase: privacy.confirm_erase,
    a.KeepData: privacy.keep,
    a.Policy: consent.show_policy,
    a.PauseProcessing: rights.pause,
    a.ConfirmPause: rights.confirm_pause,
    a.LiftPause: rights.lift_pause,
    a.ReachPerson: rights.reach_person,
    a.Agency: agencies.show,
    a.LinkAgency: agencies.start_link,
    a.Acknowledge: agencies.acknowledge,
    a.AskHelp: agencies.ask_help,
    a.Unlink: agencies.unlink,
    a.ConfirmUnlink: agencies.confirm_unlink,
    a.KeepLinked: agencies.keep_linked,
    **admin.ROUTES,
}


def build_router(extra_forms: tuple[FormSpec, ...] = ()) -> Router:
    """The route table of the bot; ``extra_forms`` lets tests run the runner on test specs."""
    return Router(
        actions=ACTIONS,
        commands={
            "start": menu.welcome,
            "menu": a.Menu(),
            "help": menu.show_help,
            "trogiup": menu.show_help,
            "dangky": a.Register(),
            "caulacbo": a.Club(),
            "dangkycuatoi": a.MyRegistrations(),
            "dulieucuatoi": a.MyData(),
            "suathongtin": a.MyRegistrations(),
            "rutlai": a.Withdraw(),
            "xoadulieu": a.Erase(),
            "chinhsach": a.Policy(),
            "hanche": a.PauseProcessing("restrict"),
            "phandoi": a.PauseProcessing("object"),
            "lienhe": rights.reach_person,  # a handler: it reads the message typed after it
            "hanbaocao": a.Agency(),
            "admin": a.AdminMenu(),
        },
        deep_links=DEEP_LINKS,
        deep_link_prefixes=DEEP_LINK_PREFIXES,
        forms={form.name: form for form in (*FORMS, *extra_forms)},
        stale=menu.stale_button,
        unknown_command=menu.unknown_command,
        free_text=plan_info.free_text,
    )
