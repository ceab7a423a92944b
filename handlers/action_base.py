"""How an action is packed into a button payload and parsed back (the idea of aiogram's
CallbackData, written for our channel-neutral core); the actions are declared in
handlers/actions.py, each a frozen dataclass with a short ASCII prefix and typed fields.

``pack()`` writes ``prefix:field:field`` and refuses a payload over 64 bytes or one that would
not read back as the same action; ``parse()`` returns the action, or None for an unknown prefix,
a wrong number of fields or a value that does not parse. Handlers only ever see parsed actions,
so a payload nobody declared reaches no branch of theirs.

Field types: ``int`` (canonical digits), ``str`` (a code: ASCII letters, digits, ``_.@+-``), a
``Literal`` of codes, ``Rest`` (the last field, may hold ``:``), ``Action`` (the last field, a
nested payload); ``X | None = None`` makes a trailing field optional. The longest registered
prefix wins, so ``myreg:x:5`` is CancelRegistration(5), not MyRegistrations with extra fields.
"""

import re
import types
from dataclasses import fields
from functools import cache, lru_cache
from typing import ClassVar, Literal, NewType, Union, get_args, get_origin, get_type_hints

from handlers.turn import is_payload

Rest = NewType("Rest", str)
_CODE = re.compile(r"[A-Za-z0-9_.@+-]+")
_REST = re.compile(r"[A-Za-z0-9_.@+:-]+")
_BAD = object()
REGISTRY: dict[str, type["Action"]] = {}


class Action:
    """Base of every action; subclasses are frozen dataclasses declared with a prefix."""

    prefix: ClassVar[str]

    def __init_subclass__(cls, prefix: str | None = None, **kwargs):
        super().__init_subclass__(**kwargs)
        if prefix is None:  # a family such as FormAction, not a payload of its own
            return
        if prefix in REGISTRY:
            raise TypeError(f"action prefix {prefix!r} declared twice")
        cls.prefix = prefix
        REGISTRY[prefix] = cls

    def pack(self) -> str:
        return _packed(self)


@lru_cache(maxsize=4096)  # menus show the same actions turn after turn
def _packed(action: Action) -> str:
    values = [getattr(action, f.name) for f in fields(action)]
    while values and values[-1] is None:
        values.pop()
    parts = [v.pack() if isinstance(v, Action) else str(v) for v in values]
    payload = ":".join([action.prefix, *parts])
    if not is_payload(payload):
        raise ValueError(f"payload must be 1-64 ASCII bytes: {payload!r}")
    if parse(payload) != action:
        raise ValueError(f"payload would not read back as {action!r}: {payload!r}")
    return payload


class FormAction(Action):
    """A button of the running form (handled by the form runner)."""


class AdminAction(Action):
    """A button of the admin tools (every route of it goes through the admin guard)."""


def parse(payload: str | None) -> Action | None:
    """The action ``payload`` stands for, or None when no declared action reads it."""
    if not payload or not is_payload(payload):
        return None
    parts = payload.split(":")
    for end in range(len(parts), 0, -1):
        cls = REGISTRY.get(":".join(parts[:end]))
        if cls is not None:
            return _read(cls, parts[end:])
    return None


def _read(cls: type[Action], parts: list[str]) -> Action | None:
    specs = _fields(cls)
    if specs and specs[-1][1] in (Rest, Action) and len(parts) > len(specs):
        parts = [*parts[: len(specs) - 1], ":".join(parts[len(specs) - 1:])]
    required = sum(1 for _, _, optional in specs if not optional)
    if not required <= len(parts) <= len(specs):
        return None
    values = [_value(kind, text) for (_, kind, _), text in zip(specs, parts, strict=False)]
    if any(value is _BAD for value in values):
        return None
    return cls(*values)


def _value(kind, text: str):
    if kind is int:
        return int(text) if text.isascii() and text.isdigit() and str(int(text)) == text \
            else _BAD
    if kind is str:
        return text if _CODE.fullmatch(text) else _BAD
    if kind is Rest:
        return text if _REST.fullmatch(text) else _BAD
    if kind is Action:
        return parse(text) or _BAD
    return text if text in get_args(kind) else _BAD  # a Literal of codes


@cache
def _fields(cls: type[Action]) -> list[tuple[str, object, bool]]:
    """(name, type, optional) of each field, read from the annotations once."""
    hints, specs = get_type_hints(cls), []
    for f in fields(cls):
        kind, optional = hints[f.name], False
        if get_origin(kind) in (Union, types.UnionType):
            kind, optional = next(a for a in get_args(kind) if a is not type(None)), True
        if kind not in (int, str, Rest, Action) and get_origin(kind) is not Literal:
            raise TypeError(f"{cls.__name__}.{f.name}: unsupported field type {kind!r}")
        specs.append((f.name, kind, optional))
    return specs
