"""Loads `messages/vi/*.yaml` into flat keys (`file.nested.key`) and formats them.

Texts are written in the Telegram HTML subset (`<b>`, `<i>`), so every value put into a text is
HTML-escaped unless it is already `Safe` (the result of another text). Renderers for plain-text
channels strip the tags and unescape entities.
"""

import html
import string
import unicodedata
from pathlib import Path

import yaml

TEXTS_DIR = Path(__file__).with_name("vi")


class Safe(str):
    """Text that is already valid HTML and must not be escaped again."""


def escape(value: object) -> Safe:
    """Escape ``value`` for HTML unless it is already ``Safe``."""
    if isinstance(value, Safe):
        return value
    return Safe(html.escape(str(value), quote=False))


class Texts:
    """All texts of one language, by key."""

    def __init__(self, entries: dict[str, str]):
        self._entries = entries

    @classmethod
    def load(cls, folder: Path = TEXTS_DIR) -> "Texts":
        entries: dict[str, str] = {}
        for path in sorted(folder.glob("*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            _flatten(path.stem, data, entries)
        return cls(entries)

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(self._entries)

    def placeholders(self, key: str) -> set[str]:
        """Names of the ``{placeholders}`` the text ``key`` needs."""
        return {name for _, name, _, _ in string.Formatter().parse(self._entries[key]) if name}

    def __call__(self, key: str, **values: object) -> Safe:
        """Format the text ``key`` with ``values`` escaped; a missing key or value raises."""
        template = self._entries[key]
        return Safe(template.format_map({k: escape(v) for k, v in values.items()}))


def _flatten(prefix: str, node: object, out: dict[str, str]) -> None:
    if isinstance(node, dict):
        for name, child in node.items():
            _flatten(f"{prefix}.{name}", child, out)
    elif isinstance(node, str):
        out[prefix] = unicodedata.normalize("NFC", node.strip())
    else:
        raise ValueError(f"{prefix}: a text must be a string, got {type(node).__name__}")
