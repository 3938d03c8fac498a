"""``taskcore sweep-files``: the file sweep from the command line, on the embedded profile."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from taskcore.domain.files import new_blob_key
from taskcore.services.users import Principal
from taskcore_adapters import cli
from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import Settings

SECRET_KEY = "k" * 40


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An embedded data folder the command reads through the environment."""
    monkeypatch.setenv("TASKCORE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TASKCORE_SECRET_KEY", SECRET_KEY)
    return tmp_path


def seed(data_dir: Path) -> tuple[int, str]:
    """One attachment whose file is gone, one that is fine, and an old orphaned file.

    Returns:
        The id of the attachment without a file, and the orphan's key.
    """
    runtime = from_settings(Settings(data_dir=data_dir, secret_key=SECRET_KEY))
    try:
        core = runtime.core
        view = core.users.register(
            username="alice", email="alice@example.com", password="correct horse", full_name="A"
        )
        alice = Principal(user_id=view.id, username="alice", is_admin=False)
        task = core.tasks.create_task(
            alice, core.projects.create_project(alice, name="P").id, title="t"
        )
        lost = core.attachments.upload_attachment(alice, task.id, filename="a.txt", content=[b"a"])
        core.attachments.upload_attachment(alice, task.id, filename="b.txt", content=[b"b"])
        runtime.file_store.delete(lost.blob_key)
        orphan = new_blob_key(dt.datetime.now(dt.UTC) - dt.timedelta(hours=3))
        writer = runtime.file_store.open_writer(orphan)
        writer.write(b"orphan")
        writer.commit()
    finally:
        runtime.close()
    return lost.id, orphan


def test_reports_and_fails_on_missing_files(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command removes the orphan, names the attachment whose file is missing, and
    exits with status 1."""
    lost_id, orphan = seed(data_dir)
    status = cli.main(["sweep-files", "--grace-hours", "1"])
    captured = capsys.readouterr()
    out = captured.out
    assert 1 == status
    # Off a terminal, progress names each step once, on standard error.
    assert ["removals…", "files…", "unfinished uploads…", "attachments…"] == [
        line for line in captured.err.splitlines() if line.endswith("…")
    ]
    assert "orphaned blobs removed: 1" in out
    assert f"attachments whose file is missing: {lost_id}" in out
    assert not (data_dir / "files" / orphan).exists()


def test_young_orphans_stay_and_rows_can_be_skipped(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Within the grace period the orphan stays; without the row check the status is 0."""
    _, orphan = seed(data_dir)
    status = cli.main(["sweep-files", "--skip-row-check"])
    assert 0 == status
    assert "orphaned blobs removed: 0" in capsys.readouterr().out
    assert (data_dir / "files" / orphan).exists()
