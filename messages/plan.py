"""Load and validate the Plan 1349/KH-UBND content (``plan_1349.yaml``)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

_HERE = Path(__file__).resolve().parent
DEFAULT_PATH = _HERE / "plan_1349.yaml"
ARTICLE_PATH = _HERE / "source" / "plan-1349-article.txt"
# What changed after the plan (2025 reforms), from the project's agency reference.
REFORMS_PATH = _HERE / "source" / "reforms-2025.md"

_ID = re.compile(r"[a-z0-9_]{1,16}")
_SPACES = re.compile(r"\s+")
_MAX_TITLE = 40
_MAX_PAYLOAD_BYTES = 64
# Fixed payloads the bot understands; ``plan:<section id>`` is checked separately.
PAYLOADS = frozenset(
    {
        "menu", "plan", "reg", "reg:lop1", "reg:lop2", "reg:lop3",
        "club", "club:dhqn", "club:cdqn", "agency", "myreg", "mydata",
        "ht", "ht:training", "ht:guidance", "ht:award", "ht:sttask",
    }
)  # fmt: skip
# Answers go out as Telegram HTML: only <b>/</b> and the basic entities are allowed.
_TAG = re.compile(r"<[^>]*>")
_ENTITY = re.compile(r"&(?:amp|lt|gt|quot);")


@dataclass(frozen=True)
class NextStep:
    """A button offered after an answer."""

    label: str
    payload: str


@dataclass(frozen=True)
class DatedFact:
    """A fact with a date, shown with where today stands against it.

    ``deadline``: due before ``end``; ``period``: from ``start`` to ``end``; ``change``: in
    force from ``start``.
    """

    id: str
    kind: Literal["deadline", "period", "change"]
    text: str
    start: date | None
    end: date | None


@dataclass(frozen=True)
class Section:
    """One answerable part of the plan."""

    id: str
    title: str
    answer: str
    sources: tuple[str, ...]
    questions: tuple[str, ...]
    keywords: tuple[str, ...]
    next: tuple[NextStep, ...]
    dated: tuple[str, ...] = ()


@dataclass(frozen=True)
class Intent:
    """Free text that starts a flow (registration, reminders, …) instead of answering a fact."""

    id: str
    payload: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """All sections, intents and dated facts, in file order."""

    sections: tuple[Section, ...]
    intents: tuple[Intent, ...]
    dated: tuple[DatedFact, ...] = ()

    def facts(self, section: Section) -> tuple[DatedFact, ...]:
        """The dated facts ``section`` shows, in its order."""
        by_id = {fact.id: fact for fact in self.dated}
        return tuple(by_id[fact_id] for fact_id in section.dated)

    def section(self, section_id: str) -> Section:
        """Return the section with ``section_id``.

        Args:
            section_id: A section id such as ``"classes"``.

        Raises:
            KeyError: If there is no such section.
        """
        for item in self.sections:
            if item.id == section_id:
                return item
        raise KeyError(section_id)


def nfc(text: str) -> str:
    """NFC with whitespace runs (incl. the article's non-breaking spaces) collapsed to one space.

    Kept here rather than imported from ``handlers.textnorm``: ``messages`` sits below
    ``handlers`` and must not import it.
    """
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


@lru_cache(maxsize=8)
def load_plan(path: Path | None = None) -> Plan:
    """Read, normalise (NFC) and validate the plan YAML.

    Args:
        path: YAML file to read; defaults to ``plan_1349.yaml`` next to this module.

    Returns:
        The validated, immutable plan.

    Raises:
        ValueError: If the file is malformed, an id repeats, a payload is unknown or too long,
            the answer HTML is not the allowed subset, or a source is not in the article.
    """
    raw = yaml.safe_load(Path(path or DEFAULT_PATH).read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError("plan file must be a mapping with 'sections' and 'intents'")
    # Whitespace is collapsed on both sides: the article contains non-breaking spaces.
    article = nfc(ARTICLE_PATH.read_text(encoding="utf-8"))
    reforms = nfc(REFORMS_PATH.read_text(encoding="utf-8"))
    sections = tuple(_section(item, article) for item in raw.get("sections") or ())
    dated = tuple(_dated(item, article, reforms) for item in raw.get("dated") or ())
    intents = tuple(_intent(item) for item in raw.get("intents") or ())
    if not sections:
        raise ValueError("plan has no sections")
    seen: set[str] = set()
    for item in (*sections, *intents, *dated):
        if item.id in seen:
            raise ValueError(f"duplicate id '{item.id}'")
        seen.add(item.id)
    section_ids = {s.id for s in sections}
    for section in sections:
        for step in section.next:
            _check_payload(step.payload, section_ids, f"section '{section.id}'")
    for intent in intents:
        _check_payload(intent.payload, section_ids, f"intent '{intent.id}'")
    fact_ids = {fact.id for fact in dated}
    for section in sections:
        if unknown := set(section.dated) - fact_ids:
            raise ValueError(f"section '{section.id}': unknown dated facts {sorted(unknown)}")
    return Plan(sections=sections, intents=intents, dated=dated)


def _section(item: Any, article: str) -> Section:
    sid = _ident(item)
    where = f"section '{sid}'"
    title = _text(item.get("title"), where, "title")
    if len(title) > _MAX_TITLE:
        raise ValueError(f"{where}: title longer than {_MAX_TITLE} characters")
    answer = _answer(item.get("answer"), where)
    sources = _texts(item.get("sources"), where, "sources")
    if not sources:
        raise ValueError(f"{where}: needs at least one source sentence")
    for source in sources:
        if source not in article:
            raise ValueError(f"{where}: source is not in the article: {source[:60]!r}")
    steps = []
    for step in item.get("next") or ():
        if not isinstance(step, dict):
            raise ValueError(f"{where}: each next step needs label and payload")
        label = _text(step.get("label"), where, "next label")
        steps.append(NextStep(label=label, payload=str(step.get("payload", ""))))
    return Section(
        id=sid,
        title=title,
        answer=answer,
        sources=sources,
        questions=_texts(item.get("questions"), where, "questions"),
        keywords=_keywords(item.get("keywords"), where),
        next=tuple(steps),
        dated=_texts(item.get("dated"), where, "dated"),
    )


def _dated(item: Any, article: str, reforms: str) -> DatedFact:
    """A dated fact quotes the article (``sources``) or the reform reference (``references``)."""
    fid = _ident(item)
    where = f"dated fact '{fid}'"
    sources = _texts(item.get("sources"), where, "sources")
    references = _texts(item.get("references"), where, "references")
    quotes = [(q, article) for q in sources] + [(q, reforms) for q in references]
    if not quotes or any(quote not in text for quote, text in quotes):
        raise ValueError(f"{where}: every source must be in the article, every reference in "
                         "the reforms excerpt, and there must be one")
    kind, start, end = item.get("kind"), item.get("start"), item.get("end")
    needs = {"deadline": (end,), "period": (start, end), "change": (start,)}.get(kind)
    if needs is None or not all(isinstance(day, date) for day in needs):
        raise ValueError(f"{where}: kind deadline (end), period (start, end) or change (start)")
    return DatedFact(id=fid, kind=kind, text=_text(item.get("text"), where, "text"),
                     start=start, end=end)


def _intent(item: Any) -> Intent:
    iid = _ident(item)
    where = f"intent '{iid}'"
    return Intent(
        id=iid,
        payload=str(item.get("payload", "")),
        questions=_texts(item.get("questions"), where, "questions"),
        keywords=_keywords(item.get("keywords"), where),
    )


def _ident(item: Any) -> str:
    if not isinstance(item, dict):
        raise ValueError(f"expected a mapping, got {item!r}")
    value = str(item.get("id", ""))
    if not _ID.fullmatch(value):
        raise ValueError(f"bad id {value!r}: use [a-z0-9_], at most 16 characters")
    return value


def _text(value: Any, where: str, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: '{field}' must be non-empty text")
    return nfc(value)


def _texts(values: Any, where: str, field: str) -> tuple[str, ...]:
    if values is None:
        return ()
    if not isinstance(values, list):
        raise ValueError(f"{where}: '{field}' must be a list")
    return tuple(_text(value, where, field) for value in values)


def _keywords(values: Any, where: str) -> tuple[str, ...]:
    keywords = _texts(values, where, "keywords")
    for keyword in keywords:
        # Folded = what handlers.textnorm.fold produces: lower-case ASCII, no diacritics.
        if not keyword.isascii() or keyword != keyword.lower():
            raise ValueError(f"{where}: keyword {keyword!r} must be folded (no diacritics)")
    return keywords


def _answer(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: 'answer' must be non-empty text")
    # Keep line breaks (Telegram shows them); only normalise and trim each line.
    lines = unicodedata.normalize("NFC", value).strip().split("\n")
    text = "\n".join(line.rstrip() for line in lines)
    tags = _TAG.findall(text)
    if any(tag not in ("<b>", "</b>") for tag in tags):
        raise ValueError(f"{where}: answer may only use <b>…</b>")
    depth = 0
    for tag in tags:
        depth += 1 if tag == "<b>" else -1
        if depth not in (0, 1):
            raise ValueError(f"{where}: unbalanced <b> tags")
    if depth:
        raise ValueError(f"{where}: unbalanced <b> tags")
    bare = _TAG.sub("", _ENTITY.sub("", text))
    if any(char in bare for char in "<>&"):
        raise ValueError(f"{where}: escape & < > in the answer")
    return text


def _check_payload(payload: str, section_ids: set[str], where: str) -> None:
    if not payload.isascii() or not 0 < len(payload.encode()) <= _MAX_PAYLOAD_BYTES:
        raise ValueError(f"{where}: payload {payload!r} must be ASCII, 1–64 bytes")
    kind, _, target = payload.partition(":")
    if payload in PAYLOADS or (kind == "plan" and target in section_ids):
        return
    raise ValueError(f"{where}: unknown payload {payload!r}")
