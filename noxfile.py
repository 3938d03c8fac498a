"""Contributor entry point: ``nox`` runs every check; ``nox -l`` lists the sessions.

Test sessions form a matrix over every Python 3.11+ interpreter found on this machine
(on PATH as ``python3.X``, or installed by pyenv) and over the database backends: the
``tests`` sessions use SQLite, the ``tests_services`` sessions PostgreSQL, Redis and a
real SMTP server. Service URLs come from ``TASKCORE_TEST_POSTGRES_URL`` and
``TASKCORE_TEST_REDIS_URL`` (defaults: the local servers).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["lint", "typing", "architecture", "tests", "tests_services", "examples"]
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")

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


def _install(session: nox.Session, *groups: str) -> None:
    """Install the project with every extra, plus dependency groups (PEP 735)."""
    if session.venv_backend != "uv":
        session.install("pip>=25.1")  # dependency groups need a recent pip
    args = [arg for group in groups for arg in ("--group", group)]
    session.install(".[all]", *args)


@nox.session(python=FIRST)
def lint(session: nox.Session) -> None:
    """Ruff lint and format check, and bandit over the sources."""
    session.install("--group", "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("bandit", "-q", "-c", "pyproject.toml", "-r", "src")


@nox.session(python=FIRST)
def typing(session: nox.Session) -> None:
    """mypy in strict mode over the library, the tests and the examples."""
    _install(session, "typing", "test")
    session.run("mypy")


@nox.session(python=FIRST)
def architecture(session: nox.Session) -> None:
    """import-linter contracts: the core imports no infrastructure; layers; independence."""
    _install(session, "architecture")
    session.run("lint-imports")


def _pytest(session: nox.Session, backend: str, *selection: str) -> None:
    _install(session, "test")
    env = {"TASKCORE_TEST_DB": backend}
    args = ["-n", os.environ.get("PYTEST_WORKERS", "2"), *selection, *session.posargs]
    session.run("pytest", *args, env=env)


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Everything that needs no server, on SQLite and the in-memory adapters."""
    _pytest(session, "sqlite", "-m", "not postgres and not redis and not smtp")


@nox.session(python=PYTHONS)
def tests_services(session: nox.Session) -> None:
    """Everything that touches a server, on PostgreSQL, with Redis and a real SMTP server.

    The pure core tests (tests/taskcore, in-memory adapters) do not depend on the
    backend; the ``tests`` sessions run them.
    """
    _pytest(session, "postgres", "tests/contracts", "tests/taskcore_adapters", "tests/integration")


@nox.session(python=FIRST)
def examples(session: nox.Session) -> None:
    """Run every script in examples/ as a user would."""
    _install(session)
    for script in sorted(Path("examples").glob("*.py")):
        session.run("python", str(script))
