"""Pages of the dashboard: Jinja2 templates (autoescaped) whose words come from
messages/vi/dashboard.yaml through ``t``, the same texts the chat uses."""

from pathlib import Path

import jinja2
from aiohttp import web
from markupsafe import Markup

from messages.loader import Texts

TEMPLATES = Path(__file__).with_name("templates")


class Pages:
    def __init__(self, texts: Texts):
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        )
        # a text is already HTML with its values escaped (messages.loader): shown as it is
        self.env.globals["t"] = lambda key, **values: Markup(texts(key, **values))

    def render(self, template: str, status: int = 200, **context) -> web.Response:
        # a page's message is always a text (or the chat's answer): HTML with escaped values
        if context.get("message"):
            context["message"] = Markup(context["message"])
        html = self.env.get_template(template).render(**context)
        return web.Response(text=html, status=status, content_type="text/html",
                            headers={"Cache-Control": "no-store"})


def see_other(location: str) -> web.Response:
    """After a POST: the browser GETs ``location`` (a reload does not post again)."""
    return web.Response(status=303, headers={"Location": location})
