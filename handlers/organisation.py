"""Who runs the bot is admin data (``adm:org``), not template text: the host department, the
jurisdiction, the personal-data controller and the one contact. Since 01/07/2025 Quảng Nam is
part of thành phố Đà Nẵng, so the defaults name the new city's department; a contact nobody
entered is left out of replies, never shown as a placeholder."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.context import BotConfig, Turn
from handlers.reminders import notify_admins
from messages.loader import Safe, Texts, escape
from storage import org

# Form keys with the label an admin sees; the names have defaults, the contact has none.
DEFAULTED = {"dept_name": "admin.org_label_dept_name",
             "jurisdiction": "admin.org_label_jurisdiction",
             "controller_name": "admin.org_label_controller_name"}
NO_DEFAULT = {"dept_contact": "admin.org_label_dept_contact"}


@dataclass(frozen=True)
class Organisation:
    """The organisation as replies name it; ``contact`` is None until an admin enters it."""

    department: str
    jurisdiction: str
    controller: str
    contact: str | None
    retention: str | None
    stored: frozenset[str]

    def reach(self, texts: Texts, name: str | None = None) -> Safe:
        """``name`` (the department by default), with the contact when there is one."""
        name = name or self.department
        if self.contact:
            return texts("org.with_contact", name=name, contact=self.contact)
        return escape(name)


async def load(session: AsyncSession, texts: Texts) -> Organisation:
    """The organisation from the admin-entered facts, with the defaults for what is unset."""
    facts = await org.get_all(session)
    department = facts.get("dept_name") or texts("org.default_department")
    return Organisation(
        department=department,
        jurisdiction=facts.get("jurisdiction") or texts("org.default_jurisdiction"),
        controller=facts.get("controller_name") or department,
        contact=facts.get("dept_contact") or None,
        retention=facts.get("retention") or None,
        stored=frozenset(key for key, value in facts.items() if value),
    )


async def of(turn: Turn) -> Organisation:
    return await load(turn.session, turn.texts)


async def reach(turn: Turn) -> Safe:
    """The department, with its contact when an admin entered one."""
    return (await of(turn)).reach(turn.texts)


def unset_lines(texts: Texts, found: Organisation) -> list[Safe]:
    """What admins should still enter: fields without a value, then those on a default."""
    missing = [texts(label) for key, label in NO_DEFAULT.items() if key not in found.stored]
    defaulted = [texts(label) for key, label in DEFAULTED.items() if key not in found.stored]
    lines = []
    if missing:
        lines.append(texts("admin.org_missing", fields=", ".join(missing)))
    if defaulted:
        lines.append(texts("admin.org_defaulted", fields=", ".join(defaulted)))
    return lines


async def alert_unset(
    session: AsyncSession, texts: Texts, config: BotConfig, now: datetime
) -> int:
    """Tell the admins, once a day (the planner runs every minute), what is still unset."""
    lines = unset_lines(texts, await load(session, texts))
    if not lines:
        return 0
    text = texts("admin.org_alert", lines=Safe("\n".join(lines)))
    day = now.astimezone(config.tz).date().isoformat()
    return await notify_admins(session, config, f"org-unset:{day}", text, now, office_hours=True)
