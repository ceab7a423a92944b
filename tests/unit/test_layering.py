"""Dependencies point one way: bot → handlers → storage/messages. The dialogue never imports
a platform SDK, so one flow serves every channel."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "handlers": {"telegram", "aiohttp", "bot", "apscheduler", "prometheus_client"},
    "storage": {"telegram", "aiohttp", "bot", "handlers", "apscheduler", "prometheus_client"},
    "messages": {"telegram", "aiohttp", "bot", "handlers", "storage", "sqlalchemy"},
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_outer_layers(package):
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
        if imported_roots(path) & FORBIDDEN[package]
    }
    assert offenders == {}


def test_turn_types_use_the_standard_library_only():
    allowed = {"collections", "dataclasses", "datetime"}
    assert imported_roots(ROOT / "handlers" / "turn.py") <= allowed
