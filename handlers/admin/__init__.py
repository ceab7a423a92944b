"""Admin tools for the department's staff, all behind one guarded entry (`/admin`, `adm:*`).

Payloads: ``adm`` menu, ``adm:stats``, ``adm:export``, ``adm:bc…`` broadcasts, ``adm:cls…``
sessions, ``adm:dl…`` deadlines, ``adm:ag…`` agencies, ``adm:org`` contact facts, ``adm:adm…``
admins.
"""

from handlers.admin import agency_admin, broadcast, deadlines, people, sessions, stats
from handlers.admin.guard import admin_only
from handlers.context import Turn
from handlers.turn import Button, Reply, rows

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
)

AREAS = {
    "stats": stats.show,
    "export": stats.export,
    "bc": broadcast.show,
    "cls": sessions.show,
    "dl": deadlines.show,
    "ag": agency_admin.show,
    "org": people.edit_org,
    "adm": people.show_admins,
}


def admin_menu(turn: Turn) -> Reply:
    t = turn.t
    buttons = rows(
        Button(t("admin.stats"), "adm:stats"), Button(t("admin.export"), "adm:export"),
        Button(t("admin.broadcast"), "adm:bc"), Button(t("admin.classes"), "adm:cls"),
        Button(t("admin.deadlines"), "adm:dl"), Button(t("admin.org"), "adm:org"),
        Button(t("admin.admins"), "adm:adm"), Button(t("menu.back_to_menu"), "menu"),
        per_row=2,
    )
    return Reply(t("admin.menu_title"), buttons, replace=turn.incoming.payload is not None)


@admin_only
async def route(turn: Turn) -> list[Reply]:
    """Every admin payload and the /admin command come through here (and its guard)."""
    parts = (turn.incoming.payload or "adm").split(":")
    handler = AREAS.get(parts[1]) if len(parts) > 1 else None
    return await handler(turn) if handler else [admin_menu(turn)]
