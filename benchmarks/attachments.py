"""Attachment upload and download throughput of a real ``taskcore serve``, next to a raw copy.

Starts ``taskcore serve`` on a free loopback port with a temporary data folder (SQLite and
local files), uploads a file of ``--size-mib`` MiB through ``POST
/api/tasks/{id}/attachments`` and downloads it again, and prints:

- upload and download throughput, next to ``shutil.copyfile`` of the same bytes on the
  same disk (and the same copy followed by ``fsync``, since the server makes each upload
  durable before it answers);
- the server's peak memory growth (``VmHWM`` after each transfer minus ``VmRSS`` before
  the first, from ``/proc/<pid>/status``), which shows that files are streamed, not held.

Usage::

    python benchmarks/attachments.py               # 1 GiB
    python benchmarks/attachments.py --size-mib 256

Linux only (``/proc``). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import Settings

MiB = 1024 * 1024
PIECE = MiB
BOUNDARY = "taskcore-benchmark-" + secrets.token_hex(8)
USERNAME = "bench"
PASSWORD = "benchmark password"  # noqa: S105 - a throwaway account in a temporary folder


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


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


def start_server(data_dir: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    script = Path(sys.executable).with_name("taskcore")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "taskcore_adapters.cli"]
    server = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
        [*command, "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start within 30 s")


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="file size (default 1024)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    size = args.size_mib * MiB
    work = Path(tempfile.mkdtemp(prefix="taskcore-bench-"))
    data_dir = work / "data"
    secret_key = secrets.token_urlsafe(48)
    env = {
        **os.environ,
        "TASKCORE_DATA_DIR": str(data_dir),
        "TASKCORE_SECRET_KEY": secret_key,
        "TASKCORE_MAX_UPLOAD_BYTES": str(size + MiB),
    }
    source = work / "payload.zip"
    print(f"writing a {args.size_mib} MiB test file in {work} ...", file=sys.stderr)
    expected = make_file(source, size)
    task_id = seed(data_dir, secret_key)
    port = free_port()
    server = start_server(data_dir, port, env)
    try:
        token = request_json(
            port, "POST", "/api/login", {"username": USERNAME, "password": PASSWORD}
        )["token"]
        before = memory_kib(server.pid)
        up_seconds, attachment = upload(port, token, task_id, source)
        after_upload = memory_kib(server.pid)
        down_seconds = download(port, token, attachment["id"], work / "downloaded.zip")
        after_download = memory_kib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    intact = attachment["file_hash"] == expected == sha256_of(work / "downloaded.zip")
    copy_seconds = timed_copy(source, work / "copy.zip", sync=False)
    synced_seconds = timed_copy(source, work / "copy-synced.zip", sync=True)

    def rate(seconds: float) -> str:
        return f"{size / MiB / seconds:8.1f} MiB/s  ({seconds:6.2f} s)"

    print(f"file size                       {args.size_mib} MiB, content intact: {intact}")
    print(f"upload   (HTTP, multipart)      {rate(up_seconds)}")
    print(f"download (HTTP)                 {rate(down_seconds)}")
    print(f"shutil.copyfile, same disk      {rate(copy_seconds)}")
    print(f"shutil.copyfile + fsync         {rate(synced_seconds)}")
    print(
        "server memory (MiB)             "
        f"RSS before {before['VmRSS'] / 1024:.1f}, peak after upload "
        f"{after_upload['VmHWM'] / 1024:.1f}, peak after download "
        f"{after_download['VmHWM'] / 1024:.1f}"
    )
    growth = (max(after_upload["VmHWM"], after_download["VmHWM"]) - before["VmRSS"]) / 1024
    print(f"server peak RSS growth          {growth:.1f} MiB")
    if args.keep:
        print(f"kept {work}", file=sys.stderr)
    else:
        shutil.rmtree(work)
    return 0 if intact else 1


if __name__ == "__main__":
    sys.exit(main())
