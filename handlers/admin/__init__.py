"""Admin tools for the department's staff: every admin action (handlers/actions.AdminAction)
reaches its handler in ROUTES through one guard, checked at every call."""

from handlers import actions as a
from handlers import organisation
from handlers.admin import (
    agency_admin,
    broadcast,
    dashboard,
    deadlines,
    people,
    requests,
    sessions,
    stats,
)
from handlers.admin.guard import admin_only
from handlers.context import Turn
from handlers.turn import Button, Reply, rows
from messages.loader import Safe

FORMS = (
    broadcast.BROADCAST_FORM,
    sessions.ADD_SESSION_FORM,
    sessions.EDIT_SESSION_FORM,
    deadlines.DEADLINE_FORM,
    deadlines.MARK_FORM,
    deadlines.LINK_CODE_FORM,
    agency_admin.AGENCY_FORM,
    people.ORG_FORM,
    people.ADD_ADMIN_FORM,
    requests.ANSWER_FORM,
    requests.TOPIC_FORM,
)


def admin_menu(turn: Turn) -> Reply:
    t = turn.t
    buttons = rows(
        Button(t("admin.stats"), a.Stats().pack()), Button(t("admin.export"), a.Export().pack()),
        Button(t("admin.broadcast"), a.Broadcast().pack()),
        Button(t("admin.classes"), a.Sessions().pack()),
        Button(t("admin.deadlines"), a.Deadlines().pack()),
        Button(t("support_admin.menu"), a.SupportAdmin().pack()),
        Button(t("admin.org"), a.OrgFacts().pack()),
        Button(t("admin.admins"), a.Admins().pack()),
        Button(t("admin.dashboard"), a.OpenDashboard().pack()),
        Button(t("menu.back_to_menu"), a.Menu().pack()),
        per_row=2,
    )
    return Reply(t("admin.menu_title"), buttons, replace=turn.incoming.payload is not None)


async def show_menu(turn: Turn) -> list[Reply]:
    """The admin menu, after what of the organisation is still unset."""
    unset = organisation.unset_lines(turn.t, await organisation.of(turn))
    notes = [Reply(Safe("\n".join(unset)))] if unset else []
    return [*notes, admin_menu(turn)]


_ROUTES = {
    a.AdminMenu: show_menu,
    a.OpenDashboard: dashboard.login_link,
    a.Stats: stats.show,
    a.Export: stats.export,
    a.Broadcast: broadcast.show,
    a.StopBroadcast: broadcast.ask_stop,
    a.ConfirmStopBroadcast: broadcast.stop,
    a.Sessions: sessions.overview,
    a.AddSession: sessions.add,
    a.EditSession: sessions.edit,
    a.ToggleSession: sessions.toggle,
    a.CancelSession: sessions.ask_cancel,
    a.ConfirmCancelSession: sessions.cancel,
    a.Deadlines: deadlines.overview,
    a.AddDeadline: deadlines.add,
    a.EditDeadline: deadlines.edit,
    a.MarkDeadline: deadlines.mark,
    a.CloseDeadline: deadlines.ask_close,
    a.ConfirmCloseDeadline: deadlines.close,
    a.ReopenDeadline: deadlines.reopen,
    a.AgencyAdmin: agency_admin.overview,
    a.AddAgency: agency_admin.add,
    a.PickAgency: agency_admin.pick,
    a.EditAgency: agency_admin.edit,
    a.ExportAgencies: agency_admin.export,
    a.NewLinkCode: deadlines.link_code,
    a.OrgFacts: people.edit_org,
    a.Admins: people.admin_list,
    a.AddAdmin: people.add,
    a.RemoveAdmin: people.ask_remove,
    a.ConfirmRemoveAdmin: people.remove,
    a.SupportAdmin: requests.overview,
    a.SupportCase: requests.case,
    a.AssignSupport: requests.assign,
    a.AnswerSupport: requests.answer,
    a.CloseSupport: requests.ask_close,
    a.ConfirmCloseSupport: requests.close,
    a.SupportTopics: requests.topics,
    a.AddSupportTopic: requests.add_topic,
    a.ToggleSupportTopic: requests.toggle_topic,
}
# the guard wraps every admin route here, so no admin handler can be reached without it
ROUTES = {action: admin_only(handler) for action, handler in _ROUTES.items()}
