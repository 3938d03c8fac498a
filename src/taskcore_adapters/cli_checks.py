"""What ``taskcore config check`` reports, the warning for a misspelt ``TASKCORE_*``
variable, and the one-line messages the command prints instead of tracebacks for the
common mistakes (an unreachable database or Redis, a malformed URL, an unknown database
driver, a data folder it cannot write)."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import attrs

from taskcore_adapters.config import SECRET_VARIABLES, Settings

OTHER_VARIABLES = (
    "TASKCORE_LOG_FORMAT",
    "TASKCORE_ADMIN_PASSWORD",
)
"""Variables read outside :meth:`Settings.from_env` (the logs, ``create-admin``)."""

_SOURCES = tuple(Path(__file__).with_name(name) for name in ("config.py", "config_checks.py"))
_NAME = re.compile(r'"(TASKCORE_[A-Z0-9_]+)"')


def known_variables() -> frozenset[str]:
    """Every ``TASKCORE_*`` variable taskcore reads: those named in the settings' sources,
    the ``_FILE`` form of each secret, and :data:`OTHER_VARIABLES`."""
    named = {name for path in _SOURCES for name in _NAME.findall(path.read_text("utf-8"))}
    return frozenset(named | {f"{n}_FILE" for n in SECRET_VARIABLES} | set(OTHER_VARIABLES))


def misspelt(environ: Mapping[str, str] | None = None) -> Iterator[str]:
    """A warning for each ``TASKCORE_*`` variable taskcore does not read, with the known
    name closest to it (``TASKCORE_DEV_*`` variables are left alone)."""
    env = os.environ if environ is None else environ
    known = known_variables()
    for name in sorted(env):
        if not name.startswith("TASKCORE_") or name in known:
            continue
        if name.startswith("TASKCORE_DEV_") or name.startswith("TASKCORE_TEST_"):
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
        hint = f"; did you mean {close[0]}?" if close else ""
        yield f"{name} is not a taskcore setting and is ignored{hint}"


def _masked_url(url: str) -> str:
    return re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", url)


def effective(settings: Settings) -> list[tuple[str, str]]:
    """Every setting and its value as the server would use it, secrets masked: keys and
    tokens are ``***`` (or ``(none)``), passwords in URLs are ``***``."""
    rows = []
    for field in attrs.fields(Settings):
        value = getattr(settings, field.name)
        if not field.repr:
            shown = "(none)" if value in (None, ()) else "***"
        elif isinstance(value, str):
            shown = _masked_url(value)
        elif isinstance(value, tuple):
            shown = ",".join(str(item) for item in value) or "(none)"
        else:
            shown = "(none)" if value is None else str(value)
        rows.append((field.name, shown))
    rows.insert(2, ("database (effective)", _masked_url(settings.effective_database_url)))
    return rows


def problems(settings: Settings, timeout: float = 3.0) -> Iterator[str]:
    """What stops this configuration from working: an unwritable data folder, a database
    or a Redis server that does not answer."""
    data = settings.data_dir
    try:
        data.mkdir(parents=True, exist_ok=True)
        probe = data / ".taskcore-write-check"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        yield f"cannot write to the data folder {data.absolute()}: {exc.strerror}"
    try:
        from sqlalchemy import text

        from taskcore_adapters.sql import make_engine
    except ModuleNotFoundError as exc:
        yield explain(exc)
    else:
        try:
            engine = make_engine(settings.effective_database_url, pooled=False)
            try:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
            finally:
                engine.dispose()
        except Exception as exc:  # noqa: BLE001 - each kind gets its own sentence
            yield explain(exc, settings)
    for name, url in (("TASKCORE_QUEUE_URL", settings.queue_url),) + (
        (("TASKCORE_RATE_LIMIT_URL", settings.rate_limit_url),)
        if settings.rate_limit_url.startswith("redis")
        else ()
    ):
        if url:
            message = _redis_problem(name, url, timeout)
            if message:
                yield message


def _redis_problem(name: str, url: str, timeout: float) -> str | None:
    try:
        import redis
    except ModuleNotFoundError as exc:
        return explain(exc)
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    except ValueError as exc:
        return f"{name} is not a Redis URL: {exc}"
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"cannot reach Redis at {_masked_url(url)} ({name}): {_first_line(exc)}"
    finally:
        client.close()
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def explain(exc: BaseException, settings: Settings | None = None) -> str:
    """One line saying what went wrong for the common mistakes; the exception's first
    line otherwise. Never a password."""
    from taskcore_adapters.extras import missing_extra

    if isinstance(exc, ModuleNotFoundError):
        return missing_extra(exc)
    url = _masked_url(settings.effective_database_url) if settings is not None else "?"
    kind = type(exc).__name__
    module = type(exc).__module__
    if module.startswith("sqlalchemy"):
        if kind == "NoSuchModuleError":
            driver = url.split("://", 1)[0]
            return (
                f"unknown database driver {driver!r} in TASKCORE_DATABASE_URL: use "
                "sqlite:///path or postgresql+psycopg://user@host/db"
            )
        if kind == "ArgumentError":
            return f"TASKCORE_DATABASE_URL is not a database URL: {_masked_url(str(exc))}"
        if kind in ("OperationalError", "InterfaceError", "TimeoutError"):
            return f"cannot reach the database at {url}: {_masked_url(_first_line(exc))}"
    if module.startswith("redis"):
        return f"cannot reach Redis: {_masked_url(_first_line(exc))}"
    if isinstance(exc, PermissionError):
        return f"permission denied: {exc.filename or _first_line(exc)}"
    return _masked_url(_first_line(exc))
