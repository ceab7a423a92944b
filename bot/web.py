"""The one aiohttp application: health check now; webhooks and the web chat mount here too."""

from aiohttp import web
from sqlalchemy import text

from bot.metrics import CONTENT_TYPE
from bot.wiring import Core
from storage.migrate import current_revision, head_revision

CORE = web.AppKey("core", Core)


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
    """Prometheus' scrape; the queue depths are counted now."""
    core = request.app[CORE]
    body = await core.metrics.exposition(core.sessionmaker)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


def is_https(request: web.Request) -> bool:
    """Whether the browser reached us over HTTPS (cookies then get the Secure flag)."""
    return request.secure


def init_app(core: Core, routes: list[web.RouteDef] = ()) -> web.Application:
    """The app with the health check plus the channels' routes (webhooks, web chat)."""
    app = web.Application(client_max_size=1024 * 1024)
    app[CORE] = core
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
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
