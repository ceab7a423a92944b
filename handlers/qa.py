"""Match a free-text question to a plan section or a flow intent (no network, no models).

Every target (section or intent) is described by its example questions, keywords and title,
normalised with :func:`handlers.textnorm.normalize_query`. A question is ranked against the
targets with three signals:

* BM25 over words and unordered pairs of neighbouring words, with a sharpened IDF — rewards
  rare, telling words ("giai thuong", "dau moi") and does not care about word order;
* the best rapidfuzz ``token_set_ratio`` against one example question — tolerates typos and
  extra words;
* the most specific keyword phrase found in the question; a multi-word keyword of an intent
  ("dang ky lop", "nhac han") also adds a fixed bonus, because a verb of action beats a topic
  noun: "đăng ký lớp đổi mới sáng tạo" starts registration, it does not explain the class.

Out-of-scope questions ("giá vàng hôm nay") are refused on *evidence*: the mean of how many
content words the plan vouches for (a known word pair or a one-word keyword) and how much of
the question's IDF weight the best target holds. Measured with ``bench/faq.py``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from handlers.textnorm import BASE_VOCAB, normalize_query
from messages.plan import Plan


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Function words: no topic of their own, never evidence for or against a target.
_STOP = _words(
    "a ad admin ah ai anh ban bot cho cua co cac cai da duoc em gi hay khong la minh mot"
    " nay nhe nhi nhung oi roi thi toi vay va voi vui"
)
# Question words and everyday verbs: they count when the plan uses them and are ignored
# otherwise, so "kinh phí lấy từ đâu" is not held to "lấy", "từ", "đâu".
_NEUTRAL = _words(
    "biet bao can de do doc dau gio gui hoi khi lam lay len luc mo muon nao nhieu nhu o phai"
    " ra sao the them tim tu ve xem"
)
# Topics people ask chatbots about that the plan never covers (weather, football, loans,
# admissions, licences, vehicles): a question on one of them is out of scope, whatever plan
# words it shares ("kết quả bóng đá" is not "báo cáo kết quả"). Folded word pairs.
_OFF_TOPIC = frozenset(
    tuple(p.split())
    for p in ("thoi tiet", "bong da", "gia vang", "ty gia", "xo so", "chung khoan",
              "lai suat", "vay von", "vay tien", "the thao", "ca si", "phim anh",
              "diem chuan", "tuyen sinh", "xet tuyen", "diem thi", "vay uu", "khoan vay",
              "cho vay", "giay phep", "cap phep", "dang kiem", "bien so", "xe may", "o to",
              "lai xe")
)
# Greetings and thanks that often open a real question ("chào ad, cho hỏi …").
_COURTESY = tuple(
    tuple(p.split())
    for p in ("xin chao", "chao", "hi", "hello", "alo", "cam on", "oi", "a", "ad", "ban", "da")
)
# A folded Vietnamese syllable (onset, nucleus, coda). Only tokens that cannot be one ("huna",
# "luog", "ngiep", "tjn") are typo-corrected: "vang" or "bong" are real words that are merely
# absent from the plan, and "correcting" them would invent matches.
_ONSET = (
    r"(?:ngh(?=[eiy])|ng(?![eiy])|gh(?=[eiy])|gi|g(?![eiy])"
    r"|nh|ch|kh|ph|qu|th|tr|[bcdhklmnprstvx])?"
)
_NUCLEUS = (
    r"(?:uye|uya|uyu|ieu|yeu|oai|oay|oao|oeo|uoi|uou|uay"
    r"|ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|oo|ua|ue|ui|uo|uu|uy|ye|[aeiouy])"
)
_SYLLABLE = re.compile(rf"{_ONSET}(?:{_NUCLEUS}(?:ng|[cmnpt])?|(?:oa|ue|uy|[aeiy])(?:ch|nh))")

# Weights and thresholds, chosen with bench/faq.py plus a leave-one-out run over the YAML
# questions (see the module docstring).
_K1, _B = 1.2, 0.75  # textbook BM25 constants
_W_BM25, _W_FUZZ, _W_KEYWORD = 0.40, 0.30, 0.30
_INTENT_KEYWORD = 2.0  # an intent's keyword counts double: it names an action
_INTENT_TRIGGER = 10.0  # points added when a multi-word intent keyword is present
_MIN_EVIDENCE = 0.475  # below: out of scope
_MIN_SCORE = 40.0  # below: out of scope too (e.g. a lone "a" or "ok")
_SURE_EVIDENCE = 0.7  # at or above (with score and margin below): answer directly
_CONFIDENT = 70.0
_MARGIN = 8.0
_CLOSE = 15.0  # alternatives: sections within this many points of the best


@dataclass(frozen=True)
class QaMatch:
    """Result of :meth:`QaIndex.match`.

    Attributes:
        kind: ``"section"``, ``"intent"`` or ``"none"`` (out of scope).
        id: Section or intent id; ``None`` when ``kind == "none"``.
        score: 0..100, higher is surer.
        alternatives: Up to 3 other plausible section ids for a close call, best first.
        confident: Answer directly when true; otherwise ask "Có phải bạn muốn hỏi: …".
    """

    kind: Literal["section", "intent", "none"]
    id: str | None
    score: float
    alternatives: tuple[str, ...]
    confident: bool


NO_MATCH = QaMatch(kind="none", id=None, score=0.0, alternatives=(), confident=False)


@dataclass(frozen=True)
class _Target:
    kind: Literal["section", "intent"]
    id: str
    questions: tuple[str, ...]  # normalised example questions (and the section title)
    keywords: tuple[tuple[str, ...], ...]  # normalised keyword phrases as token tuples


def _grams(tokens: list[str]) -> list[str]:
    """Words plus unordered pairs of neighbouring content words ("ky ngay" = "ngay ky")."""
    content = [t for t in tokens if t not in _STOP]
    return tokens + ["_".join(sorted(p)) for p in zip(content, content[1:], strict=False)]


def _idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _drop_courtesy(tokens: list[str]) -> list[str]:
    """Drop a leading greeting or thanks when a question follows it."""
    rest = tokens
    while rest:
        phrase = next((p for p in _COURTESY if tuple(rest[: len(p)]) == p), None)
        if phrase is None:
            break
        rest = rest[len(phrase) :]
    return rest if any(t not in _STOP for t in rest) else tokens


class QaIndex:
    """Search index over a :class:`~messages.plan.Plan`; build once, then match many times."""

    def __init__(self, targets: list[_Target], vocab: frozenset[str]) -> None:
        """Precompute the BM25 statistics; use :meth:`build` rather than calling this."""
        self._targets = targets
        self._vocab = vocab
        self._vocab_list = sorted(vocab)
        self._questions = [q for t in targets for q in t.questions]
        self._owner = [i for i, t in enumerate(targets) for _ in t.questions]
        texts = [[*t.questions, *(" ".join(k) for k in t.keywords)] for t in targets]
        self._docs = [Counter(g for x in group for g in _grams(x.split())) for group in texts]
        self._lengths = [sum(doc.values()) for doc in self._docs]
        self._avg_length = sum(self._lengths) / len(self._docs)
        n = len(self._docs)
        df = Counter(g for doc in self._docs for g in doc)
        self._idf = {g: _idf(n, c) for g, c in df.items()}
        self._unknown_idf = _idf(n, 0)
        # Ranking squares the IDF: with ~30 small targets the plain log barely separates a word
        # found in one target from one found in ten.
        self._sharp = {g: w * w for g, w in self._idf.items()}
        self._pairs = {
            frozenset(pair)
            for group in texts
            for x in group
            for seq in (x.split(), [w for w in x.split() if w not in _STOP])
            for pair in zip(seq, seq[1:], strict=False)
        }
        self._solo = {x for group in texts for x in group if " " not in x}
        self._correct = lru_cache(maxsize=4096)(self._correct_uncached)

    @classmethod
    def build(cls, plan: Plan) -> QaIndex:
        """Index every section and intent of ``plan``.

        Args:
            plan: The loaded plan.

        Returns:
            A ready index.
        """
        items = [*plan.sections, *plan.intents]
        # The vocabulary (Telex repair, typo correction) also takes the words of the answers.
        texts = [x for item in items for x in (*item.questions, *item.keywords)]
        texts += [x for s in plan.sections for x in (s.title, s.answer)]
        vocab = BASE_VOCAB | {w for x in texts for w in normalize_query(x).split()}
        targets = []
        for item in items:
            is_section = hasattr(item, "answer")
            questions = [*item.questions, *([item.title] if is_section else [])]
            keywords = [normalize_query(k, vocab).split() for k in item.keywords]
            targets.append(
                _Target(
                    kind="section" if is_section else "intent",
                    id=item.id,
                    questions=tuple(dict.fromkeys(normalize_query(q, vocab) for q in questions)),
                    keywords=tuple(tuple(k) for k in keywords if k),
                )
            )
        return cls(targets, frozenset(vocab))

    def match(self, text: str) -> QaMatch:
        """Find the section or intent ``text`` asks about.

        Args:
            text: The user's message, in any spelling (diacritics, Telex, abbreviations).

        Returns:
            The best match, or :data:`NO_MATCH` when the question is out of scope.
        """
        tokens = " ".join(self._correct(t) for t in normalize_query(text, self._vocab).split())
        tokens = _drop_courtesy(tokens.split())
        if all(t in _STOP or t in _NEUTRAL for t in tokens):
            return NO_MATCH  # "dạ", "ở đâu", "gì": nothing to look up
        if _OFF_TOPIC & set(zip(tokens, tokens[1:], strict=False)):
            return NO_MATCH
        scores = self._scores(tokens)
        order = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)
        best = order[0]
        evidence = (self._coverage(tokens) + self._explained(tokens, best)) / 2
        top = min(scores[best], 100.0)
        if evidence < _MIN_EVIDENCE or top < _MIN_SCORE:
            return NO_MATCH
        runner_up = scores[order[1]] if len(order) > 1 else 0.0
        alternatives = tuple(
            self._targets[i].id
            for i in order[1:]
            if self._targets[i].kind == "section" and scores[i] >= scores[best] - _CLOSE
        )[:3]
        return QaMatch(
            kind=self._targets[best].kind,
            id=self._targets[best].id,
            score=round(top, 1),
            alternatives=alternatives,
            confident=(
                evidence >= _SURE_EVIDENCE
                and top >= _CONFIDENT
                and scores[best] - runner_up >= _MARGIN
            ),
        )

    def _scores(self, tokens: list[str]) -> list[float]:
        grams = set(_grams(tokens))
        bm25 = [self._bm25(grams, i) for i in range(len(self._targets))]
        top_bm25 = max(bm25) or 1.0
        fuzzy = [0.0] * len(self._targets)
        for _, score, index in process.extract(
            " ".join(tokens), self._questions, scorer=fuzz.token_set_ratio, limit=None
        ):
            owner = self._owner[index]
            fuzzy[owner] = max(fuzzy[owner], score)
        spans = {tuple(tokens[i:j]) for i in range(len(tokens)) for j in range(i + 1, i + 7)}
        keyword, trigger = [], []
        for target in self._targets:
            hits = [k for k in target.keywords if k in spans]
            weight = max((sum(self._sharp.get(w, 0.0) for w in k) for k in hits), default=0.0)
            is_intent = target.kind == "intent"
            keyword.append(weight * (_INTENT_KEYWORD if is_intent else 1.0))
            trigger.append(_INTENT_TRIGGER if is_intent and any(len(k) > 1 for k in hits) else 0)
        top_keyword = max(keyword) or 1.0
        return [
            _W_BM25 * 100 * b / top_bm25 + _W_FUZZ * f + _W_KEYWORD * 100 * k / top_keyword + g
            for b, f, k, g in zip(bm25, fuzzy, keyword, trigger, strict=True)
        ]

    def _bm25(self, grams: set[str], index: int) -> float:
        doc = self._docs[index]
        norm = _K1 * (1 - _B + _B * self._lengths[index] / self._avg_length)
        total = 0.0
        for gram in grams:
            tf = doc.get(gram, 0)
            if tf:
                total += self._sharp[gram] * tf * (_K1 + 1) / (tf + norm)
        return total

    def _coverage(self, tokens: list[str]) -> float:
        """Share of content words the plan vouches for: a known word pair or one-word keyword.

        Single syllables say little in Vietnamese ("thanh" is in "thanh pho", not in "thanh
        lap"), so a word counts only beside a word it is paired with somewhere in the plan.
        """
        content = [t for t in tokens if t not in _STOP]
        covered = set(self._solo.intersection(content))
        for seq in (tokens, content):
            for a, b in zip(seq, seq[1:], strict=False):
                # Two question words side by side ("cần làm") vouch for nothing.
                if frozenset((a, b)) in self._pairs and not {a, b} <= _NEUTRAL:
                    covered.update((a, b))
        judged = [t for t in content if t in covered or t not in _NEUTRAL]
        return sum(t in covered for t in judged) / len(judged) if judged else 1.0

    def _explained(self, tokens: list[str], index: int) -> float:
        """Share of the question's IDF weight found in one target (unknown words weigh most)."""
        doc = self._docs[index]
        found = missing = 0.0
        for gram in set(_grams(tokens)):
            parts = gram.split("_")
            if gram in _STOP or all(part in _NEUTRAL for part in parts):
                continue
            if gram in doc:
                found += self._idf[gram]
            elif len(parts) == 1 and gram not in _NEUTRAL and not gram.isdigit():
                # A missing pair is no evidence against: word boundaries vary with phrasing.
                missing += self._idf.get(gram, self._unknown_idf)
        return found / (found + missing) if found + missing else 1.0

    def _correct_uncached(self, token: str) -> str:
        """Replace a non-word by the closest known word (one edit; two for long words)."""
        if token in self._vocab or token.isdigit() or len(token) < 3 or _SYLLABLE.fullmatch(token):
            return token
        limit = 2 if len(token) >= 8 else 1
        found = process.extract(
            token, self._vocab_list, scorer=OSA.distance, score_cutoff=limit, limit=8
        )
        # Closest first; among equals prefer the longer word (a dropped letter is the usual typo).
        return min(found, key=lambda hit: (hit[1], -len(hit[0])))[0] if found else token
