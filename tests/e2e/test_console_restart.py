"""`python -m bot chat` through a pipe: killed with SIGKILL mid-form, restarted, it continues at
the same question with the earlier answers kept."""

import asyncio
import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class ConsoleBot:
    def __init__(self, process: asyncio.subprocess.Process):
        self.process = process
        self.output = ""

    @classmethod
    async def start(cls, db_url: str, cwd: Path) -> "ConsoleBot":
        env = {**os.environ, "DATABASE_URL": db_url, "PYTHONPATH": str(ROOT),
               "LOG_LEVEL": "WARNING"}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "chat", "--user", "u1", cwd=cwd, env=env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def say(self, line: str, expect: str) -> str:
        """Send a line and read until ``expect`` shows up in what the bot printed after it."""
        self.output = ""
        self.process.stdin.write((line + "\n").encode())
        await self.process.stdin.drain()
        while expect not in self.output:
            chunk = await asyncio.wait_for(self.process.stdout.read(4096), timeout=30)
            assert chunk, f"bot exited; it printed: {self.output!r}"
            self.output += chunk.decode()
        return self.output


async def test_kill_9_mid_form_then_continue_at_the_third_field(tmp_path):
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    bot = await ConsoleBot.start(db_url, tmp_path)
    await bot.say("/start lop1", expect="Không đồng ý")
    await bot.say("1", expect="Tên doanh nghiệp")  # agree → the form starts
    await bot.say("Công ty TNHH Ánh Dương", expect="mã số thuế")
    await bot.say("0100233488", expect="xã, phường hoặc đặc khu")
    bot.process.send_signal(signal.SIGKILL)
    assert await bot.process.wait() == -signal.SIGKILL

    again = await ConsoleBot.start(db_url, tmp_path)
    await again.say("phường Tam Kỳ", expect="thuộc tỉnh, thành phố nào")  # the third field
    await again.say("1", expect="Lĩnh vực")  # Quảng Nam (cũ)
    await again.say("4", expect="Họ và tên")
    await again.say("Nguyễn Văn An", expect="Chức vụ")
    await again.say("Giám đốc", expect="Số điện thoại")
    await again.say("0905123456", expect="Email")
    await again.say("Bỏ qua", expect="bao nhiêu người")
    summary = await again.say("2", expect="Xác nhận")
    for kept in ("Công ty TNHH Ánh Dương", "0100233488", "phường Tam Kỳ", "Quảng Nam (cũ)"):
        assert kept in summary
    again.process.stdin.close()
    assert await asyncio.wait_for(again.process.wait(), timeout=30) == 0  # EOF ends it cleanly
