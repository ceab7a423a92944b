"""Routing of one turn: deep links, button payloads, commands, the running flow, free text."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from handlers.context import Turn
from handlers.forms import runner
from handlers.forms.spec import FormSpec
from handlers.turn import Reply

Handler = Callable[[Turn], Awaitable[list[Reply]]]


@dataclass
class Router:
    """The route table. Everything a person can reach is listed in one place (handlers/__init__).

    Attributes:
        payloads: first segment of a button payload (``plan`` in ``plan:classes``) → handler.
        commands: command name without the slash → handler.
        deep_links: `/start <payload>` value → button payload it stands for.
        deep_link_prefixes: `/start <prefix><value>` → button payload prefix + value.
        forms: form name → spec; a running form receives everything that no global route takes.
        stale: answers a button that no longer means anything.
        unknown_command: answers a command nobody handles.
        free_text: answers text that is not a command, a button or a form answer.
    """

    payloads: dict[str, Handler]
    commands: dict[str, Handler]
    deep_links: dict[str, str]
    forms: dict[str, FormSpec]
    stale: Handler
    unknown_command: Handler
    free_text: Handler
    deep_link_prefixes: dict[str, str] = field(default_factory=dict)

    async def route(self, turn: Turn) -> list[Reply]:
        turn.goto = lambda payload: self._follow(turn, payload)
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
            payload = self._deep_link(start_payload.strip())
            if payload is not None:
                turn.incoming = incoming = replace(incoming, payload=payload, text=None)
        if incoming.payload:
            name = incoming.payload.split(":", 1)[0]
            if name == "f":
                return await runner.handle(turn, form) if form else await self.stale(turn)
            handler = self.payloads.get(name, self.stale)
            return await handler(turn)
        if command is not None:
            return await self.commands.get(command, self.unknown_command)(turn)
        if form is not None and not runner.away(turn):
            return await runner.handle(turn, form)
        return await self.free_text(turn)

    def _deep_link(self, value: str) -> str | None:
        for prefix, target in self.deep_link_prefixes.items():
            if value.lower().startswith(prefix) and len(value) < 60:
                return target + value[len(prefix):]
        return self.deep_links.get(value.lower())

    async def _follow(self, turn: Turn, payload: str) -> list[Reply]:
        turn.incoming = replace(turn.incoming, payload=payload, text=None, start_payload=None)
        return await self._dispatch(turn, self._running_form(turn))

    def _running_form(self, turn: Turn) -> FormSpec | None:
        flow = turn.state.flow
        if flow is None:
            return None
        form = self.forms.get(flow.removeprefix("form:"))
        if form is None:  # a flow this version no longer has
            turn.state.clear_flow()
        return form


def _is_form_turn(turn: Turn) -> bool:
    incoming = turn.incoming
    if incoming.payload:
        return incoming.payload.startswith("f:")
    return _command(incoming.text)[0] is None


def _shows_form(replies: list[Reply]) -> bool:
    """Whether the replies already offer the form's buttons (it was started or resumed)."""
    return any(b.payload.startswith("f:") for reply in replies for b in reply.all_buttons())


def _command(text: str | None) -> tuple[str | None, str | None]:
    """``/start@bot lop1`` → ("start", "lop1"); anything else → (None, None)."""
    if not text or not text.startswith("/") or len(text) < 2:
        return None, None
    head, _, argument = text[1:].partition(" ")
    return head.split("@", 1)[0].lower(), argument.strip() or None
