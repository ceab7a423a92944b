"""docker-compose.yml, read as Docker Compose reads it (no Docker engine runs in CI): PostgreSQL
with a health check and a named volume, migrations once in a one-shot service, the bot after
both, checked on /readyz, and an image that can reach PostgreSQL."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_postgres_is_checked_with_pg_isready_and_keeps_its_data_in_a_named_volume():
    spec = compose()
    postgres = spec["services"]["postgres"]
    assert postgres["image"] == "postgres:16"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    volume, _, mount = postgres["volumes"][0].partition(":")
    assert mount == "/var/lib/postgresql/data" and volume in spec["volumes"]
    assert {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"} <= set(postgres["environment"])


def test_migrations_run_once_before_the_bot_which_is_ready_on_readyz():
    services = compose()["services"]
    migrate, bot = services["migrate"], services["bot"]
    assert migrate["command"] == ["db", "upgrade"] and migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert bot["command"] == ["run"]
    assert bot["depends_on"] == {"postgres": {"condition": "service_healthy"},
                                 "migrate": {"condition": "service_completed_successfully"}}
    assert any("/readyz" in part for part in bot["healthcheck"]["test"])
    for service in (migrate, bot):  # the same image and settings: .env, then PostgreSQL's URL
        assert service["build"] == "." and service["env_file"] == ".env"
        url = service["environment"]["DATABASE_URL"]
        assert re.fullmatch(r"postgresql\+asyncpg://\$\{POSTGRES_USER[^}]*\}:\$\{POSTGRES_PASSWORD"
                            r"[^}]*\}@postgres:5432/\$\{POSTGRES_DB[^}]*\}", url)
        assert service["environment"]["WEB_HOST"] == "0.0.0.0"  # .env's 127.0.0.1 is not it


def test_the_image_installs_the_postgresql_driver_and_the_example_names_the_password():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r'pip install [^\n]*"\.\[postgres\]"', dockerfile)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'postgres = ["asyncpg>=0.29,<1"]' in pyproject
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert re.search(r"^POSTGRES_PASSWORD=$", example, re.MULTILINE)
