"""Every text a person reads lives in messages/: keys used exist, none is unused, placeholders
match the values the code passes, and the texts are NFC Vietnamese."""

import ast
import re
import unicodedata
from pathlib import Path

import pytest

from messages.loader import Safe, Texts

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = ("bot", "handlers", "storage", "messages")
KEY = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$")


def code_files():
    for folder in CODE_DIRS:
        yield from (ROOT / folder).rglob("*.py")


TEMPLATE_KEY = re.compile(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""")


def literal_strings():
    for path in code_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield path, node.value
    for path in (ROOT / "bot").rglob("templates/*.html"):  # the dashboard's pages: t("…")
        for key in TEMPLATE_KEY.findall(path.read_text(encoding="utf-8")):
            yield path, key


def text_calls():
    """Calls like t("menu.welcome", name=...) / turn.t(...) / texts(...) with a literal key."""
    for path in code_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
            if name in {"t", "texts", "_texts"} and literal and KEY.match(first.value):
                yield path, node, first.value


@pytest.fixture(scope="module")
def all_texts():
    return Texts.load()


def test_every_key_the_code_names_exists(all_texts):
    prefixes = {key.split(".")[0] for key in all_texts.keys}
    missing = {
        (path.name, value)
        for path, value in literal_strings()
        if KEY.match(value) and value.split(".")[0] in prefixes and value not in all_texts.keys
    }
    assert not missing


def test_no_text_is_unused(all_texts):
    used = {value for _, value in literal_strings()}
    assert sorted(all_texts.keys - used) == []


def test_placeholders_match_the_values_passed(all_texts):
    problems = []
    for path, call, key in text_calls():
        if key not in all_texts.keys or any(kw.arg is None for kw in call.keywords):
            continue
        given = {kw.arg for kw in call.keywords}
        if given != all_texts.placeholders(key):
            problems.append((path.name, call.lineno, key, given, all_texts.placeholders(key)))
    assert not problems


def test_texts_are_nfc_vietnamese(all_texts):
    for key in all_texts.keys:
        raw = all_texts._entries[key]
        assert unicodedata.is_normalized("NFC", raw), key


def test_values_are_escaped_but_safe_text_is_not(all_texts):
    shown = all_texts("forms.current_value", value="<b>A & B</b>")
    assert "&lt;b&gt;A &amp; B&lt;/b&gt;" in shown
    nested = all_texts("forms.current_value", value=Safe("<b>x</b>"))
    assert "<b>x</b>" in nested


def test_a_missing_placeholder_is_an_error(all_texts):
    with pytest.raises(KeyError):
        all_texts("forms.current_value")


def test_every_text_is_valid_telegram_html(all_texts):
    from tests.fakes.telegram_server import parse_text

    for key in sorted(all_texts.keys):
        values = {name: "x" for name in all_texts.placeholders(key)}
        parse_text(all_texts(key, **values), "HTML")  # raises on a stray < or &
