"""Settings: defaults that just run, and one clear line naming a bad variable."""

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings
from bot.wiring import build_calendar

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env from the developer's checkout
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "ADMIN_", "WEB_", "DATABASE_", "TIMEZONE", "LOG_",
                            "ZALO_", "OFFICE_", "EXTRA_")):
            monkeypatch.delenv(name)


def test_defaults_need_no_configuration():
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///data/bot.db"
    assert (settings.web_host, settings.web_port) == ("127.0.0.1", 8080)
    assert str(settings.tz) == "Asia/Ho_Chi_Minh"
    assert settings.admins == frozenset()


def test_admin_ids_are_parsed_per_channel(monkeypatch):
    monkeypatch.setenv("ADMIN_IDS", "telegram:123, zalo:abc")
    assert load_settings().admins == {"telegram:123", "zalo:abc"}


@pytest.mark.parametrize(
    ("name", "value"),
    [("WEB_PORT", "tám nghìn"), ("ADMIN_IDS", "123"), ("TIMEZONE", "Mars/Base"),
     ("LOG_LEVEL", "LOUD"), ("DATABASE_URL", "sqlite+aiosqlite:///bot.db?mode=ro"),
     ("DATABASE_URL", "bot.db"), ("TELEGRAM_BOT_TOKEN", "my-token"),
     ("ZALO_BOT_TOKEN", "my-token")],
)
def test_a_bad_value_names_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as problem:
        load_settings()
    assert name in str(problem.value) and "\n" not in str(problem.value)


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_an_empty_value_means_unset(monkeypatch, field):
    monkeypatch.setenv(field.upper(), "")
    assert getattr(load_settings(), field) == Settings.model_fields[field].default


def test_the_example_env_file_gives_the_defaults():
    shutil.copy(ROOT / ".env.example", ".env")  # the README's first step, nothing filled in
    settings = load_settings()
    assert settings.model_dump() == Settings(_env_file=None).model_dump()
    assert not (settings.telegram_enabled or settings.zalo_oa_enabled
                or settings.zalo_bot_enabled)


def test_the_cli_stops_with_one_line_not_a_traceback(tmp_path):
    env = {**os.environ, "WEB_PORT": "abc", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat"], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "WEB_PORT" in result.stderr
    assert "Traceback" not in result.stderr


def test_office_hours_and_exceptions(monkeypatch):
    monkeypatch.setenv("OFFICE_START", "08:00")
    monkeypatch.setenv("EXTRA_DAYS_OFF", "01/12/2026, 02/12/2026")
    calendar = build_calendar(load_settings())
    assert calendar.office_start.hour == 8
    assert not calendar.is_working_day(date(2026, 12, 2))
    monkeypatch.setenv("EXTRA_WORKING_DAYS", "2026-12-05")
    with pytest.raises(SettingsError) as problem:
        load_settings()
    assert "EXTRA_WORKING_DAYS" in str(problem.value)
