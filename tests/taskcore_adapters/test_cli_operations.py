"""The operator's commands: --version, config check, db current|upgrade|downgrade, a
warning for a misspelt variable, and one-line errors (no traceback) for the usual
mistakes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from taskcore_adapters import cli
from taskcore_adapters.cli_checks import known_variables, misspelt

SRC = Path(cli.__file__).resolve().parents[2]
"""``src``: the core and the adapters."""


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No TASKCORE_* variable but a data folder of the test's own."""
    import os

    for name in list(os.environ):
        if name.startswith("TASKCORE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TASKCORE_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """--version prints the installed version and answers status 0."""
    assert 0 == cli.main(["--version"])
    assert re.fullmatch(r"taskcore \S+\n", capsys.readouterr().out)


def test_config_check_masks_secrets_and_says_ok(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The effective settings are printed with the key, the token and URL passwords
    masked; a working configuration says so and exits 0."""
    env.setenv("TASKCORE_SECRET_KEY", "s" * 40)
    env.setenv("TASKCORE_METRICS_TOKEN", "t" * 20)
    env.setenv("TASKCORE_MAIL_URL", "smtp://user:hunter2-secret@mail.example:25")
    env.setenv("TASKCORE_MAIL_FROM", "tasks@example.com")
    code, out, err = run(capsys, "config", "check")
    assert (0, "configuration OK\n") == (code, err)
    assert all(secret not in out for secret in ("s" * 40, "t" * 20, "hunter2-secret"))
    lines = dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in out.splitlines())
    assert ("***", "***", "smtp://user:***@mail.example:25", "(none)") == (
        lines["secret_key"],
        lines["metrics_token"],
        lines["mail_url"],
        lines["mail_password"],
    )


def _one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("taskcore: error:")]
    assert "Traceback" not in err
    assert 1 == len(lines), err
    return lines[0]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql+psycopg://app:pw-secret@127.0.0.1:1/x", "cannot reach the database at"),
        ("mysql+nosuchdriver://app@db/x", "unknown database driver 'mysql+nosuchdriver'"),
        ("this is not a url", "TASKCORE_DATABASE_URL is not a database URL"),
    ],
)
def test_database_mistakes_are_one_line(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, expected: str
) -> None:
    """An unreachable database, an unknown driver and a malformed URL end `taskcore
    migrate` with status 2 and one line (no password in it)."""
    env.setenv("TASKCORE_DATABASE_URL", url)
    code, _, err = run(capsys, "migrate")
    line = _one_line_error(err)
    assert (2, True, False) == (code, expected in line, "pw-secret" in err)


def test_config_check_names_what_is_wrong(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A data folder that cannot be made, an unreachable database and an unreachable
    Redis are each one problem line; the exit status is 1."""
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    env.setenv("TASKCORE_DATA_DIR", str(blocker / "data"))
    env.setenv("TASKCORE_SECRET_KEY", "s" * 40)
    env.setenv("TASKCORE_DATABASE_URL", "postgresql+psycopg://app@127.0.0.1:1/x")
    env.setenv("TASKCORE_QUEUE_URL", "redis://127.0.0.1:1/0")
    code, _, err = run(capsys, "config", "check")
    problems = [line for line in err.splitlines() if line.startswith("taskcore: problem:")]
    expected = [
        "cannot write to the data folder",
        "cannot reach the database",
        "cannot reach Redis",
    ]
    assert (1, 3) == (code, len(problems))
    assert all(text in line for text, line in zip(expected, problems, strict=True))


def test_db_current_upgrade_downgrade(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """db upgrade brings an empty database to head (current then says so, status 0);
    db downgrade base empties it (current: status 1)."""
    assert 0 == run(capsys, "db", "upgrade")[0]
    code, out, _ = run(capsys, "db", "current")
    assert (0, True) == (code, out.rstrip().endswith("(up to date)"))
    assert 0 == run(capsys, "db", "downgrade", "base")[0]
    code, out, _ = run(capsys, "db", "current")
    assert (1, True) == (code, out.startswith("empty"))
    code, _, err = run(capsys, "db", "downgrade")
    assert (2, True) == (code, "needs a revision" in _one_line_error(err))


def test_a_misspelt_variable_is_warned_about_with_the_closest_name() -> None:
    """A TASKCORE_* variable taskcore does not read is named, with the nearest real one."""
    warnings = list(
        misspelt(
            {
                "TASKCORE_DATABSE_URL": "x",
                "TASKCORE_SECRET_KEY_FILE": "/run/secrets/k",
                "TASKCORE_QUEUE_URL": "redis://",
                "TASKCORE_DEV_NOCACHE": "1",
                "TASKCORE_NONSENSE_WORDS": "1",
                "HOME": "/root",
            }
        )
    )
    assert [
        "TASKCORE_DATABSE_URL is not a taskcore setting and is ignored; "
        "did you mean TASKCORE_DATABASE_URL?",
        "TASKCORE_NONSENSE_WORDS is not a taskcore setting and is ignored",
    ] == warnings


def test_every_variable_the_sources_read_is_known() -> None:
    """No TASKCORE_* name in the sources would be warned about as misspelt."""
    found = {
        name
        for path in SRC.rglob("*.py")
        for name in re.findall(r"\b(TASKCORE_[A-Z0-9_]*[A-Z0-9])\b", path.read_text("utf-8"))
    }
    unknown = sorted(
        name
        for name in found - known_variables()
        if not name.startswith(("TASKCORE_DEV_", "TASKCORE_TEST_"))
    )
    assert [] == unknown
