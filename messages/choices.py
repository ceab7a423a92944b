"""Choice lists as data (messages/choices.yaml)."""

from functools import cache
from pathlib import Path

import yaml

CHOICES_FILE = Path(__file__).with_name("choices.yaml")


@cache
def choice_list(name: str) -> tuple[tuple[str, str], ...]:
    """(id, Vietnamese name) pairs of the list ``name``, in file order."""
    data = yaml.safe_load(CHOICES_FILE.read_text(encoding="utf-8"))
    return tuple((item["id"], item["name"]) for item in data[name])


def choice_name(name: str, choice_id: str | None) -> str | None:
    return dict(choice_list(name)).get(choice_id, choice_id)
