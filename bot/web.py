"""The one aiohttp application: health check, webhooks, the web chat, static files; and the
rules every response and request of it follows (security headers, who the client is)."""

from pathlib import Path

from aiohttp import web
from sqlalchemy import text

from bot.metrics import CONTENT_TYPE
from bot.wiring import Core
from storage.migrate import current_revision, head_revision

CORE = web.AppKey("core", Core)
STATIC = Path(__file__).parent / "static"
SERVER = "qnam-bot"  # no framework or version for a scanner to look up


async def healthz(request: web.Request) -> web.Response:
    """200 when the database answers; used by the Docker health check."""
    core = request.app[CORE]
    try:
        async with core.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        return web.json_response({"status": "database unavailable"}, status=503)
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """200 when the database answers and its schema is the one this code expects: a proxy or
    an orchestrator sends traffic only then (during a migration, or before one, it waits)."""
    core = request.app[CORE]
    try:
        async with core.engine.connect() as connection:
            revision = await current_revision(connection)
    except Exception:
        return web.json_response({"status": "database unavailable"}, status=503)
    if revision != head_revision():
        return web.json_response({"status": "schema not current", "database": revision,
                                  "expected": head_revision()}, status=503)
    return web.json_response({"status": "ok"})


async def metrics(request: web.Request) -> web.Response:
    """Prometheus' scrape; the queue depths are counted now, on the reader (a count scans the
    inbox: on SQLite's loop-bound writer it would hold everyone's turns meanwhile)."""
    core = request.app[CORE]
    body = await core.metrics.exposition(core.reader)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


def _trusted_peer(request: web.Request) -> bool:
    return request.remote in request.app[CORE].settings.trusted_proxies


def client_address(request: web.Request) -> str:
    """The client's IP: the peer, or, behind a trusted proxy, the nearest address in
    X-Forwarded-For that is not one of our proxies (the ones before it could be forged)."""
    peer = request.remote or ""
    if not _trusted_peer(request):
        return peer
    trusted = request.app[CORE].settings.trusted_proxies
    hops = [hop.strip() for hop in ",".join(request.headers.getall("X-Forwarded-For", []))
            .split(",") if hop.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop
    return hops[0] if hops else peer


def is_https(request: web.Request) -> bool:
    """Whether the client reached us over HTTPS (X-Forwarded-Proto from a trusted proxy)."""
    if _trusted_peer(request) and "X-Forwarded-Proto" in request.headers:
        return request.headers["X-Forwarded-Proto"].split(",")[0].strip().lower() == "https"
    return request.secure


def own_origin(request: web.Request) -> str:
    """``scheme://host[:port]`` as the client sees this server (for comparing with Origin)."""
    host = request.host
    if _trusted_peer(request) and "X-Forwarded-Host" in request.headers:
        host = request.headers["X-Forwarded-Host"].split(",")[0].strip()
    return f"{'https' if is_https(request) else 'http'}://{host}".lower()


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Headers for every response, errors and static files included (a signal rather than a
    middleware, because aiohttp's own 404s and static files pass no middleware's return)."""
    ancestors = request.app[CORE].settings.web_frame_ancestors
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; "
        f"frame-ancestors {ancestors}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Server"] = SERVER


def init_app(core: Core, routes: list[web.RouteDef] = ()) -> web.Application:
    """The app with the health check, /static/ and the channels' routes (webhooks, web chat)."""
    app = web.Application(client_max_size=1024 * 1024)
    app[CORE] = core
    app.on_response_prepare.append(security_headers)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.router.add_static("/static/", STATIC)
    app.add_routes(routes)
    return app


async def start_web(core: Core, routes: list[web.RouteDef] = ()) -> web.AppRunner:
    runner = web.AppRunner(init_app(core, routes), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, core.settings.web_host, core.settings.web_port).start()
    except OSError:  # the port is taken, or not ours to open
        await runner.cleanup()
        raise
    return runner
