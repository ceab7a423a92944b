"""Routing of one turn: deep links, button payloads, commands, the running flow, free text."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from handlers.actions import Action, FormAction, parse
from handlers.context import Turn
from handlers.forms import runner
from handlers.forms.spec import FormSpec
from handlers.turn import Reply

Handler = Callable[[Turn], Awaitable[list[Reply]]]


@dataclass
class Router:
    """The route table. Everything a person can reach is listed in one place (handlers/__init__).

    Attributes:
        actions: action type (handlers/actions.py) → the handler it reaches; the handler
            reads the parsed action as ``turn.action``. Form actions go to the running form.
        commands: command name without the slash → the action it stands for, or a handler.
        deep_links: `/start <value>` → the action it stands for.
        deep_link_prefixes: `/start <prefix><value>` → makes the action from the value.
        forms: form name → spec; a running form receives everything that no global route takes.
        stale: answers a button that no longer means anything.
        unknown_command: answers a command nobody handles.
        free_text: answers text that is not a command, a button or a form answer.
    """

    actions: dict[type[Action], Handler]
    commands: dict[str, Action | Handler]
    deep_links: dict[str, Action]
    forms: dict[str, FormSpec]
    stale: Handler
    unknown_command: Handler
    free_text: Handler
    deep_link_prefixes: dict[str, Callable[[str], Action]] = field(default_factory=dict)

    async def route(self, turn: Turn) -> list[Reply]:
        turn.goto = lambda action: self._follow(turn, action)
        form = self._running_form(turn)
        if form is not None and runner.leaving(turn, form):
            return runner.ask_to_leave(turn, form)
        replies = await self._dispatch(turn, form)
        if form is not None and turn.state.flow == form.flow and (
            not _is_form_turn(turn) or runner.away(turn)
        ) and not _shows_form(replies):
            # a global route answered in the middle of a form: the draft stays, say so
            replies += await runner.resume_prompt(turn, form)
        return replies

    async def _dispatch(self, turn: Turn, form: FormSpec | None) -> list[Reply]:
        incoming = turn.incoming
        command, argument = _command(incoming.text)
        start_payload = incoming.start_payload or (argument if command == "start" else None)
        if start_payload:
            action = self._deep_link(start_payload.strip())
            if action is not None:
                return await self._follow(turn, action)
        if incoming.payload:
            # a payload no declared action reads is a stale button, never a default branch
            action = parse(incoming.payload)
            return await self._run(turn, form, action) if action else await self.stale(turn)
        if command is not None:
            target = self.commands.get(command, self.unknown_command)
            if isinstance(target, Action):  # typed, not pressed: the incoming stays as it is
                return await self._run(turn, form, target)
            return await target(turn)
        if form is not None and not runner.away(turn):
            return await runner.handle(turn, form)
        return await self.free_text(turn)

    async def _run(self, turn: Turn, form: FormSpec | None, action: Action) -> list[Reply]:
        turn.action = action
        if isinstance(action, FormAction):
            return await runner.handle(turn, form) if form else await self.stale(turn)
        return await self.actions[type(action)](turn)

    def _deep_link(self, value: str) -> Action | None:
        for prefix, make in self.deep_link_prefixes.items():
            if value.lower().startswith(prefix):
                action = make(value[len(prefix):])
                return action if _packs(action) else None
        return self.deep_links.get(value.lower())

    async def _follow(self, turn: Turn, action: Action) -> list[Reply]:
        incoming = replace(turn.incoming, payload=action.pack(), text=None, start_payload=None)
        turn.incoming = incoming
        return await self._run(turn, self._running_form(turn), action)

    def _running_form(self, turn: Turn) -> FormSpec | None:
        flow = turn.state.flow
        if flow is None:
            return None
        form = self.forms.get(flow.removeprefix("form:"))
        if form is None:  # a flow this version no longer has
            turn.state.clear_flow()
        return form


def _is_form_turn(turn: Turn) -> bool:
    if turn.incoming.payload:
        return isinstance(turn.action, FormAction)
    return _command(turn.incoming.text)[0] is None


def _packs(action: Action) -> bool:
    """Whether ``action`` (made from a deep link's text) fits in a payload."""
    try:
        action.pack()
    except ValueError:
        return False
    return True


def _shows_form(replies: list[Reply]) -> bool:
    """Whether the replies already offer the form's buttons (it was started or resumed)."""
    return any(b.payload.startswith("f:") for reply in replies for b in reply.all_buttons())


def _command(text: str | None) -> tuple[str | None, str | None]:
    """``/start@bot lop1`` → ("start", "lop1"); anything else → (None, None)."""
    if not text or not text.startswith("/") or len(text) < 2:
        return None, None
    head, _, argument = text[1:].partition(" ")
    return head.split("@", 1)[0].lower(), argument.strip() or None
