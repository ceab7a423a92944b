"""Databases on a PostgreSQL test server: created (empty, or as a copy of another one) and
dropped by name, from synchronous fixtures."""

import asyncio
import itertools
import os
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.engine import make_url

_names = itertools.count(1)


class Server:
    def __init__(self, url: str):
        self.url = make_url(url)
        self._worker = ThreadPoolExecutor(1)  # asyncpg on a loop of its own, off the test's

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self, template: str | None = None, name: str | None = None) -> str:
        """A new database, a copy of ``template`` when given (which nobody may be connected
        to), and its name."""
        name = name or f"t{os.getpid()}_{next(_names)}"
        copy = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
        self._execute(f"CREATE DATABASE {name}{copy}")
        return name

    def drop(self, name: str) -> None:
        self._execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def _execute(self, statement: str) -> None:
        self._worker.submit(asyncio.run, self._run(statement)).result()

    async def _run(self, statement: str) -> None:
        import asyncpg

        url = self.url
        connection = await asyncpg.connect(
            host=url.host, port=url.port, user=url.username, password=url.password,
            database=url.database or "postgres")
        try:
            await connection.execute(statement)
        finally:
            await connection.close()
