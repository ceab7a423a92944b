"""Typed configuration read from the environment and `.env`, validated once at start."""

import ipaddress
import re
from datetime import date, datetime, time
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

KNOWN_CHANNELS = ("telegram", "zalo", "zalo_bot", "console", "web")
BOT_TOKEN_SHAPES = {  # field → (the token's shape, who hands it out)
    "telegram_bot_token": (r"\d+:[A-Za-z0-9_-]+", "@BotFather"),
    "zalo_bot_token": (r"\d+:\S+", "Zalo Bot Creator"),
}


class Settings(BaseSettings):
    """Every setting of the bot; names match the environment variables in `.env.example`."""

    # `VAR=` (as in .env.example) means unset: the default applies, the channel stays off
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      env_ignore_empty=True)

    database_url: str = "sqlite+aiosqlite:///data/bot.db"
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_max_per_second: float = Field(default=30.0, gt=0, le=1000)
    zalo_oa_app_id: str | None = None
    zalo_oa_app_secret: SecretStr | None = None
    zalo_oa_secret_key: SecretStr | None = None
    zalo_oa_access_token: SecretStr | None = None
    zalo_oa_refresh_token: SecretStr | None = None
    zalo_oa_oauth_url: str = "https://oauth.zaloapp.com"
    zalo_oa_api_url: str = "https://openapi.zalo.me"
    zalo_oa_paid_max_priority: int = Field(default=3, ge=0, le=100)
    zalo_bot_token: SecretStr | None = None
    zalo_bot_api_url: str = "https://bot-api.zaloplatforms.com"
    zalo_bot_webhook_url: str | None = None
    zalo_bot_webhook_secret: SecretStr | None = None
    zalo_bot_monthly_quota: int = Field(default=3000, ge=1)
    office_start: time = time(7, 30)
    office_end: time = time(17, 0)
    extra_days_off: str = ""  # dd/mm/yyyy, comma-separated (a provincial day off…)
    extra_working_days: str = ""  # dd/mm/yyyy, comma-separated (a swapped Saturday…)
    admin_ids: str = ""
    timezone: str = "Asia/Ho_Chi_Minh"
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=0, le=65535)
    web_public_url: str | None = None  # where people reach the web app; in dashboard login links
    admin_login_minutes: int = Field(default=10, ge=1, le=1440)
    admin_session_hours: int = Field(default=8, ge=1, le=168)
    log_level: str = "INFO"
    log_format: str = "text"  # json: one object a line, with ids and no content
    log_file: Path = Path("data/bot.log")  # used while the terminal chat has the terminal
    export_dir: Path = Path("exports")  # Excel exports asked for where no file can be sent
    # days kept; the floors keep what the bot still needs (re-deliveries of an update, the
    # dedupe keys that stop a reminder from being queued twice)
    inbox_retention_days: int = Field(default=30, ge=2)
    outbox_retention_days: int = Field(default=90, ge=7)
    web_visitor_retention_days: int = Field(default=30, ge=1)
    web_trusted_proxies: str = ""  # peers whose X-Forwarded-For / -Proto / -Host are believed
    web_frame_ancestors: str = "'self'"  # CSP frame-ancestors: who may embed the pages
    # token buckets of the web chat: requests a minute and how many may come at once
    web_session_per_minute: float = Field(default=30.0, gt=0)
    web_session_burst: int = Field(default=15, ge=1)
    web_address_per_minute: float = Field(default=120.0, gt=0)
    web_address_burst: int = Field(default=60, ge=1)

    @field_validator("admin_ids")
    @classmethod
    def _admin_ids_are_channel_qualified(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            channel, _, user = item.partition(":")
            if channel not in KNOWN_CHANNELS or not user:
                raise ValueError(f"'{item}' phải có dạng kênh:id, ví dụ telegram:123")
        return value

    @field_validator("web_trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            try:
                ipaddress.ip_address(item)
            except ValueError:
                raise ValueError(f"'{item}' không phải địa chỉ IP") from None
        return value

    @field_validator("web_frame_ancestors")
    @classmethod
    def _frame_ancestors_is_one_directive(cls, value: str) -> str:
        if re.search(r"[;,\r\n]", value) or not value.strip():
            raise ValueError("chỉ ghi các nguồn, ví dụ 'self' https://sokhcn.danang.gov.vn")
        return value

    @field_validator("extra_days_off", "extra_working_days")
    @classmethod
    def _dates_are_dd_mm_yyyy(cls, value: str) -> str:
        parse_days(value)
        return value

    @field_validator("database_url")
    @classmethod
    def _sqlite_url_is_a_plain_path(cls, value: str) -> str:
        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError:
            example = "sqlite+aiosqlite:///data/bot.db"
            raise ValueError(f"không phải URL cơ sở dữ liệu, ví dụ {example}") from None
        # SQLite connections are opened by storage.sqlite_on_loop from the file path alone
        if backend == "sqlite" and "?" in value:
            raise ValueError("với SQLite chỉ ghi đường dẫn tệp, không có tùy chọn sau '?'")
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

    @field_validator("log_format")
    @classmethod
    def _log_format_known(cls, value: str) -> str:
        if value.lower() not in {"text", "json"}:
            raise ValueError("phải là text hoặc json")
        return value.lower()

    @model_validator(mode="after")
    def _office_hours_in_order(self) -> "Settings":
        if self.office_start >= self.office_end:
            raise ValueError("OFFICE_START phải sớm hơn OFFICE_END")
        return self

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

    @field_validator("zalo_oa_oauth_url", "zalo_oa_api_url", "zalo_bot_api_url",
                     "zalo_bot_webhook_url")
    @classmethod
    def _zalo_urls_are_http(cls, value: str | None) -> str | None:
        if value and not re.match(r"https?://[^/\s]+", value):
            raise ValueError("phải là một địa chỉ http:// hoặc https://")
        return value.rstrip("/") if value else value

    @field_validator("web_public_url")
    @classmethod
    def _public_url_is_http(cls, value: str | None) -> str | None:
        if value and not re.match(r"https?://[^/\s]+", value):
            raise ValueError("phải là một địa chỉ http:// hoặc https://")
        return value.rstrip("/") if value else value

    @field_validator("telegram_bot_token", "zalo_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        shape, issuer = BOT_TOKEN_SHAPES[info.field_name]
        if value is not None and not re.fullmatch(shape, value.get_secret_value()):
            raise ValueError(f"phải có dạng <số>:<mã bí mật> như {issuer} gửi")
        return value

    @model_validator(mode="after")
    def _zalo_oa_is_complete(self) -> "Settings":
        given = {
            "ZALO_OA_APP_SECRET": self.zalo_oa_app_secret,
            "ZALO_OA_SECRET_KEY": self.zalo_oa_secret_key,
            "ZALO_OA_ACCESS_TOKEN": self.zalo_oa_access_token,
            "ZALO_OA_REFRESH_TOKEN": self.zalo_oa_refresh_token,
        }
        if not self.zalo_oa_app_id:
            named = [name for name, value in given.items() if value]
            if named:
                raise ValueError(f"{named[0]} cần ZALO_OA_APP_ID")
            return self
        for name in ("ZALO_OA_APP_SECRET", "ZALO_OA_SECRET_KEY"):
            if not given[name]:
                raise ValueError(f"{name} là bắt buộc khi dùng ZALO_OA_APP_ID")
        if not (given["ZALO_OA_ACCESS_TOKEN"] or given["ZALO_OA_REFRESH_TOKEN"]):
            raise ValueError("ZALO_OA_REFRESH_TOKEN là bắt buộc khi dùng ZALO_OA_APP_ID")
        return self

    @model_validator(mode="after")
    def _zalo_bot_webhook_needs_a_secret(self) -> "Settings":
        if self.zalo_bot_webhook_url:
            secret = self.zalo_bot_webhook_secret
            value = secret.get_secret_value() if secret else ""
            if not 8 <= len(value) <= 256:
                raise ValueError(
                    "ZALO_BOT_WEBHOOK_SECRET phải có 8–256 ký tự khi dùng ZALO_BOT_WEBHOOK_URL"
                )
            if not self.zalo_bot_token:
                raise ValueError("ZALO_BOT_WEBHOOK_URL cần ZALO_BOT_TOKEN")
        return self

    @cached_property
    def admins(self) -> frozenset[str]:
        """Admin ids as ``channel:user_id`` strings."""
        return frozenset(p.strip() for p in self.admin_ids.split(",") if p.strip())

    @cached_property
    def trusted_proxies(self) -> frozenset[str]:
        return frozenset(p.strip() for p in self.web_trusted_proxies.split(",") if p.strip())

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def public_url(self) -> str:
        """The web app's address as people reach it (WEB_PUBLIC_URL, else this machine's)."""
        return self.web_public_url or f"http://127.0.0.1:{self.web_port}"

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None

    @property
    def zalo_oa_enabled(self) -> bool:
        return bool(self.zalo_oa_app_id)

    @property
    def zalo_bot_enabled(self) -> bool:
        return self.zalo_bot_token is not None

    @property
    def any_channel_enabled(self) -> bool:
        """Whether a platform is configured; without one the terminal chat is in front."""
        return self.telegram_enabled or self.zalo_oa_enabled or self.zalo_bot_enabled


def parse_days(value: str) -> frozenset[date]:
    """``"01/12/2026, 05/12/2026"`` → the dates; a malformed one is a ValueError naming it."""
    days = set()
    for item in filter(None, (part.strip() for part in value.split(","))):
        try:
            days.add(datetime.strptime(item, "%d/%m/%Y").date())
        except ValueError:
            raise ValueError(f"'{item}' phải có dạng ngày/tháng/năm, ví dụ 02/01/2027") from None
    return frozenset(days)


class SettingsError(Exception):
    """A setting is missing, invalid or unusable (a port in use); one line names it."""


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
