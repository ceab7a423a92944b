"""The groups a deadline can address, as admins read them."""

from messages.loader import Texts
from storage.agencies import AgencyInfo

GROUPS = (("so-ban-nganh", "admin.group_so_ban_nganh"),
          ("ubnd-cap-huyen", "admin.group_ubnd_cap_huyen"),
          ("phoi-hop", "admin.group_phoi_hop"))
KIND_OF_GROUP = {"so-ban-nganh": "so", "ubnd-cap-huyen": "ubnd", "phoi-hop": "khac"}


def target_names(texts: Texts, targets: list[str], known: list[AgencyInfo]) -> str:
    """Targets (group ids or agency ids) by their names: «A», «B»."""
    names = dict(GROUPS)
    by_id = {a.id: a.name for a in known}
    return ", ".join(f"«{texts(names[t]) if t in names else by_id.get(t, t)}»" for t in targets)
