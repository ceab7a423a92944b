"""The one form runner: ask, validate and re-ask, back, cancel, summary with edit, confirm,
resume after a pause, and a polite restart when the form definition changed.

Its buttons carry the form actions of handlers/actions.py (Choose, Toggle, DonePicking, Skip,
EditField, Back, CancelForm, Submit, Resume, Restart, Leave); a field's action names the field,
so a button of another question is refused.
"""

from dataclasses import replace
from datetime import datetime, timedelta

from handlers import actions as a
from handlers.context import Turn
from handlers.forms.spec import Choice, Ended, Field, FormSpec, Invalid
from handlers.menu import main_menu
from handlers.textnorm import fold, nfc
from handlers.turn import Button, Reply, rows
from messages.loader import Safe

SUMMARY = "_summary"
PAUSE_BEFORE_ASKING_TO_RESUME = timedelta(minutes=30)
DRAFT_LIFETIME = timedelta(days=30)
# Typed in a free-text field, these mean "get me out", never the answer (README: «Forms»).
WAYS_OUT = frozenset({"menu", "thoat", "huy", "huy bo"})
QUOTES = ('""', "“”", "«»", "''")  # a way out in quotes is meant as the answer
AWAY = "away"  # scratch flag: the person left the form; their typed text is not an answer
ASKED_TO_LEAVE = "asked_to_leave"  # a second way out in a row is taken as meant
PRESET = "preset"  # scratch: the answers the form was started with, for «Bắt đầu lại»


async def start(turn: Turn, spec: FormSpec, answers: dict | None = None) -> list[Reply]:
    """Begin ``spec`` (optionally with answers known in advance) and ask the first question;
    a draft of the same form with more answers is offered to continue instead, never lost."""
    state, preset = turn.state, answers or {}
    if (state.flow == spec.flow and state.flow_version == spec.version
            and len(state.answers) > len(preset)
            and all(state.answers.get(k) == v for k, v in preset.items())):
        state.scratch.pop(AWAY, None)
        return await resume_prompt(turn, spec)
    return await _begin(turn, spec, answers)


async def _begin(turn: Turn, spec: FormSpec, answers: dict | None) -> list[Reply]:
    state = turn.state
    state.clear_flow()
    state.flow, state.flow_version = spec.flow, spec.version
    state.answers = dict(answers or {})
    # what the form was started with (a broadcast's audience, the registration being changed)
    state.scratch[PRESET] = dict(state.answers)
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
        return await resume_prompt(turn, spec)
    if action is not None:  # a button of the form: the person is back
        state.scratch.pop(AWAY, None)
    if isinstance(action, a.Leave):
        state.scratch[AWAY] = True
        return [Reply(t("forms.left", title=t(spec.title))), main_menu(turn)]
    if isinstance(action, a.CancelForm):
        state.clear_flow()
        return [Reply(t("forms.cancelled"), rows(Button(t("menu.back_to_menu"),
                                                        a.Menu().pack())))]
    if isinstance(action, a.Restart):  # back to how the form began, with what it is about
        return await _begin(turn, spec, state.scratch.get(PRESET))
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


async def resume_prompt(turn: Turn, spec: FormSpec) -> list[Reply]:
    """Ask whether to continue a draft, in its own message, followed by the pending question
    (so a typed digit answers that question) unless the person chose to leave the form."""
    t, state = turn.t, turn.state
    done = sum(1 for f in spec.active_fields(state.answers) if f.name in state.answers)
    total = len(spec.active_fields(state.answers))
    buttons = rows(
        Button(t("forms.resume"), a.Resume().pack()),
        Button(t("forms.restart"), a.Restart().pack()),
        Button(t("forms.cancel"), a.CancelForm().pack()),
    )
    text = t("forms.resume_question", title=t(spec.title), done=done, total=total)
    question = Reply(text, buttons, numbered=False)  # its choices are typed, never numbered
    pending = state.step == SUMMARY or spec.field(state.step or "") is not None
    if state.scratch.get(AWAY) or not pending:
        return [question]
    return [question, *await _ask_current(turn, spec)]


def away(turn: Turn) -> bool:
    """Whether the person left the running form (their typed text is not an answer)."""
    return bool(turn.state.scratch.get(AWAY))


def leaving(turn: Turn, spec: FormSpec) -> bool:
    """Whether the person typed a way out (menu, /menu, thoát, hủy) that is no button here or
    is typed in a free-text field, so they are asked first; not when they were just asked and
    the word is a button of that question."""
    asked = turn.state.scratch.pop(ASKED_TO_LEAVE, False)
    payload = turn.incoming.payload
    if not _way_out(turn.incoming.text) or away(turn) or (asked and payload):
        return False
    field = spec.field(turn.state.step or "")
    return payload is None or (field is not None and field.parse is not None)


def _way_out(text: str | None) -> bool:
    return text is not None and fold(text).strip("/ .!?") in WAYS_OUT


def ask_to_leave(turn: Turn, spec: FormSpec) -> list[Reply]:
    t = turn.t
    turn.state.scratch[ASKED_TO_LEAVE] = True
    buttons = rows(
        Button(t("forms.leave"), a.Leave().pack()),
        Button(t("forms.go_on"), a.Resume().pack()),
        Button(t("forms.discard"), a.CancelForm().pack()),
    )
    return [Reply(t("forms.leave_question", title=t(spec.title)), buttons)]


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
    except Ended as end:
        state.clear_flow()
        return end.replies
    return await _after_answer(turn, spec)


async def _parse_text(turn: Turn, field: Field, text: str) -> object:
    text = nfc(text)
    if len(text) > 2 and text[0] + text[-1] in QUOTES and _way_out(text[1:-1]):
        text = text[1:-1]
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
        state.scratch.pop("picked", None)
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
        picked = state.scratch.get("picked", state.answers.get(field.name, []))
        buttons += _choice_buttons(field, choices, picked)
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
        edits.append(Button(t("forms.edit_field", label=mid_sentence(t(field.label))),
                            a.EditField(field.name).pack()))
    confirm = (Button(t("forms.confirm"), a.Submit().pack()),
               Button(t("forms.cancel"), a.CancelForm().pack()))
    return Reply(Safe("\n".join(lines)), (confirm, *rows(*edits, per_row=2)))


def mid_sentence(label: str) -> str:
    """A label as it reads inside a sentence («Sửa lớp đăng ký»): its first letter lower-cased,
    unless the first word is an abbreviation such as UBND."""
    first = label.split(" ", 1)[0]
    return label if first.isupper() else label[:1].lower() + label[1:]


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
