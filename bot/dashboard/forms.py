"""A chat form's fields read from a posted web form: each value is parsed and checked exactly as
the chat parses and checks a typed answer (the same parsers, checks and error texts)."""

from collections.abc import Mapping

from markupsafe import Markup

from handlers.context import Turn
from handlers.forms.spec import Field, FormSpec, Invalid
from handlers.textnorm import nfc


async def read(turn: Turn, spec: FormSpec, posted: Mapping,
               answers: dict) -> tuple[dict, dict[str, Markup]]:
    """``answers`` completed from ``posted``; and the problem with each refused field."""
    answers, problems = dict(answers), {}
    for field in spec.active_fields(answers):
        try:
            value = await _value(turn, field, nfc(str(posted.get(field.name, ""))).strip(),
                                 answers)
        except Invalid as problem:
            problems[field.name] = Markup(turn.t(problem.key, **problem.values))
            continue
        if value is None:
            answers.pop(field.name, None)
        else:
            answers[field.name] = value
    for field in spec.active_fields(answers):
        if field.check is None or field.name in problems or field.name not in answers:
            continue
        try:
            await field.check(turn, answers, answers[field.name])
        except Invalid as problem:
            problems[field.name] = Markup(turn.t(problem.key, **problem.values))
    return answers, problems


async def _value(turn: Turn, field: Field, text: str, answers: dict) -> object:
    if not text:
        if field.optional:
            return None
        raise Invalid("forms.empty")
    if len(text) > field.max_length:
        raise Invalid("forms.too_long", limit=field.max_length)
    if field.choices is not None:
        if text not in {c.value for c in await field.choices(turn, answers)}:
            raise Invalid("forms.choice_gone")
        return text
    return field.parse(text)


def shown(field: Field, answers: dict) -> str:
    """A stored answer as the form's input shows it again (a date as dd/mm/yyyy)."""
    value = answers.get(field.name)
    if value is None:
        return ""
    return field.display(value) if field.display else str(value)
