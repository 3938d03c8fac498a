"""Helpers shared by the cases: the machine description, scratch PostgreSQL databases,
free ports, starting servers and timing calls."""

from __future__ import annotations

import contextlib
import http.client
import os
import platform
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

POSTGRES_URL = os.environ.get(
    "TASKCORE_BENCH_POSTGRES_URL",
    os.environ.get(
        "TASKCORE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    ),
)
ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get(
    "TASKCORE_BENCH_REDIS_URL",
    os.environ.get("TASKCORE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
)


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine() -> dict[str, Any]:
    """CPU, memory, load, Python, PostgreSQL and Redis versions of this machine."""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    mem_kib = next(
        (
            int(line.split()[1])
            for line in _read("/proc/meminfo").splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": model,
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "postgresql": _postgres_version(),
        "redis": _redis_version(),
        "wrk": _tool_version(["wrk", "-v"]),
        "hyperfine": _tool_version(["hyperfine", "--version"]),
    }


def _postgres_version() -> str:
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(POSTGRES_URL)
        try:
            with engine.connect() as conn:
                return str(conn.execute(text("SHOW server_version")).scalar_one())
        finally:
            engine.dispose()
    except Exception as exc:  # noqa: BLE001 - reported, not fatal
        return f"unavailable ({type(exc).__name__})"


def _redis_version() -> str:
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
        try:
            return str(client.info("server")["redis_version"])
        finally:
            client.close()
    except Exception as exc:  # noqa: BLE001 - reported, not fatal
        return f"unavailable ({type(exc).__name__})"


def _tool_version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=10)  # noqa: S603
    except OSError:
        return "not installed"
    text = (done.stdout or done.stderr).strip().splitlines()
    return text[0] if text else "unknown"


@contextlib.contextmanager
def scratch_database() -> Iterator[str]:
    """A new, empty PostgreSQL database ``taskcore_bench_<hex>``, dropped afterwards;
    yields its SQLAlchemy URL."""
    from sqlalchemy import create_engine, make_url, text

    name = f"taskcore_bench_{secrets.token_hex(4)}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


QUEUE_DB = 14
"""The Redis database (on the server of ``REDIS_URL``) the benchmarks queue jobs in."""


@contextlib.contextmanager
def redis_queue_db() -> Iterator[str]:
    """The URL of Redis database ``QUEUE_DB``, which must be empty before and is emptied
    after.

    Raises:
        RuntimeError: the database holds keys (something else uses it).
    """
    import redis

    base, _, _ = REDIS_URL.rpartition("/")
    url = f"{base}/{QUEUE_DB}"
    client = redis.Redis.from_url(url)
    try:
        if client.dbsize():
            raise RuntimeError(
                f"Redis database {QUEUE_DB} is not empty; the benchmarks use it for their queue"
            )
        try:
            yield url
        finally:
            client.flushdb()
    finally:
        client.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def taskcore_command() -> list[str]:
    """The ``taskcore`` script of the running interpreter's environment."""
    script = Path(sys.executable).with_name("taskcore")
    return [str(script)] if script.exists() else [sys.executable, "-m", "taskcore_adapters.cli"]


def answers(port: int, path: str = "/health") -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", path)
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def wait_until_up(
    port: int, process: subprocess.Popen[bytes], path: str, limit: float = 60
) -> float:
    """Poll ``path`` until it answers 200; returns the seconds waited.

    Raises:
        RuntimeError: the process exited or did not answer within ``limit`` seconds.
    """
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode}")
        if answers(port, path):
            return time.perf_counter() - started
        time.sleep(0.01)
    raise RuntimeError(f"the server did not answer {path} within {limit:.0f} s")


@contextlib.contextmanager
def server(
    command: list[str], port: int, env: dict[str, str], *, path: str = "/health"
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server until the block ends (SIGTERM, then SIGKILL after 20 s); its error
    output goes to a temporary file, quoted if it fails to start."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - our own commands
            command, env=env, stdout=subprocess.DEVNULL, stderr=errors, cwd=ROOT
        )
        try:
            try:
                wait_until_up(port, process, path)
            except RuntimeError as exc:
                process.kill()
                process.wait()
                errors.seek(0)
                tail = errors.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"{exc}: {tail}") from None
            yield process
        finally:
            if process.poll() is None:
                stop(process, 20)


def stop(process: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM, then SIGKILL when ``process`` has not exited within ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def timed_calls(call: Callable[[], Any], count: int) -> list[float]:
    """Milliseconds taken by each of ``count`` calls."""
    out = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out
