"""Vietnamese text normalisation shared by matching and validation."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# đ/Đ do not decompose under NFD; Ð (Icelandic eth) is a common look-alike of Đ.
_NON_DECOMPOSING = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})


def nfc(text: str) -> str:
    """Return ``text`` in NFC with surrounding whitespace trimmed and inner runs collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str) -> str:
    """Fold Vietnamese text to lower-case ASCII-like letters for matching, never for storage."""
    decomposed = unicodedata.normalize("NFD", text.translate(_NON_DECOMPOSING))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped).strip().casefold()
