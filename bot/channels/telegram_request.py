"""python-telegram-bot's requests over aiohttp, the HTTP library the rest of the bot uses.

PTB documents `BaseRequest` as the place to plug in another HTTP library. With PTB's default
(httpx), most of a plain echo bot's CPU goes to the HTTP client: in `bench/telegram.py` the same
echo bot answers about 3.5 times as many updates a second on this backend. Bodies are JSON, or
multipart when a file is uploaded, as the Bot API accepts."""

import urllib.request

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

DEFAULT_TYPE = type(BaseRequest.DEFAULT_NONE)


class AiohttpRequest(BaseRequest):
    """One pool of ``pool_size`` keep-alive connections. A request may take ``connect_timeout``
    to connect and ``read_timeout`` between pieces of the answer (PTB adds getUpdates' long-poll
    time); a file upload at most ``write_timeout + read_timeout`` in all, as aiohttp has no
    write timeout. A proxy named in the environment is used, as by PTB's default backend."""

    def __init__(
        self,
        pool_size: int = 1,
        *,
        read_timeout: float = 15.0,
        write_timeout: float = 15.0,
        connect_timeout: float = 5.0,
    ):
        self.pool_size = pool_size
        self.defaults = {"read": read_timeout, "write": write_timeout, "connect": connect_timeout}
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str | None] = {}

    @property
    def read_timeout(self) -> float:
        return self.defaults["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout=BaseRequest.DEFAULT_NONE,
        write_timeout=BaseRequest.DEFAULT_NONE,
        connect_timeout=BaseRequest.DEFAULT_NONE,
        pool_timeout=BaseRequest.DEFAULT_NONE,  # aiohttp waits for a free connection in connect
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        read = self._given(read_timeout, "read")
        uploading = request_data is not None and request_data.contains_files
        write = self._given(write_timeout, "write") if uploading else None
        timeout = aiohttp.ClientTimeout(
            total=None if read is None or write is None else read + write,
            sock_connect=self._given(connect_timeout, "connect"),
            sock_read=read,
        )
        try:
            async with self._session.request(
                method, url, timeout=timeout, proxy=self._proxy(url), **_body(request_data)
            ) as response:
                return response.status, await response.read()
        # named by their type only, never chained, as the Zalo adapters do: aiohttp's errors
        # may carry the URL ("Connection timeout to host <url>"), and the URL carries the token
        except TimeoutError:
            raise TimedOut from None
        except aiohttp.ClientError as problem:
            raise NetworkError(f"aiohttp.{type(problem).__name__}") from None

    def _proxy(self, url: str) -> str | None:
        """The proxy the environment names for this URL's server (HTTPS_PROXY, NO_PROXY...),
        looked up once per server: aiohttp's own lookup (trust_env) reads the environment and
        ~/.netrc on every request, which costs more than the request."""
        scheme, _, server = url.split("/", 3)[:3]
        key = f"{scheme}//{server}"
        if key not in self._proxies:
            bypass = urllib.request.proxy_bypass(server.rsplit(":", 1)[0])
            self._proxies[key] = None if bypass else urllib.request.getproxies().get(scheme[:-1])
        return self._proxies[key]

    def _given(self, value, name: str) -> float | None:
        """The timeout a bot method passed, else this request's default (PTB marks "not
        passed" with its DEFAULT_NONE sentinel; None means no limit)."""
        return self.defaults[name] if isinstance(value, DEFAULT_TYPE) else value


def _body(request_data: RequestData | None) -> dict:
    if request_data is None:
        return {}
    if not request_data.contains_files:
        # the values are JSON texts (reply_markup too): the Bot API server reads a JSON string
        # field exactly as the same text in a form, and a JSON body is cheaper to build
        return {"data": request_data.json_payload, "headers": {"Content-Type": "application/json"}}
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return {"data": form}
