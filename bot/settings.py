"""Typed configuration read from the environment and `.env`, validated once at start."""

import re
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

KNOWN_CHANNELS = ("telegram", "zalo", "zalo_bot", "console", "web")


class Settings(BaseSettings):
    """Every setting of the bot; names match the environment variables in `.env.example`."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///data/bot.db"
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_max_per_second: float = Field(default=30.0, gt=0, le=1000)
    admin_ids: str = ""
    timezone: str = "Asia/Ho_Chi_Minh"
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=0, le=65535)
    log_level: str = "INFO"

    @field_validator("admin_ids")
    @classmethod
    def _admin_ids_are_channel_qualified(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            channel, _, user = item.partition(":")
            if channel not in KNOWN_CHANNELS or not user:
                raise ValueError(f"'{item}' phải có dạng kênh:id, ví dụ telegram:123")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone_exists(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"múi giờ '{value}' không tồn tại") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level_known(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("phải là DEBUG, INFO, WARNING, ERROR hoặc CRITICAL")
        return value.upper()

    @model_validator(mode="after")
    def _webhook_needs_a_strong_secret(self) -> "Settings":
        if self.telegram_webhook_url:
            secret = self.telegram_webhook_secret
            value = secret.get_secret_value() if secret else ""
            if not re.fullmatch(r"[A-Za-z0-9_-]{32,256}", value):
                raise ValueError(
                    "TELEGRAM_WEBHOOK_SECRET phải có ít nhất 32 ký tự A-Z a-z 0-9 _ - "
                    "khi dùng TELEGRAM_WEBHOOK_URL"
                )
            if not self.telegram_bot_token:
                raise ValueError("TELEGRAM_WEBHOOK_URL cần TELEGRAM_BOT_TOKEN")
        return self

    @cached_property
    def admins(self) -> frozenset[str]:
        """Admin ids as ``channel:user_id`` strings."""
        return frozenset(p.strip() for p in self.admin_ids.split(",") if p.strip())

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it in one line."""


def load_settings(**overrides) -> Settings:
    """Load settings, turning pydantic's report into one readable line per bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{str(err['loc'][0]).upper() + ': ' if err['loc'] else ''}"
            f"{err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()
        )
        raise SettingsError(f"Cấu hình không hợp lệ — {problems}") from None
