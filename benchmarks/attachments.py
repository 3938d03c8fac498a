"""Case 4, attachments: upload and download throughput of a real ``taskcore serve``, next
to a raw copy of the same bytes.

Starts ``taskcore serve`` on a free loopback port with a temporary data folder (SQLite and
local files), uploads a file (1 GiB; 64 MiB with ``--quick``) through ``POST
/api/tasks/{id}/attachments`` and downloads it again, once per round, and reports:

- upload and download throughput, next to ``shutil.copyfile`` of the same bytes on the
  same disk (followed by ``fsync`` for the upload, since the server makes each upload
  durable before it answers);
- the server's peak memory growth (``VmHWM`` after the transfers minus ``VmRSS`` before
  the first, from ``/proc/<pid>/status``), which shows that files are streamed, not held.

Linux only (``/proc``).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.runner import CaseResult, Context, Row
from benchmarks.support import free_port, server, taskcore_command
from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import Settings

MiB = 1024 * 1024
PIECE = MiB
BOUNDARY = "taskcore-benchmark-" + secrets.token_hex(8)
USERNAME = "bench"
PASSWORD = "throwaway load passphrase"  # noqa: S105 - a throwaway account in a temporary folder


def memory_kib(pid: int) -> dict[str, int]:
    """``VmRSS`` and ``VmHWM`` of a process, in KiB."""
    found: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


def make_file(path: Path, size: int) -> str:
    """A zip-looking file of ``size`` incompressible bytes; returns its SHA-256."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        written = 0
        head = b"PK\x03\x04"
        while written < size:
            piece = os.urandom(min(PIECE, size - written))
            if written == 0:
                piece = head + piece[len(head) :]
            out.write(piece)
            digest.update(piece)
            written += len(piece)
    return digest.hexdigest()


def seed(data_dir: Path, secret_key: str) -> int:
    """Create the account, a project and a task directly in the database; returns the
    task id."""
    runtime = from_settings(Settings(data_dir=data_dir, secret_key=secret_key))
    try:
        core = runtime.core
        user = core.users.register(
            username=USERNAME, email="bench@example.com", password=PASSWORD, full_name="Bench"
        )
        owner = Principal(user_id=user.id, username=user.username, is_admin=False)
        project = core.projects.create_project(owner, name="Benchmark")
        return core.tasks.create_task(owner, project.id, title="Upload").id
    finally:
        runtime.close()


