"""What every fake server shares: `async with` runs it on a free loopback port, and tests wait
for a condition on its state with a deadline instead of sleeping; webhook calls are made as the
platforms make them."""

import asyncio
import contextlib
from collections.abc import Callable

import aiohttp
from aiohttp import web


class Watched:
    """A fake whose state changes call ``_notify()``; waiters re-check on every change, and
    every ``recheck`` seconds if conditions can also change elsewhere."""

    _changed: asyncio.Event
    recheck: float | None = None
    _runner: web.AppRunner | None = None
    _session: aiohttp.ClientSession | None = None  # the fake's own calls (webhooks)

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def __aenter__(self):
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _serve(self, app: web.Application) -> str:
        """Serve ``app`` on 127.0.0.1 at a free port; returns ``http://127.0.0.1:<port>``."""
        if self._runner is not None:
            raise RuntimeError(f"{type(self).__name__} is already running")
        self._changed = asyncio.Event()
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self._runner, self._session = runner, aiohttp.ClientSession()
        return f"http://127.0.0.1:{runner.addresses[0][1]}"

    async def _stop_serving(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline for the whole wait, by design
        what: str = "condition",
    ) -> None:
        """Wait until ``predicate()`` is true; TimeoutError naming ``what`` otherwise."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
            await self._wait_changed(min(remaining, self.recheck or remaining))

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_changed(self, seconds: float) -> None:
        """Sleep until the next state change, at most ``seconds``."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), seconds)


async def post_webhook(
    session: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str],
    timeout: float,  # noqa: ASYNC109 - the platform's own limit on the bot's answer
) -> tuple[int, str | None]:
    """POST ``body`` to a bot's webhook without following redirects; the HTTP status and None,
    or 0 and what went wrong when no answer came."""
    try:
        async with session.post(url, data=body, headers=headers, allow_redirects=False,
                                timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            await response.read()
            return response.status, None
    except (aiohttp.ClientError, TimeoutError) as exc:
        return 0, f"{type(exc).__name__}: {exc}"
