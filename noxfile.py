"""Contributor entry point: ``nox`` runs every check; ``nox -l`` lists the sessions.

Every Python 3.11+ interpreter found on this machine (on PATH as ``python3.X``, or
installed by pyenv) runs part of the suite, and every tier runs once at least: the
``tests`` session (SQLite and the in-memory adapters, newest allowed versions) on the
newest; the ``tests_lowest`` session (the same suite on the lowest versions
``pyproject.toml`` allows) on the oldest; the ``tests_services`` sessions (PostgreSQL,
Redis, a real SMTP server and moto's S3 server) whole on the newest, and their
whole-process tests on the others (``tests/integration``, ``tests/deploy``: signals,
sockets and subprocesses, where interpreters differ); ``e2e`` drives headless Chromium
against ``taskcore serve``; ``load`` runs the short load tests (smoke mix and login storm,
30 s each) against a live server; ``docs`` builds the documentation site strictly. Service
URLs come from ``TASKCORE_TEST_POSTGRES_URL`` and ``TASKCORE_TEST_REDIS_URL`` (defaults:
the local servers)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.sessions = [
    "lint",
    "typing",
    "architecture",
    "tests",
    "tests_lowest",
    "tests_services",
    "examples",
    "docs",
    "e2e",
    "load",
]
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")
# The run starts hundreds of interpreters (pytest-xdist workers, `taskcore serve`, workers,
# command-line tests): each compiles every module it imports again unless bytecode may be
# cached. It is cached under .nox/, never beside the sources.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
os.environ.setdefault("PYTHONPYCACHEPREFIX", str(Path(".nox", "pycache").resolve()))

CANDIDATES = ("3.11", "3.12", "3.13", "3.14")


def _interpreters() -> list[str]:
    """Python versions (3.11+) that actually run here; pyenv installs are put on PATH."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if pyenv.is_dir():
        extra = [str(p / "bin") for p in sorted(pyenv.iterdir()) if (p / "bin").is_dir()]
        os.environ["PATH"] = os.pathsep.join([*extra, os.environ.get("PATH", "")])
    found = []
    for version in CANDIDATES:
        exe = shutil.which(f"python{version}")
        if exe is None:
            continue
        probe = subprocess.run([exe, "-c", ""], capture_output=True, check=False)  # noqa: S603
        if probe.returncode == 0:
            found.append(version)
    return found


PYTHONS = _interpreters()
FIRST = PYTHONS[0] if PYTHONS else None
OLDEST = PYTHONS[:1]
NEWEST = PYTHONS[-1:]
"""The SQLite suite runs once per dependency resolution: the newest versions on the newest
Python, the lowest allowed versions on the oldest (where old releases are likeliest to
break). With a third run on every other Python, the default run outgrew CI's 30 minutes
on a two-core machine (32 minutes on one); no tier is left out, each Python runs part."""
SERVICE_PYTHONS = PYTHONS[1:] if len(PYTHONS) > 2 else PYTHONS
"""The service tier: whole on the newest Python, its whole-process tests on the ones
between the oldest and the newest (the oldest runs the lowest versions instead), or on
the oldest when there are only two."""


def _install(session: nox.Session, *groups: str, extras: str = "all") -> None:
    """Install the project with every extra (or ``extras``), plus dependency groups
    (PEP 735)."""
    if session.venv_backend != "uv":
        session.install("pip>=25.1")  # dependency groups need a recent pip
    args = [arg for group in groups for arg in ("--group", group)]
    session.install(f".[{extras}]", *args)


