"""The one form runner: ask, validate and re-ask, back, cancel, summary with edit, confirm,
resume after a pause, and a polite restart when the form definition changed.

Its buttons carry the form actions of handlers/actions.py (Choose, Toggle, DonePicking, Skip,
EditField, Back, CancelForm, Submit, Resume, Restart); a field's action names the field, so a
button of another question is refused.
"""

from dataclasses import replace
from datetime import datetime, timedelta

from handlers import actions as a
from handlers.context import Turn
from handlers.forms.spec import Choice, Field, FormSpec, Invalid
from handlers.textnorm import nfc
from handlers.turn import Button, Reply, rows
from messages.loader import Safe

SUMMARY = "_summary"
PAUSE_BEFORE_ASKING_TO_RESUME = timedelta(minutes=30)
DRAFT_LIFETIME = timedelta(days=30)


async def start(turn: Turn, spec: FormSpec, answers: dict | None = None) -> list[Reply]:
    """Begin ``spec`` (optionally with answers known in advance) and ask the first question."""
    state = turn.state
    state.clear_flow()
    state.flow, state.flow_version = spec.flow, spec.version
    state.answers = dict(answers or {})
    state.scratch["asked"] = list(state.answers)
    intro = turn.t("forms.intro", title=turn.t(spec.title))
    first, *rest = await _ask_next(turn, spec)
    return [replace(first, text=Safe(intro + "\n\n" + first.text)), *rest]


async def handle(turn: Turn, spec: FormSpec) -> list[Reply]:
    """Handle what the person sent while ``spec`` is their running flow."""
    state, t = turn.state, turn.t
    if state.flow_version != spec.version:
        return [Reply(t("forms.changed", title=t(spec.title))), *await start(turn, spec)]
    action = turn.action if isinstance(turn.action, a.FormAction) else None
    last = datetime.fromisoformat(state.updated_at) if state.updated_at else turn.now
    if action is None and turn.now - last > DRAFT_LIFETIME:
        state.clear_flow()
        return [Reply(t("forms.expired", title=t(spec.title)))]
    if action is None and turn.now - last > PAUSE_BEFORE_ASKING_TO_RESUME:
        return [resume_prompt(turn, spec)]
    if isinstance(action, a.CancelForm):
        state.clear_flow()
        return [Reply(t("forms.cancelled"), rows(Button(t("menu.back_to_menu"),
                                                        a.Menu().pack())))]
    if isinstance(action, a.Restart):
        return await start(turn, spec)
    if isinstance(action, a.Resume):
        return await _ask_current(turn, spec)
    if isinstance(action, a.Back):
        return await _back(turn, spec)
    if isinstance(action, a.Submit) and state.step == SUMMARY:
        answers = dict(state.answers)
        state.clear_flow()
        return await spec.submit(turn, answers)
    if isinstance(action, a.EditField) and state.step == SUMMARY and spec.field(action.field):
        state.step, state.scratch["editing"] = action.field, True
        return await _ask_current(turn, spec)
    if state.step == SUMMARY:
        return [Reply(t("forms.use_buttons")), await _summary(turn, spec)]
    field = spec.field(state.step or "")
    if field is None:  # the saved step no longer exists in this version of the form
        return await start(turn, spec)
    if action is not None and getattr(action, "field", None) != field.name:
        return [Reply(t("forms.stale_button")), *await _ask_current(turn, spec)]
    return await _answer(turn, spec, field, action)


def resume_prompt(turn: Turn, spec: FormSpec) -> Reply:
    """Ask whether to continue a draft the person left some time ago."""
    t, answers = turn.t, turn.state.answers
    done = sum(1 for f in spec.active_fields(answers) if f.name in answers)
    total = len(spec.active_fields(answers))
    buttons = rows(
        Button(t("forms.resume"), a.Resume().pack()),
        Button(t("forms.restart"), a.Restart().pack()),
        Button(t("forms.cancel"), a.CancelForm().pack()),
    )
    return Reply(t("forms.resume_question", title=t(spec.title), done=done, total=total), buttons)


async def _answer(turn: Turn, spec: FormSpec, field: Field, action) -> list[Reply]:
    state, t = turn.state, turn.t
    try:
        if isinstance(action, a.Skip) and field.optional:
            state.answers.pop(field.name, None)
            return await _after_answer(turn, spec)
        if field.multi and isinstance(action, (a.Toggle, a.DonePicking)):
            return await _pick(turn, spec, field, action)
        if isinstance(action, a.Choose):
            value = await _offered(turn, field, action.value)
            value = [value] if field.multi else value
        elif action is None and turn.incoming.phone and field.ask_phone:
            value = field.parse(turn.incoming.phone)
        elif action is None and turn.incoming.text is not None:
            value = await _parse_text(turn, field, turn.incoming.text)
        else:
            raise Invalid("forms.use_buttons")
        if field.check is not None:
            await field.check(turn, state.answers, value)
        state.answers[field.name] = value
    except Invalid as problem:
        error = Reply(t(problem.key, **problem.values))
        return [error, *await _ask_current(turn, spec)]
    return await _after_answer(turn, spec)


async def _parse_text(turn: Turn, field: Field, text: str) -> object:
    text = nfc(text)
    if not text:
        raise Invalid("forms.empty")
    if len(text) > field.max_length:
        raise Invalid("forms.too_long", limit=field.max_length)
    if field.parse is None:
        raise Invalid("forms.choose_from_list")
    return field.parse(text)


async def _offered(turn: Turn, field: Field, value: str) -> str:
    """``value`` if it is still one of the field's choices (a button may be older than them)."""
    if value not in {c.value for c in await field.choices(turn, turn.state.answers)}:
        raise Invalid("forms.choice_gone")
    return value


