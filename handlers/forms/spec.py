"""How a form is declared: a list of fields, each with a prompt, a parser and optional choices."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from handlers.context import Turn
from handlers.turn import Reply


class Invalid(Exception):
    """A typed answer was not accepted; ``key`` names the text that says why."""

    def __init__(self, key: str, **values: object):
        super().__init__(key)
        self.key = key
        self.values = values


class Ended(Exception):
    """An answer that ends the form there: the draft is dropped and ``replies`` say why and
    where to go (a club member choosing their school, a student under 16)."""

    def __init__(self, replies: list[Reply]):
        super().__init__("form ended")
        self.replies = replies


@dataclass(frozen=True)
class Choice:
    value: str  # ASCII, short: it travels in button payloads
    label: str  # what the person sees


ChoiceSource = Callable[[Turn, dict], Awaitable[Sequence[Choice]]]


@dataclass(frozen=True)
class Field:
    """One question of a form.

    Attributes:
        name: ASCII key of the answer (≤ 16 characters: it travels in payloads).
        prompt: text key of the question.
        label: text key of the field's name in the summary.
        parse: turns typed text into the stored value or raises Invalid; None for choice-only.
        choices: the allowed choices, computed per turn; None for free text.
        multi: several choices may be picked.
        optional: the person may skip it.
        ask_phone: offer the platform's "share my phone number" button.
        when: ask the field only if this returns True for the answers so far.
        display: how a stored value is shown back (default: as stored).
        check: a further check that needs the database or other answers; raises Invalid to
            ask again, or Ended to end the form.
        max_length: the longest typed answer accepted (a pasted essay is refused, not cut).
    """

    name: str
    prompt: str
    label: str
    parse: Callable[[str], object] | None = None
    choices: ChoiceSource | None = None
    multi: bool = False
    optional: bool = False
    ask_phone: bool = False
    when: Callable[[dict], bool] | None = None
    display: Callable[[object], str] | None = None
    check: Callable[[Turn, dict, object], Awaitable[None]] | None = None
    max_length: int = 500


@dataclass(frozen=True)
class FormSpec:
    """A whole form. Bump ``version`` when fields change so saved drafts restart politely."""

    name: str
    version: int
    title: str
    fields: tuple[Field, ...]
    submit: Callable[[Turn, dict], Awaitable[list[Reply]]]

    @property
    def flow(self) -> str:
        return f"form:{self.name}"

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def active_fields(self, answers: dict) -> list[Field]:
        return [f for f in self.fields if f.when is None or f.when(answers)]