@nox.session(python=FIRST)
def lint(session: nox.Session) -> None:
    """Ruff lint and format check, bandit over the sources, deptry over the dependencies."""
    session.install("--group", "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("bandit", "-q", "-c", "pyproject.toml", "-r", "src")
    # Every import of the library is a declared dependency, and every one declared is used.
    session.run("deptry", "src")


@nox.session(python=FIRST)
def typing(session: nox.Session) -> None:
    """mypy in strict mode over the library, the tests and the examples."""
    _install(session, "typing", "test", "e2e", "load", "examples", "bench")
    session.run("mypy")


@nox.session(python=FIRST)
def architecture(session: nox.Session) -> None:
    """import-linter contracts: the core imports no infrastructure; layers; independence."""
    _install(session, "architecture")
    session.run("lint-imports")


def _pytest(
    session: nox.Session, backend: str, *selection: str, installed: bool = False, workers: int = 2
) -> None:
    """pytest on ``backend`` with ``workers`` xdist workers (``PYTEST_WORKERS`` overrides)."""
    if not installed:
        _install(session, "test")
    env = {"TASKCORE_TEST_DB": backend}
    count = os.environ.get("PYTEST_WORKERS", str(workers))
    args = ["-n", count, *selection, *session.posargs]
    session.run("pytest", *args, env=env)


SQLITE_TIER = "not postgres and not redis and not smtp and not s3 and not e2e"


@nox.session(python=NEWEST)
def tests(session: nox.Session) -> None:
    """Everything that needs no server, on SQLite and the in-memory adapters."""
    _pytest(session, "sqlite", "-m", SQLITE_TIER)


@nox.session(python=OLDEST)
def tests_lowest(session: nox.Session) -> None:
    """The SQLite tier on the lowest versions of the direct dependencies that
    ``pyproject.toml`` allows (``uv pip install --resolution lowest-direct``), so the
    floors stay true."""
    if session.venv_backend != "uv":
        session.error("tests_lowest needs uv (pip install 'nox[uv]')")
    session.install("--resolution", "lowest-direct", ".[all]", "--group", "test")
    _pytest(session, "sqlite", "-m", SQLITE_TIER, installed=True)


@nox.session(python=SERVICE_PYTHONS)
def tests_services(session: nox.Session) -> None:
    """Everything that touches a server, on PostgreSQL, with Redis, a real SMTP server and
    moto's S3 server, on the newest Python; on the others (:data:`SERVICE_PYTHONS`), the
    tests of whole processes (``tests/integration``, ``tests/deploy``: signals, sockets,
    subprocesses, where interpreter versions differ), so that the default run stays well
    within its time.

    The pure core tests (tests/taskcore, in-memory adapters) do not depend on the
    backend; the ``tests`` and ``tests_lowest`` sessions run them.
    """
    _install(session, "test", "s3", extras="all,s3")
    processes = ("tests/integration", "tests/deploy")
    everything = ("tests/contracts", "tests/taskcore_adapters", *processes)
    newest = session.python == NEWEST[-1]
    # Its tests wait on the servers about half the time: four workers keep two cores busy.
    selection = everything if newest else processes
    _pytest(session, "postgres", *selection, installed=True, workers=4)


@nox.session(python=FIRST)
def examples(session: nox.Session) -> None:
    """Run every script in examples/ as a user would, then the examples' own tests (the
    FastAPI and Flask hosts, the custom adapter)."""
    _install(session, "test", "examples")
    for script in sorted(Path("examples").glob("*.py")):
        if not script.name.startswith("test_"):
            session.run("python", str(script))
    session.run("pytest", "-p", "no:cacheprovider", "examples", *session.posargs)


@nox.session(python=FIRST)
def docs(session: nox.Session) -> None:
    """Build the documentation site (mkdocs-material, API reference by mkdocstrings) with
    ``--strict``: a broken link or reference fails."""
    _install(session, "docs")
    site = str(Path(session.create_tmp()) / "site")
    env = {"NO_MKDOCS_2_WARNING": "1"}
    session.run("mkdocs", "build", "--strict", "--site-dir", site, env=env)


@nox.session(python=FIRST)
def fuzz(session: nox.Session) -> None:
    """The longer fuzzing tier (not in the default run): 200 schemathesis examples per API
    operation instead of 10."""
    _install(session, "test")
    env = {"TASKCORE_TEST_DB": "sqlite", "TASKCORE_FUZZ_EXAMPLES": "200"}
    args = ["-n", os.environ.get("PYTEST_WORKERS", "2")]
    test = "tests/taskcore_adapters/http/test_schemathesis.py"
    session.run("pytest", *args, test, *session.posargs, env=env)


def _ensure_system_tool(session: nox.Session, tool: str, package: str, *, required: bool) -> None:
    """Install the Debian package that provides ``tool`` when it is missing (root only);
    fail with a clear message (or, when not ``required``, warn) when that is not possible."""
    if shutil.which(tool):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        message = (
            f"{tool} is not installed; install it first, e.g. `sudo apt-get install -y {package}`"
        )
        if required:
            session.error(message)
        session.warn(message + " (continuing without it)")
        return
    session.run("apt-get", "update", "-qq", external=True)
    session.run("apt-get", "install", "-y", "-qq", package, external=True)


def _oidc_provider(session: nox.Session) -> str:
    """Install the test OpenID provider's npm packages (``oidc-provider``, pinned by
    tests/e2e/oidc/package-lock.json) with ``npm ci`` into the sessions' cache, again only
    when the lock file changed; returns that folder."""
    source = Path("tests/e2e/oidc")
    target = Path(session.cache_dir) / "oidc-provider"
    lock = (source / "package-lock.json").read_bytes()
    installed = target / "package-lock.json"
    modules = target / "node_modules" / "oidc-provider"
    if not modules.is_dir() or not installed.exists() or installed.read_bytes() != lock:
        target.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(source / name, target / name)
        with session.chdir(target):
            session.run("npm", "ci", "--no-audit", "--no-fund", external=True)
    return str(target.resolve())


@nox.session(python=FIRST)
def e2e(session: nox.Session) -> None:
    """The end-to-end tests: real headless Chromium (Debian's
    ``chromium`` package, installed with apt-get when missing, which needs root) driven by
    Playwright against ``taskcore serve``; refreshes the screenshots in docs/screenshots/.
    The single sign-on tests run a real OpenID provider on Node.js (Debian's ``nodejs``
    and ``npm``, installed the same way; its npm packages with :func:`_oidc_provider`)."""
    _ensure_system_tool(session, "chromium", "chromium", required=True)
    _ensure_system_tool(session, "node", "nodejs", required=True)
    _ensure_system_tool(session, "npm", "npm", required=True)
    _install(session, "test", "e2e")
    env = {
        "TASKCORE_E2E_CHROMIUM": shutil.which("chromium") or "/usr/bin/chromium",
        "TASKCORE_TEST_OIDC_DIR": _oidc_provider(session),
    }
    session.run(
        "pytest", "-m", "e2e", "-p", "no:cacheprovider", "tests/e2e", *session.posargs, env=env
    )


@nox.session(python=FIRST)
def bench(session: nox.Session) -> None:
    """The benchmarks (not in the default run): ``nox -s bench -- --quick`` for the short
    version, ``-- --case NAME`` for one case; writes benchmarks/results/ and
    docs/performance.md. Needs PostgreSQL and Redis, like the service tests."""
    _ensure_system_tool(session, "wrk", "wrk", required=True)
    # optional: without it the start-up case times imports with repeated subprocess runs
    _ensure_system_tool(session, "hyperfine", "hyperfine", required=False)
    _install(session, "bench")
    session.run("python", "-m", "benchmarks", *session.posargs)


@nox.session(python=FIRST)
def load(session: nox.Session) -> None:
    """The load tests: T77 smoke load and T78 login storm, 30 s each, by default (part of
    the default run); ``nox -s load -- --soak --duration 600`` for the soak (T79). Writes
    benchmarks/results/load-<case>.json and fails when a check fails. Needs PostgreSQL
    and Redis, like the service tests."""
    _install(session, "load")
    args = session.posargs or ["--smoke", "--storm", "--duration", "30"]
    session.run("python", "-m", "benchmarks.load", *args)
