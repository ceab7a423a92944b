"""The Vietnamese a person reads: phrases once found clumsy or wrong stay out, prompts are polite
sentences, and each audience is addressed one way (anh/chị for officers, bạn for the others)."""

import re
from pathlib import Path

import pytest
import yaml

VI = Path(__file__).resolve().parents[2] / "messages" / "vi"

BAD_PHRASES = [
    "bằng chữ thường",  # means lowercase; what is meant is plain text
    "Mã số thuế này đã đăng ký",  # a tax code cannot register, an enterprise can
    "giờ {state}",  # "Buổi #5 giờ đã đóng đăng ký"
    "mã làm mới mới",
    "xếp hàng gửi",
    "xếp hàng báo",
    "ghi nhận quan tâm",
    "kiểm tra lại <b>{title}</b>",  # a form title, capitalised, mid-sentence
]
# Words that make a prompt ending in "?" a real question rather than a bare noun («Email?»).
QUESTION_WORDS = re.compile(r"\b(nào|gì|bao nhiêu|ai|chưa|không|hay|đâu|mấy)\b")
# Texts read by officers of agencies: they are addressed as anh/chị, never as bạn.
OFFICER_KEYS = ("agency.", "reminders.deadline_", "reminders.report_sent", "reminders.need_help")


def flat(node, prefix=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from flat(value, f"{prefix}.{key}" if prefix else key)
    else:
        yield prefix, node


def texts():
    for path in sorted(VI.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key, value in flat(data):
            yield f"{path.stem}.{key}", value.strip()


@pytest.mark.parametrize("phrase", BAD_PHRASES)
def test_no_listed_bad_phrase_comes_back(phrase):
    assert [key for key, text in texts() if phrase in text] == []


def test_every_prompt_is_a_sentence_not_a_bare_noun():
    bare = [key for key, text in texts()
            if "ask" in key.split(".")[-1] and text.endswith("?")
            and not QUESTION_WORDS.search(text.lower())]
    assert bare == []


def test_officers_are_addressed_as_anh_chi_and_never_as_ban():
    officer = [(key, text) for key, text in texts() if key.startswith(OFFICER_KEYS)]
    assert [key for key, text in officer if re.search(r"\bbạn\b", text, re.IGNORECASE)] == []
    assert any("anh/chị" in text.lower() for _, text in officer)


@pytest.mark.parametrize("path", sorted(VI.glob("*.yaml")), ids=lambda p: p.name)
def test_each_file_states_its_form_of_address(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# Xưng hô:")
