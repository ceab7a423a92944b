"""Typed text that stands for a button the person was just shown: its number, its label typed
loosely (without diacritics, its beginning, some of its whole words), or a usual word for what
the button means ("ok" for «Xác nhận», "không" for «Không đồng ý»)."""

import re

from handlers.textnorm import fold, whole_number

# Folded words people type, by meaning. A button means what its label's first clause says
# («Không đồng ý», «Có, rút lại», «Hủy»), so no payload needs to declare it.
MEANINGS = {
    "yes": ("dong y", "ok", "oke", "okay", "co", "vang", "u", "yes", "xac nhan"),
    "no": ("khong", "ko", "k", "khong dong y", "no", "chua"),
    "continue": ("tiep tuc", "tiep", "dien tiep"),
    "cancel": ("huy", "huy bo"),
    "back": ("quay lai", "tro lai", "lui lai"),
    "skip": ("bo qua",),
}
_MEANING_OF = {word: meaning for meaning, words in MEANINGS.items() for word in words}
_WORDS = re.compile(r"[0-9a-z]+")
_CLAUSE = re.compile(r"[,:;.!?(—–]")
MIN_PREFIX = 3  # "hoi" may begin «Hỏi đáp»; "h" begins too much


def words(text: str) -> str:
    """``text`` folded to its words: no diacritics, case, punctuation or emoji."""
    return " ".join(_WORDS.findall(fold(text)))


def meaning(label: str) -> str | None:
    return _MEANING_OF.get(words(_CLAUSE.split(fold(label), 1)[0]))


def candidates(text: str, labels: list[str], digits_from: int, numbered: bool) -> list[int]:
    """The indexes of the ``labels`` that ``text`` may stand for: one when it is clear, several
    when the person must be asked, none when the text is not a choice.

    Digits count from ``digits_from`` (the buttons of the last message). Where that message is
    not numbered, it expects typed text, and only a whole label or a usual word chooses: the
    loose matches are for screens of choices, and even there they need whole words or a
    label's beginning, so a question typed at a menu still reaches the answers.
    """
    typed = words(text)
    # "2", "2." or a digit of another form (², ３) chooses; a digit string too long is no number
    number = whole_number(text)
    if number is None:
        number = whole_number(typed)
    if number is not None:
        index = digits_from + number - 1
        return [index] if numbered and digits_from <= index < len(labels) else []
    if not typed or typed.isdigit():
        return []
    folded = [words(label) for label in labels]
    exact = [i for i, label in enumerate(folded) if label == typed]
    if exact:
        return exact
    if typed in _MEANING_OF:
        return [i for i, label in enumerate(labels) if meaning(label) == _MEANING_OF[typed]]
    if not numbered:
        return []
    if len(typed) >= MIN_PREFIX:
        prefixed = [i for i, label in enumerate(folded) if label.startswith(typed)]
        if prefixed:
            return prefixed
    wanted = set(typed.split())
    return [i for i, label in enumerate(folded) if wanted <= set(label.split())]
