"""A visitor who uses only the keyboard: Tab and Shift+Tab to move, Enter to press, typing to
answer. Things are found by role and visible text, as a screen reader announces them."""

import asyncio
import time
from contextlib import asynccontextmanager

# Which way to Tab: towards the target when it comes later in the page, back otherwise.
TARGET_FOLLOWS = """el => {
  const at = document.activeElement;
  if (!at || at === document.body) return true;
  return Boolean(at.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
}"""
MAX_TABS = 120
WAIT = 10  # seconds for the page to show a reply


async def focus(page, target) -> int:
    """Move the focus to ``target`` with Tab / Shift+Tab only; how many presses it took."""
    for presses in range(MAX_TABS):
        if await target.evaluate("el => el === document.activeElement"):
            return presses
        forward = await target.evaluate(TARGET_FOLLOWS)
        await page.keyboard.press("Tab" if forward else "Shift+Tab")
    raise AssertionError(f"{MAX_TABS} presses of Tab never reached {target}")


async def press(page, button: str, then: str) -> int:
    """Tab to the latest button named ``button``, press Enter, and wait for ``then``; how many
    presses of Tab it took to get there."""
    target = page.get_by_role("button", name=button).last
    async with shown(page, then):
        presses = await focus(page, target)
        await page.keyboard.press("Enter")
    return presses


async def answer(page, text: str, then: str) -> int:
    """Tab to the message box, type ``text``, send it with Enter and wait for ``then``; how
    many presses of Tab it took to get to the box."""
    async with shown(page, then):
        presses = await focus(page, page.get_by_role("textbox"))
        await page.keyboard.type(text)
        await page.keyboard.press("Enter")
    return presses


@asynccontextmanager
async def shown(page, text: str):
    """Wait, after the block, until one more element shows ``text`` than before it."""
    found = page.get_by_text(text)
    before = await found.count()
    yield
    deadline = time.monotonic() + WAIT
    while await found.count() <= before:
        if time.monotonic() > deadline:
            raise AssertionError(f"the page never showed {text!r}")
        await asyncio.sleep(0.05)
