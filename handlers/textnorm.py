"""Vietnamese text normalisation shared by matching and validation."""

import re
import unicodedata
from collections.abc import Collection

_SPACES = re.compile(r"\s+")
# đ/Đ do not decompose under NFD; Ð (Icelandic eth) is a common look-alike of Đ.
_NON_DECOMPOSING = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})


def nfc(text: str) -> str:
    """Return ``text`` in NFC with surrounding whitespace trimmed and inner runs collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


_ASCII_NUMBER = re.compile(r"[0-9]{1,18}")


def whole_number(text: str) -> int | None:
    """The whole number ``text`` is, or None. NFKC first, so ², ① and ３ read as 2, 1 and 3;
    after it only ASCII digits count (``isdigit`` says yes to ², which ``int`` refuses)."""
    compact = unicodedata.normalize("NFKC", text).strip()
    return int(compact) if _ASCII_NUMBER.fullmatch(compact) else None


def has_format_characters(text: str) -> bool:
    """Whether ``text`` holds invisible format characters (category Cf: zero-width space, BOM,
    soft hyphen, direction overrides), which make a name differ from what is shown."""
    return any(unicodedata.category(c) == "Cf" for c in text)


def without_format_characters(text: str) -> str:
    """``text`` with its invisible format characters left out (for free text)."""
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def fold(text: str) -> str:
    """Fold Vietnamese text to lower-case ASCII-like letters for matching, never for storage;
    invisible format characters (a pasted BOM, a zero-width space) are dropped."""
    decomposed = unicodedata.normalize("NFD", text.translate(_NON_DECOMPOSING))
    stripped = without_format_characters(
        "".join(c for c in decomposed if not unicodedata.combining(c))
    )
    return _SPACES.sub(" ", stripped).strip().casefold()


# --- query normalisation (matching only) -------------------------------------------------


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Common folded syllables of the domain, used to repair Telex leftovers and glued words when
# the caller has no richer vocabulary.
BASE_VOCAB = _wordset(
    """
    ai anh ap ba ban bao bo bot ca cac cai can cao chao chat chi chinh chu chua chuong cho
    chuyen co con cong cua cuu da dai dang danh dao dau de den dia dich dien doanh doi don
    dong du duoc dung gi gia giai gian giang gio giup gom hai han hanh hay hien hiep ho hoa
    hoach hoc hoi hop huan huong huyen khi khoa khong khoi kien kinh ky la lac lai lam lien
    linh loi lop luong luot ly mat may minh moi muc muon nam nang nao nay nghe nghiep nghi
    nguoi nhac nhan nhieu nhung nhu noi nop nhiem phai phan phi pho phoi quan quang qua quoc
    quy sang sao sinh so su suat tai tao tap thao the thi thong thuc tien tieng tieu tin tinh
    toi trach tri trien truoc truong truyen tu tuyen ung uy ve vien viec vu xa xay xem xuat
    """
)
# Abbreviations people type on phones, keyed by folded token.
ABBREVIATIONS = {
    "dk": "dang ky", "dky": "dang ky", "dki": "dang ky", "ki": "ky", "li": "ly",
    "clb": "cau lac bo", "sv": "sinh vien", "dn": "doanh nghiep", "cty": "cong ty",
    "ko": "khong", "k": "khong", "kg": "khong", "hok": "khong", "hong": "khong",
    "j": "gi", "dc": "duoc", "vs": "voi", "mk": "minh", "mik": "minh", "r": "roi",
    "nscl": "nang suat chat luong", "ns": "nang suat", "cl": "chat luong",
    "khcn": "khoa hoc cong nghe", "khvcn": "khoa hoc cong nghe",
    "ubnd": "uy ban nhan dan", "cntt": "cong nghe thong tin", "dmst": "doi moi sang tao",
    "tg": "thoi gian", "ntn": "nhu the nao", "sdt": "so dien thoai", "dt": "dien thoai",
    "htx": "hop tac xa", "dh": "dai hoc", "cd": "cao dang", "qn": "quang nam",
    "dhqn": "dai hoc quang nam", "cdqn": "cao dang quang nam",
    "cb": "can bo", "gv": "giang vien", "sx": "san xuat", "bc": "bao cao", "nv": "nhiem vu",
    "ql": "quan ly", "tp": "thanh pho", "tx": "thi xa", "qg": "quoc gia",
    "tks": "cam on", "thanks": "cam on", "thank": "cam on", "camon": "cam on",
}  # fmt: skip
# After "bn" these words mean "bao nhiêu" (bn lớp); otherwise "bn" is "bạn".
_COUNTED = _wordset("lop luot nguoi can ngay thang nam tien khoa don truong lan muc buoi")
_TONE_KEYS = "sfrxj"
_AMPERSAND = re.compile(r"(?<=\w)&(?=\w)")  # KH&CN → KHCN
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")


def normalize_query(text: str, vocab: Collection[str] | None = None) -> str:
    """Normalise free text for matching: fold, drop punctuation/emoji, fix Telex, expand abbrevs.

    Args:
        text: What the user typed.
        vocab: Known folded words used to repair Telex leftovers ("kys" → "ky") and glued
            words ("dangky" → "dang ky"); defaults to :data:`BASE_VOCAB`.

    Returns:
        Space-separated folded tokens, e.g. ``"dk lớp NSCL!!"`` → ``"dang ky lop nang suat chat
        luong"``.
    """
    words = BASE_VOCAB if vocab is None else vocab
    folded = fold(_AMPERSAND.sub("", nfc(text)))
    tokens = _NOT_ALNUM.sub(" ", _LETTER_DIGIT.sub(" ", folded)).split()
    out: list[str] = []
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        out.append(_expand(token, following, words))
    return " ".join(out)


def _expand(token: str, following: str | None, words: Collection[str]) -> str:
    if token == "bn":
        return "bao nhieu" if following is None or following in _COUNTED else "ban"
    if token == "kh":
        # In this bot "KH 1349" is far more common than "kh" = "không", which ends a question.
        return "khong" if following is None else "ke hoach"
    if token in ABBREVIATIONS:
        return ABBREVIATIONS[token]
    if token in words or token.isdigit():
        return token
    return _untelex(token, words) or _unglue(token, words) or token


def _untelex(token: str, words: Collection[str]) -> str | None:
    """Undo Telex keys left in a word: tone letters at the end, doubled vowels, ``dd``, ``w``."""
    bare = token[:-1] if len(token) > 1 and token[-1] in _TONE_KEYS else token
    for candidate in (bare, _collapse(bare)):
        if candidate != token and candidate in words:
            return candidate
    return None


def _collapse(token: str) -> str:
    for pair, single in (("dd", "d"), ("aa", "a"), ("ee", "e"), ("oo", "o")):
        token = token.replace(pair, single)
    return token.replace("w", "")


def _unglue(token: str, words: Collection[str]) -> str | None:
    """Split a glued word ("doimoi") into at most 4 known syllables of 2+ letters."""
    if len(token) < 5:
        return None
    best: dict[int, list[str]] = {0: []}
    for end in range(2, len(token) + 1):
        options = [
            best[start] + [token[start:end]]
            for start in range(max(0, end - 7), end - 1)
            if start in best and token[start:end] in words and len(best[start]) < 4
        ]
        if options:
            best[end] = min(options, key=len)
    parts = best.get(len(token))
    return " ".join(parts) if parts and len(parts) > 1 else None
