"""``taskcore worker --metrics-port`` serves the worker's own metrics."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from taskcore_adapters.sql import make_engine, upgrade

pytestmark = [pytest.mark.slow, pytest.mark.redis]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_worker_serves_its_metrics(tmp_path: Path, redis_url: str) -> None:
    """The worker answers Prometheus text on its metrics port, with the job metrics."""
    data = tmp_path / "data"
    engine = make_engine(f"sqlite:///{data / 'taskcore.db'}")
    upgrade(engine)
    engine.dispose()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKCORE_")}
    env |= {
        "PYTHONPATH": os.pathsep.join(sys.path),
        "TASKCORE_DATA_DIR": str(data),
        "TASKCORE_QUEUE_URL": redis_url,
        "TASKCORE_SECRET_KEY": "k" * 40,
    }
    script = Path(sys.executable).parent / "taskcore"
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [str(script), "worker", "--metrics-port", str(port), "--lanes", f"t{uuid.uuid4().hex}"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    body = ""
    try:
        deadline = time.monotonic() + 90
        while not body:
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail((tmp_path / "worker.log").read_text())
            try:
                url = f"http://127.0.0.1:{port}/metrics"
                with urllib.request.urlopen(url, timeout=5) as response:
                    body = response.read().decode()
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
    assert "# TYPE taskcore_job_duration_seconds histogram" in body
    assert "# TYPE taskcore_job_failures_total counter" in body
