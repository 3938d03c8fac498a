"""Attachments on S3-compatible storage: the FileStore contract and an upload/download
through the HTTP API, against moto's S3 server running as a process on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from taskcore.ports.files import FileStore
from taskcore_adapters.contracts import FileStoreContract

pytestmark = [
    pytest.mark.s3,
    # botocore still calls datetime.utcnow(), deprecated since Python 3.12.
    pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning"),
]

BUCKET = "taskcore-test"


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3_options() -> Iterator[dict[str, Any]]:
    """The storage options of a fresh moto S3 server process with one bucket."""
    try:
        import s3fs  # noqa: F401
    except ImportError:
        _missing("s3fs is not installed (pip install 'taskcore[s3]')")
    script = Path(sys.executable).parent / "moto_server"
    if not script.exists() and shutil.which("moto_server") is None:
        _missing("moto's server is not installed (pip install 'moto[server]')")
    port = _free_port()
    server = subprocess.Popen(
        [str(script) if script.exists() else "moto_server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    options = {
        "endpoint_url": f"http://127.0.0.1:{port}",
        "key": "testing",
        "secret": "testing",
        "client_kwargs": {"region_name": "us-east-1"},
    }
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("moto's S3 server did not start")
                time.sleep(0.1)
        # The bucket, made as an operator would beforehand (moto accepts the plain PUT).
        created = urllib.request.Request(f"{options['endpoint_url']}/{BUCKET}", method="PUT")  # noqa: S310
        with urllib.request.urlopen(created, timeout=10) as response:  # noqa: S310
            assert 200 == response.status
        yield options
    finally:
        server.terminate()
        server.wait(timeout=10)


class TestS3Store(FileStoreContract):
    @pytest.fixture
    def store(self, s3_options: dict[str, Any]) -> FileStore:
        from taskcore_adapters.fsspec import FsspecFileStore

        prefix = uuid.uuid4().hex
        return FsspecFileStore(f"s3://{BUCKET}/{prefix}", skip_instance_cache=True, **s3_options)


def test_attachments_through_the_api_live_in_the_bucket(
    tmp_path: Path, s3_options: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``TASKCORE_STORAGE_URL=s3://...`` (the endpoint and keys in fsspec's S3
    configuration, as ``FSSPEC_S3`` gives it) an uploaded attachment is an object in the
    bucket, downloaded byte for byte and ranged; deleting it removes the object."""
    import fsspec.config
    import s3fs
    from starlette.testclient import TestClient

    from taskcore_adapters import Settings, from_settings
    from taskcore_adapters.host import create_app

    monkeypatch.setitem(fsspec.config.conf, "s3", {**s3_options, "skip_instance_cache": True})
    prefix = uuid.uuid4().hex
    settings = Settings(
        data_dir=tmp_path, storage_url=f"s3://{BUCKET}/{prefix}", secret_key="s" * 40
    )
    data = "".join(f"line {i}\n" for i in range(40_000)).encode()
    with from_settings(settings) as runtime, TestClient(create_app(runtime)) as client:
        account = {"username": "ada", "email": "ada@example.com", "password": "long enough pw"}
        registered = client.post("/api/register", json={**account, "full_name": "Ada"})
        assert 201 == registered.status_code, registered.text
        token = client.post("/api/login", json=account).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        project = client.post("/api/projects", json={"name": "P"}, headers=headers).json()
        task = client.post(
            f"/api/projects/{project['project']['id']}/tasks", json={"title": "t"}, headers=headers
        ).json()["task"]
        uploaded = client.post(
            f"/api/tasks/{task['id']}/attachments",
            headers=headers,
            files={"file": ("notes.txt", data, "text/plain")},
        )
        assert 201 == uploaded.status_code, uploaded.text
        attachment = uploaded.json()["attachment"]

        fs = s3fs.S3FileSystem(skip_instance_cache=True, **s3_options)
        objects = [p for p in fs.find(f"{BUCKET}/{prefix}") if "/.partial/" not in p]
        assert [len(data)] == [fs.size(p) for p in objects]

        url = f"/api/attachments/{attachment['id']}/download"
        assert data == client.get(url, headers=headers).content
        ranged = client.get(url, headers={**headers, "Range": "bytes=1000-1999"})
        assert (206, data[1000:2000]) == (ranged.status_code, ranged.content)

        deleted = client.delete(f"/api/attachments/{attachment['id']}", headers=headers)
        assert 200 == deleted.status_code, deleted.text
        runtime.core.tick()  # the blob is deleted after the commit
        fs.invalidate_cache()
        assert [] == [p for p in fs.find(f"{BUCKET}/{prefix}") if "/.partial/" not in p]
