"""LOG_FORMAT=json: one JSON object a line with the ids of what happened, and never what a
person wrote or is called — also when a turn fails on their text."""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp.test_utils import unused_port

from bot.logs import JsonFormatter
from handlers import build_router
from tests.dialogue.helpers import register
from tests.fakes.chat import FakeChat

ROOT = Path(__file__).resolve().parents[2]
NAME, PHONE, COMPANY = "Nguyễn Văn An", "0905 123 456", "Công ty TNHH Ánh Dương"


@pytest.fixture
def json_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)  # everything any library would say
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


async def test_a_registration_and_a_failed_turn_log_ids_and_no_personal_data(
        make_dispatcher, json_log):
    person = FakeChat(make_dispatcher(), "4242", channel="telegram")
    await person.send("/start", display_name=NAME)
    await register(person, company=COMPANY)  # types the name and phone of the contact person

    async def broken(turn):
        raise ValueError(f"cannot read {turn.incoming.text}")  # quotes what was typed

    router = build_router()
    router.free_text = broken
    failing = FakeChat(make_dispatcher(router), "4242", channel="telegram")
    await failing.send(f"{NAME} {PHONE}", update_id="upd-9")

    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    turns = [line for line in lines if line["message"] == "turn handled"]
    assert turns and all(line["channel"] == "telegram" and isinstance(line["contact_id"], int)
                         for line in turns)
    failed = [line for line in lines if line.get("update_id") == "upd-9"]
    assert failed and failed[0]["level"] == "WARNING" and failed[0]["channel"] == "telegram"
    everything = json.dumps(lines, ensure_ascii=False)
    for secret in (NAME, PHONE, PHONE.replace(" ", ""), COMPANY, "Ánh Dương", "cannot read"):
        assert secret not in everything


def test_an_exception_is_logged_as_its_type_and_place_without_its_message(json_log):
    try:
        raise RuntimeError(f"INSERT failed for {PHONE}")
    except RuntimeError:
        logging.getLogger("bot.outbox").exception("outbox row %s could not be processed", 12,
                                                  extra={"outbox_id": 12, "phone": PHONE})
    line = json.loads(json_log.getvalue().splitlines()[-1])
    assert line["outbox_id"] == 12 and line["message"] == "outbox row 12 could not be processed"
    assert line["error"].startswith("RuntimeError at test_json_logs.py:")
    assert "phone" not in line and PHONE not in json.dumps(line, ensure_ascii=False)


def test_log_format_json_is_what_the_running_bot_writes(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOG_", "DATABASE_"))}
    env.update(PYTHONPATH=str(ROOT), LOG_FORMAT="json", LOG_LEVEL="INFO",
               WEB_PORT=str(unused_port()))
    result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                            input="menu\n", capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in
             (tmp_path / "data" / "bot.log").read_text(encoding="utf-8").splitlines()]
    assert any(line["message"].startswith("web server on") and line["level"] == "INFO"
               and line["logger"] == "bot.app" for line in lines)
