"""Starting as the README says: `.env.example` copied to `.env`, the terminal chat in the
foreground, logs in a file, a clean quit, one line for a port in use, an export in a folder."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
from aiohttp.test_utils import unused_port

ROOT = Path(__file__).resolve().parents[2]
SETTING_PREFIXES = ("TELEGRAM_", "ADMIN_", "WEB_", "DATABASE_", "TIMEZONE", "LOG_", "ZALO_",
                    "OFFICE_", "EXTRA_", "EXPORT_")


def from_example(folder: Path, port: int) -> dict[str, str]:
    """The README's steps in ``folder``: `cp .env.example .env`, ADMIN_IDS=console:local. Only
    the port comes from the environment, so tests running side by side do not meet."""
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    env_file = [("ADMIN_IDS=console:local" if line.startswith("ADMIN_IDS=") else line)
                for line in lines]
    (folder / ".env").write_text("\n".join(env_file) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTING_PREFIXES)}
    return {**env, "PYTHONPATH": str(ROOT), "WEB_PORT": str(port)}


def bot(*args: str, cwd: Path, env: dict, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_the_example_config_starts_the_terminal_chat_and_quits_cleanly(tmp_path):
    result = bot("run", cwd=tmp_path, env=from_example(tmp_path, unused_port()), stdin="menu\n")
    assert "Bạn muốn làm gì?" in result.stdout and "Đăng ký lớp tập huấn" in result.stdout
    assert result.returncode == 0, result.stderr
    log = (tmp_path / "data" / "bot.log").read_text(encoding="utf-8")
    for output in (result.stdout, result.stderr, log):
        assert "Traceback" not in output and "CancelledError" not in output


def test_logs_go_to_the_file_whose_path_is_said_once(tmp_path):
    env = {**from_example(tmp_path, unused_port()), "LOG_LEVEL": "INFO"}
    result = bot("run", cwd=tmp_path, env=env, stdin="menu\n")
    shown = result.stdout + result.stderr
    assert " INFO " not in shown and "web server on" not in shown
    assert shown.count(str(Path("data") / "bot.log")) == 1
    assert "web server on" in (tmp_path / "data" / "bot.log").read_text(encoding="utf-8")


def test_ctrl_c_quits_the_terminal_chat_without_a_traceback(tmp_path):
    env = from_example(tmp_path, unused_port())
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as process:
        try:
            process.stdin.write("menu\n")
            process.stdin.flush()
            assert "Bạn muốn làm gì?" in read_until(process, "Bạn muốn làm gì?")
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=30)
        finally:
            process.kill()
    assert process.returncode == 0, err
    log = (tmp_path / "data" / "bot.log").read_text(encoding="utf-8")
    assert "Traceback" not in out + err + log


def read_until(process: subprocess.Popen, expected: str, timeout: float = 60) -> str:
    seen, deadline = "", time.monotonic() + timeout
    while expected not in seen and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen += line
    return seen


def test_a_port_in_use_is_one_line_naming_it(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = bot("run", cwd=tmp_path, env=from_example(tmp_path, port))
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    line = result.stderr.strip()
    assert "\n" not in line and str(port) in line and "WEB_PORT" in line


def test_an_export_in_the_terminal_chat_is_written_to_the_exports_folder(tmp_path):
    env = from_example(tmp_path, unused_port())
    result = bot("chat", cwd=tmp_path, env=env, stdin="/admin\nXuất Excel\n")
    assert result.returncode == 0, result.stderr
    written = list((tmp_path / "exports").glob("*.xlsx"))
    assert len(written) == 1
    assert str(Path("exports") / written[0].name) in result.stdout
    assert len(openpyxl.load_workbook(written[0]).worksheets) == 8
