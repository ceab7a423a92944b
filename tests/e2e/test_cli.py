"""The command line: ask (one question and JSON lines) and the operator's admin commands."""

import json
import os
import subprocess
import sys
from datetime import datetime
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
    assert exported.returncode == 0 and len(openpyxl.load_workbook(out).worksheets) == 8


def test_the_agency_list_round_trips_through_a_spreadsheet(tmp_path):
    out = tmp_path / "co-quan.xlsx"
    exported = bot("admin", "export-agencies", "--out", str(out), cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    book = openpyxl.load_workbook(out)
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert sheet.max_row == 1 + 46  # 43 agencies of 2023, 2 departments of 2025, BQL Chu Lai
    # The admins supply the new city's list: one new row, and a name corrected.
    sheet.append(["so-y-te-dn", "Sở Y tế thành phố Đà Nẵng", "SYT Đà Nẵng", "so",
                  "so-ban-nganh", datetime(2025, 7, 1), None, None])
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "hiep-hoi-dn":
            row[1].value = "Hiệp hội Doanh nghiệp tỉnh Quảng Nam"
    book.save(out)
    imported = bot("admin", "import-agencies", str(out), cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "1 cơ quan mới, 1 cơ quan được cập nhật" in imported.stdout
    again = tmp_path / "lan-hai.xlsx"
    bot("admin", "export-agencies", "--out", str(again), cwd=tmp_path)
    second = openpyxl.load_workbook(again).worksheets[0]
    assert [c.value for c in second[1]] == header
    def by_id(rows):
        return {row[0]: row for row in rows.iter_rows(min_row=2, values_only=True)}

    assert by_id(second) == by_id(sheet)
    listed = bot("admin", "agencies", cwd=tmp_path)
    assert "Sở Y tế thành phố Đà Nẵng" in listed.stdout


def test_a_spreadsheet_with_a_bad_row_changes_nothing(tmp_path):
    out = tmp_path / "co-quan.xlsx"
    bot("admin", "export-agencies", "--out", str(out), cwd=tmp_path)
    book = openpyxl.load_workbook(out)
    book.worksheets[0].append(["moi", "Cơ quan mới", "CQM", "so", "nhom-la", "31/02/2025"])
    book.save(out)
    imported = bot("admin", "import-agencies", str(out), cwd=tmp_path)
    assert imported.returncode == 2
    assert "Dòng 48" in imported.stdout and "nhom-la" in imported.stdout
    assert "Cơ quan mới" not in bot("admin", "agencies", cwd=tmp_path).stdout
