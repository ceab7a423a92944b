"""What a page looks like to a person on a small screen or with a screen reader."""

# Roles a person operates: each must be announced with a name.
CONTROLS = {"button", "link", "textbox", "searchbox", "combobox", "listbox", "checkbox",
            "radio", "spinbutton", "slider", "switch", "progressbar"}


async def unnamed_controls(page) -> list[str]:
    """Controls a screen reader would announce without a name (role, and its HTML)."""
    cdp = await page.context.new_cdp_session(page)
    try:
        tree = await cdp.send("Accessibility.getFullAXTree")
    finally:
        await cdp.detach()
    controls = [node for node in tree["nodes"] if not node.get("ignored")
                and node.get("role", {}).get("value") in CONTROLS]
    assert controls, "the page has no controls at all"
    return [node["role"]["value"] for node in controls
            if not node.get("name", {}).get("value", "").strip()]


async def page_width(page) -> int:
    """How wide the whole page is: more than the viewport means it scrolls sideways."""
    return await page.evaluate("document.documentElement.scrollWidth")


async def focus_ring(page) -> float:
    """How thick the ring around the focused element is, in px (0: none to see)."""
    return await page.evaluate("""() => {
      const at = document.activeElement, look = getComputedStyle(at);
      return at.matches(":focus-visible") && look.outlineStyle !== "none"
        ? parseFloat(look.outlineWidth) : 0;
    }""")