def request_json(
    port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    payload = None if body is None else json.dumps(body).encode()
    conn.request(
        method, path, body=payload, headers={"Content-Type": "application/json", **(headers or {})}
    )
    response = conn.getresponse()
    data = json.loads(response.read())
    if response.status >= 300:
        raise RuntimeError(f"{method} {path}: {response.status} {data}")
    return data


def multipart_body(path: Path) -> tuple[Iterator[bytes], int]:
    """The multipart body around the file, produced piece by piece, and its length."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"'
        "\r\nContent-Type: application/zip\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()

    def pieces() -> Iterator[bytes]:
        yield head
        with path.open("rb") as source:
            while chunk := source.read(PIECE):
                yield chunk
        yield tail

    return pieces(), len(head) + path.stat().st_size + len(tail)


def upload(port: int, token: str, task_id: int, path: Path) -> tuple[float, dict[str, Any]]:
    body, length = multipart_body(path)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    started = time.perf_counter()
    conn.request(
        "POST",
        f"/api/tasks/{task_id}/attachments",
        body=body,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            "Content-Length": str(length),
        },
    )
    response = conn.getresponse()
    data = json.loads(response.read())
    elapsed = time.perf_counter() - started
    if response.status != 201:
        raise RuntimeError(f"upload failed: {response.status} {data}")
    return elapsed, data["attachment"]


def download(port: int, token: str, attachment_id: int, target: Path) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    started = time.perf_counter()
    conn.request(
        "GET",
        f"/api/attachments/{attachment_id}/download",
        headers={"Authorization": f"Bearer {token}"},
    )
    response = conn.getresponse()
    if response.status != 200:
        raise RuntimeError(f"download failed: {response.status} {response.read()[:200]!r}")
    with target.open("wb") as out:
        while chunk := response.read(PIECE):
            out.write(chunk)
    return time.perf_counter() - started


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(PIECE):
            digest.update(chunk)
    return digest.hexdigest()


def timed_copy(source: Path, target: Path, *, sync: bool) -> float:
    started = time.perf_counter()
    shutil.copyfile(source, target)
    if sync:
        with target.open("rb+") as copied:
            os.fsync(copied.fileno())
    elapsed = time.perf_counter() - started
    target.unlink()
    return elapsed


NAME = "attachments"
TITLE = "Case 4: attachments (1 GiB upload and download)"


def run(ctx: Context) -> CaseResult:
    size_mib = 64 if ctx.quick else 1024
    rounds = 2 if ctx.quick else 3
    size = size_mib * MiB
    result = CaseResult(
        case=NAME,
        title=TITLE,
        parameters={"file": f"{size_mib} MiB", "rounds": rounds, "storage": "local folder"},
    )
    work = Path(tempfile.mkdtemp(prefix="taskcore-bench-attachments-"))
    try:
        data_dir = work / "data"
        secret_key = secrets.token_urlsafe(48)
        env = {
            **os.environ,
            "TASKCORE_DATA_DIR": str(data_dir),
            "TASKCORE_SECRET_KEY": secret_key,
            "TASKCORE_MAX_UPLOAD_BYTES": str(size + MiB),
            # Every round stores another copy: no storage limit (usage is still counted,
            # and reserved while each upload arrives, as with a limit).
            "TASKCORE_USER_QUOTA_BYTES": "0",
        }
        source = work / "payload.zip"
        ctx.log(f"writing a {size_mib} MiB test file")
        expected = make_file(source, size)
        task_id = seed(data_dir, secret_key)
        port = free_port()
        ups: list[float] = []
        downs: list[float] = []
        intact = True
        command = [*taskcore_command(), "serve", "--port", str(port), "--log-level", "warning"]
        with server(command, port, env) as process:
            token = request_json(
                port, "POST", "/api/login", {"username": USERNAME, "password": PASSWORD}
            )["token"]
            before = memory_kib(process.pid)
            for index in range(rounds):
                ctx.log(f"round {index + 1}: upload and download")
                up_seconds, attachment = upload(port, token, task_id, source)
                target = work / "downloaded.zip"
                down_seconds = download(port, token, attachment["id"], target)
                intact = intact and attachment["file_hash"] == expected == sha256_of(target)
                target.unlink()
                ups.append(size / MiB / up_seconds)
                downs.append(size / MiB / down_seconds)
            after = memory_kib(process.pid)
        copies = [
            size / MiB / timed_copy(source, work / "copy.zip", sync=False) for _ in range(rounds)
        ]
        synced = [
            size / MiB / timed_copy(source, work / "copy.zip", sync=True) for _ in range(rounds)
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    growth = (after["VmHWM"] - before["VmRSS"]) / 1024
    result.rows += [
        Row(name="shutil.copyfile + fsync", unit="MiB/s", values=synced),
        Row(
            name="upload (HTTP, multipart)",
            unit="MiB/s",
            values=ups,
            baseline="shutil.copyfile + fsync",
            extra={"server peak RSS growth": f"{growth:.1f} MiB", "content intact": intact},
        ),
        Row(name="shutil.copyfile", unit="MiB/s", values=copies),
        Row(
            name="download (HTTP)",
            unit="MiB/s",
            values=downs,
            baseline="shutil.copyfile",
        ),
    ]
    result.notes.append(
        "The upload is parsed from multipart, hashed (SHA-256), written and synced to disk "
        "before the server answers; the download streams the stored file. The peak memory "
        "growth of the server stays near the size of its read buffers, not the file's."
    )
    if not intact:
        result.status = "failed"
        result.error = "the downloaded file differs from the uploaded one"
    return result
