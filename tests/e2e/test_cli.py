"""The command line: ask (one question and JSON lines) and the operator's admin commands."""

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[2]


def bot(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING",
           "DATABASE_URL": f"sqlite+aiosqlite:///{cwd / 'bot.db'}"}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_ask_answers_the_innovation_class_and_refuses_the_weather(tmp_path):
    innovation = bot("ask", "lop tap huan ve doi moi sang tao la gi", cwd=tmp_path)
    assert innovation.returncode == 0
    assert "Lớp tập huấn về đổi mới sáng tạo" in innovation.stdout
    assert "Đăng ký lớp này" in innovation.stdout  # button labels on the following lines
    weather = bot("ask", "thoi tiet hom nay", cwd=tmp_path)
    assert weather.returncode == 0 and "chưa tìm thấy câu trả lời" in weather.stdout


def test_ask_jsonl_keeps_the_order(tmp_path):
    questions = ["han bao cao khi nao", "clb sv o dau", "gia vang hom nay"]
    result = bot("ask", "--jsonl", cwd=tmp_path, stdin="\n".join(questions) + "\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["question"] for line in lines] == questions
    assert [line["section"] for line in lines] == ["deadline", "clubs", None]
    assert all(line["answer"] and isinstance(line["score"], float) for line in lines)


def test_admin_commands_for_the_operator(tmp_path):
    added = bot("admin", "add-admin", "telegram:123", cwd=tmp_path)
    assert added.returncode == 0 and "telegram:123" in added.stdout
    assert bot("admin", "add-admin", "123", cwd=tmp_path).returncode == 2
    stats = bot("admin", "stats", cwd=tmp_path)
    assert stats.returncode == 0 and "Thống kê" in stats.stdout
    out = tmp_path / "du-lieu.xlsx"
    exported = bot("admin", "export", "--out", str(out), cwd=tmp_path)
    assert exported.returncode == 0 and len(openpyxl.load_workbook(out).worksheets) == 4
