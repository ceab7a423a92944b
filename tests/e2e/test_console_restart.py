"""`python -m bot chat` through a pipe: killed with SIGKILL mid-form, restarted, it continues at
the same question with the earlier answers kept."""

import asyncio
import os
import re
import signal
import sys
import termios
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class ConsoleBot:
    def __init__(self, process: asyncio.subprocess.Process, terminal: int | None = None):
        self.process = process
        self.terminal = terminal  # the pty's master side, when the bot runs in a terminal
        self.output = ""

    @classmethod
    async def start(cls, db_url: str, cwd: Path, terminal: bool = False) -> "ConsoleBot":
        """Start ``python -m bot chat`` through pipes, or in a terminal (a pty without echo),
        where it greets the person as it does at a real terminal."""
        env = {**os.environ, "DATABASE_URL": db_url, "PYTHONPATH": str(ROOT),
               "LOG_LEVEL": "WARNING"}
        master = slave = None
        if terminal:
            master, slave = os.openpty()
            attributes = termios.tcgetattr(slave)
            attributes[3] &= ~termios.ECHO
            termios.tcsetattr(slave, termios.TCSANOW, attributes)
        pipe = asyncio.subprocess.PIPE
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "chat", "--user", "u1", cwd=cwd, env=env,
            stdin=slave if terminal else pipe, stdout=slave if terminal else pipe,
        )
        if slave is not None:
            os.close(slave)
        return cls(process, master)

    async def say(self, line: str | None, expect: str, wait: float = 30) -> str:
        """Send a line (None: nothing) and read until ``expect`` shows up in what the bot
        printed after it."""
        self.output = ""
        if line is not None and self.terminal is not None:
            os.write(self.terminal, (line + "\n").encode())
        elif line is not None:
            self.process.stdin.write((line + "\n").encode())
            await self.process.stdin.drain()
        while expect not in self.output:
            chunk = await asyncio.wait_for(self._read(), timeout=wait)
            assert chunk, f"bot exited; it printed: {self.output!r}"
            self.output += chunk.decode().replace("\r\n", "\n")
        return self.output

    async def _read(self) -> bytes:
        if self.terminal is None:
            return await self.process.stdout.read(4096)
        return await asyncio.to_thread(os.read, self.terminal, 4096)


async def finish_from_the_sector(bot: ConsoleBot) -> str:
    """Answer from «Lĩnh vực» (Thương mại) to the summary, which is returned."""
    await bot.say("4", expect="họ và tên người liên hệ")
    await bot.say("Nguyễn Văn An", expect="chức vụ của người liên hệ")
    await bot.say("Giám đốc", expect="số điện thoại liên hệ")
    await bot.say("0905123456", expect="email liên hệ")
    await bot.say("Bỏ qua", expect="bao nhiêu người")
    return await bot.say("2", expect="Xác nhận")


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
    await again.say("1", expect="lĩnh vực hoạt động chính")  # Quảng Nam (cũ)
    summary = await finish_from_the_sector(again)
    for kept in ("Công ty TNHH Ánh Dương", "0100233488", "phường Tam Kỳ", "Quảng Nam (cũ)"):
        assert kept in summary
    again.process.stdin.close()
    assert await asyncio.wait_for(again.process.wait(), timeout=30) == 0  # EOF ends it cleanly


async def test_kill_9_at_a_choice_then_a_digit_at_the_terminal_answers_it(tmp_path):
    """At a terminal the restarted chat greets the person: the resume question and the pending
    question come after the menu, and the number typed answers the pending question."""
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    bot = await ConsoleBot.start(db_url, tmp_path)
    await bot.say("/start lop1", expect="Không đồng ý")
    await bot.say("1", expect="Tên doanh nghiệp")
    await bot.say("Công ty TNHH Ánh Dương", expect="mã số thuế")
    await bot.say("0100233488", expect="xã, phường hoặc đặc khu")
    await bot.say("phường Hội An", expect="thuộc tỉnh, thành phố nào")  # a choice
    bot.process.send_signal(signal.SIGKILL)
    assert await bot.process.wait() == -signal.SIGKILL

    again = await ConsoleBot.start(db_url, tmp_path, terminal=True)
    try:
        greeting = await again.say(None, expect="> ")
        assert "đang điền dở" in greeting
        da_nang = re.search(r"(\d+)\. Thành phố Đà Nẵng \(cũ\)", greeting)
        assert da_nang and da_nang.group(1) == "2"  # numbered from 1 in its own message
        await again.say("2", expect="lĩnh vực hoạt động chính", wait=10)
        summary = await finish_from_the_sector(again)
        for kept in ("năng suất chất lượng", "Công ty TNHH Ánh Dương", "0100233488",
                     "phường Hội An", "Thành phố Đà Nẵng (cũ)", "Thương mại"):
            assert kept in summary
    finally:
        again.process.kill()
        await again.process.wait()
        os.close(again.terminal)
