"""The API's blocking calls: a safe request's calls run on threads of their own, so they
never queue behind writes that hold every thread of the default pool."""

from __future__ import annotations

import threading

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from taskcore_adapters.http import threads


def _request(method: str) -> Request:
    return Request({"type": "http", "method": method, "path": "/", "headers": []})


def test_reads_do_not_wait_for_the_writes_holding_the_default_threads() -> None:
    release = threading.Event()

    async def write(_: Request) -> Response:
        await anyio.to_thread.run_sync(release.wait, 10, limiter=threads.limiter())
        return PlainTextResponse("written")

    async def read(_: Request) -> Response:
        value = await anyio.to_thread.run_sync(lambda: "read", limiter=threads.limiter())
        return PlainTextResponse(value)

    async def main() -> list[bytes]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 1
        answers: list[bytes] = []
        async with anyio.create_task_group() as tasks:

            async def call(endpoint: threads.Endpoint, method: str) -> None:
                answers.append(bytes((await endpoint(_request(method))).body))

            tasks.start_soon(call, threads.bind(write), "POST")
            await anyio.sleep(0.1)  # the write holds the default pool's only thread
            for method in ("GET", "HEAD"):
                with anyio.fail_after(5):
                    await call(threads.bind(read), method)
            assert threads.limiter() is None  # outside a request: the default pool
            release.set()
        return answers

    assert [b"read", b"read", b"written"] == anyio.run(main)


def test_only_safe_methods_use_the_read_threads() -> None:
    async def pool(_: Request) -> Response:
        limiter = threads.limiter()
        return PlainTextResponse("default" if limiter is None else str(limiter.total_tokens))

    async def main() -> dict[str, bytes]:
        endpoint = threads.bind(pool)
        methods = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")
        return {m: bytes((await endpoint(_request(m))).body) for m in methods}

    read = str(threads.READ_THREADS).encode()
    assert {
        "GET": read,
        "HEAD": read,
        "OPTIONS": read,
        "POST": b"default",
        "PUT": b"default",
        "PATCH": b"default",
        "DELETE": b"default",
    } == anyio.run(main)