async def _pick(turn: Turn, spec: FormSpec, field: Field, action) -> list[Reply]:
    picked = list(turn.state.scratch.get("picked", turn.state.answers.get(field.name, [])))
    if isinstance(action, a.Toggle):
        value = await _offered(turn, field, action.value)
        picked = [v for v in picked if v != value] if value in picked else [*picked, value]
        turn.state.scratch["picked"] = picked
        return await _ask_current(turn, spec)
    if not picked and not field.optional:
        raise Invalid("forms.pick_at_least_one")
    if field.check is not None:
        await field.check(turn, turn.state.answers, picked)
    turn.state.answers[field.name] = picked
    turn.state.scratch.pop("picked", None)
    return await _after_answer(turn, spec)


async def _after_answer(turn: Turn, spec: FormSpec) -> list[Reply]:
    state = turn.state
    # after an edit, go back to the summary unless the edit made another field needed
    if state.scratch.pop("editing", False) and _first_unanswered(spec, state) is None:
        state.step = SUMMARY
        return [await _summary(turn, spec)]
    return await _ask_next(turn, spec)


def _first_unanswered(spec: FormSpec, state) -> Field | None:
    asked = state.scratch.get("asked", [])
    return next((f for f in spec.active_fields(state.answers) if f.name not in asked), None)


async def _ask_next(turn: Turn, spec: FormSpec) -> list[Reply]:
    state = turn.state
    if state.step and state.step != SUMMARY:
        asked = state.scratch.setdefault("asked", [])
        if state.step not in asked:
            asked.append(state.step)
    field = _first_unanswered(spec, state)
    if field is None:
        state.step = SUMMARY
        return [await _summary(turn, spec)]
    state.step = field.name
    return await _ask_current(turn, spec)


async def _back(turn: Turn, spec: FormSpec) -> list[Reply]:
    state = turn.state
    asked = state.scratch.setdefault("asked", [])
    if state.scratch.pop("editing", False):
        state.step = SUMMARY
        return [await _summary(turn, spec)]
    if state.step == SUMMARY:
        active = [f.name for f in spec.active_fields(state.answers)]
        target = next((name for name in reversed(asked) if name in active), None)
    else:
        names = [f.name for f in spec.active_fields(state.answers)]
        position = names.index(state.step) if state.step in names else len(names)
        target = names[position - 1] if position > 0 else None
    if target is None:
        return [Reply(turn.t("forms.at_first")), *await _ask_current(turn, spec)]
    if target in asked:
        asked.remove(target)
    state.step = target
    state.scratch.pop("picked", None)
    return await _ask_current(turn, spec)


async def _ask_current(turn: Turn, spec: FormSpec) -> list[Reply]:
    state, t = turn.state, turn.t
    if state.step == SUMMARY:
        return [await _summary(turn, spec)]
    field = spec.field(state.step)
    text = t(field.prompt)
    if field.name in state.answers and not field.multi:
        text = Safe(text + "\n" + t("forms.current_value", value=await _shown(turn, field)))
    buttons: list[Button] = []
    if field.choices is not None:
        choices = await field.choices(turn, state.answers)
        buttons += _choice_buttons(field, choices, state.scratch.get("picked", []))
        if field.multi:
            buttons.append(Button(t("forms.done_picking"), a.DonePicking(field.name).pack()))
    if field.optional:
        buttons.append(Button(t("forms.skip"), a.Skip(field.name).pack()))
    nav = (Button(t("forms.back"), a.Back().pack()), Button(t("forms.cancel"),
                                                            a.CancelForm().pack()))
    free_text = field.parse is not None
    return [
        Reply(
            text,
            rows(*buttons, per_row=1) + (nav,),
            numbered=not free_text,
            ask_phone=field.ask_phone,
        )
    ]


def _choice_buttons(field: Field, choices, picked: list[str]) -> list[Button]:
    if not field.multi:
        return [Button(c.label, a.Choose(field.name, c.value).pack()) for c in choices]
    return [
        Button(("✅ " if c.value in picked else "▫️ ") + c.label,
               a.Toggle(field.name, c.value).pack())
        for c in choices
    ]


async def _summary(turn: Turn, spec: FormSpec) -> Reply:
    t, answers = turn.t, turn.state.answers
    lines = [t("forms.summary_title", title=t(spec.title))]
    edits = []
    for field in spec.active_fields(answers):
        value = await _shown(turn, field)
        lines.append(t("forms.summary_line", label=t(field.label), value=value))
        edits.append(Button(t("forms.edit_field", label=t(field.label)),
                            a.EditField(field.name).pack()))
    confirm = (Button(t("forms.confirm"), a.Submit().pack()),
               Button(t("forms.cancel"), a.CancelForm().pack()))
    return Reply(Safe("\n".join(lines)), (confirm, *rows(*edits, per_row=2)))


async def _shown(turn: Turn, field: Field) -> str:
    """An answer as the person reads it: a choice by its label, never its code."""
    value = turn.state.answers.get(field.name)
    if value is None:
        return turn.t("forms.not_given")
    if field.choices is not None:
        labels = {c.value: c.label for c in await field.choices(turn, turn.state.answers)}
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v, v) for v in values)
    return field.display(value) if field.display else str(value)


def choices_of(*pairs: tuple[str, str]):
    """A static choice list from (value, text key) pairs, rendered with the turn's texts."""

    async def source(turn: Turn, _answers: dict) -> list[Choice]:
        return [Choice(value, turn.t(key)) for value, key in pairs]

    return source
