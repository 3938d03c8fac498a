"""The clamd scanner against a fake clamd on loopback speaking ``INSTREAM``."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskcore import errors
from taskcore.domain.attachments import AttachmentStatus
from taskcore.ports.scanning import ScanResult, Verdict
from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import from_settings, malware_scanner_from_settings
from taskcore_adapters.clamd import ClamdScanner
from taskcore_adapters.config import ConfigError, Settings
from taskcore_adapters.memory import InMemoryFileStore, PlainPasswordHasher
from taskcore_adapters.memory.scanning import EICAR


class FakeClamd:
    """A one-thread clamd: answers ``INSTREAM`` with ``OK`` or ``Eicar-Test-Signature
    FOUND``, or, by ``mode``, with an ``ERROR``, by closing at once, or never."""

    def __init__(self, mode: str = "scan") -> None:
        self.mode = mode
        self.received: list[bytes] = []
        self.commands: list[bytes] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self._server.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            with conn:
                self._answer(conn)

    def _read(self, conn: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            got = conn.recv(size - len(data))
            if not got:
                raise ConnectionError("client went away")
            data += got
        return data

    def _answer(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        if self.mode == "close":
            return
        try:
            command = b""
            while not command.endswith(b"\0"):
                command += self._read(conn, 1)
            self.commands.append(command)
            body = b""
            while True:
                (length,) = struct.unpack("!L", self._read(conn, 4))
                if length == 0:
                    break
                body += self._read(conn, length)
            self.received.append(body)
            if self.mode == "hang":
                self._stop.wait(5)
                return
            if self.mode == "error":
                conn.sendall(b"INSTREAM size limit exceeded. ERROR\0")
            elif EICAR in body:
                conn.sendall(b"stream: Eicar-Test-Signature FOUND\0")
            else:
                conn.sendall(b"stream: OK\0")
        except (OSError, ConnectionError):
            return

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._server.close()


@pytest.fixture
def clamd() -> Iterator[FakeClamd]:
    """A fake clamd scanning for EICAR; stopped after the test."""
    server = FakeClamd()
    yield server
    server.close()


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port: int = probe.getsockname()[1]
    return port


class TestClamdScanner:
    def test_clean_file(self, clamd: FakeClamd) -> None:
        """A clean file is sent whole, in pieces, after ``zINSTREAM``; clamd's OK is clean."""
        data = b"x" * 200_000
        result = ClamdScanner("127.0.0.1", clamd.port).scan([data[:1000], data[1000:]])
        assert (ScanResult.clean(), [b"zINSTREAM\0"], [data]) == (
            result,
            clamd.commands,
            clamd.received,
        )

    def test_eicar_is_infected(self, clamd: FakeClamd) -> None:
        """clamd's FOUND answer is infected, with its signature."""
        result = ClamdScanner.from_url(f"tcp://127.0.0.1:{clamd.port}").scan([EICAR])
        assert ScanResult.infected("Eicar-Test-Signature") == result

    @pytest.mark.parametrize("mode", ["error", "close"])
    def test_error_or_closed_is_unavailable(self, mode: str) -> None:
        """An ERROR answer, or a connection closed without one, is unavailable."""
        server = FakeClamd(mode)
        try:
            result = ClamdScanner("127.0.0.1", server.port, timeout=5).scan([b"data"])
        finally:
            server.close()
        assert Verdict.UNAVAILABLE == result.verdict

    def test_refused_is_unavailable(self) -> None:
        """Nothing listening is unavailable, not an exception."""
        result = ClamdScanner("127.0.0.1", free_port(), timeout=2).scan([b"data"])
        assert (Verdict.UNAVAILABLE, True) == (result.verdict, "127.0.0.1" in (result.detail or ""))

    def test_hanging_clamd_times_out(self) -> None:
        """A clamd that never answers is unavailable after the timeout."""
        server = FakeClamd("hang")
        try:
            result = ClamdScanner("127.0.0.1", server.port, timeout=0.3).scan([b"data"])
        finally:
            server.close()
        assert Verdict.UNAVAILABLE == result.verdict

    @pytest.mark.parametrize("url", ["http://127.0.0.1:3310", "tcp://", "127.0.0.1:3310"])
    def test_bad_url_is_a_config_error(self, url: str) -> None:
        """TASKCORE_CLAMD_URL must be tcp://host[:port]."""
        with pytest.raises(ConfigError, match="TASKCORE_CLAMD_URL"):
            malware_scanner_from_settings(Settings(clamd_url=url))

    def test_setting_builds_the_scanner(self) -> None:
        """TASKCORE_CLAMD_URL is read from the environment; the port defaults to 3310."""
        scanner = malware_scanner_from_settings(
            Settings.from_env({"TASKCORE_CLAMD_URL": "tcp://clamd.internal"})
        )
        assert isinstance(scanner, ClamdScanner)
        assert ("clamd.internal", 3310) == (scanner.host, scanner.port)
        assert malware_scanner_from_settings(Settings()) is None


def test_uploads_are_scanned_by_clamd(clamd: FakeClamd, tmp_path: Path) -> None:
    """A runtime configured with TASKCORE_CLAMD_URL refuses EICAR and quarantines files
    once clamd is gone."""
    runtime = from_settings(
        Settings(
            data_dir=tmp_path,
            secret_key="x" * 48,
            clamd_url=f"tcp://127.0.0.1:{clamd.port}",
        ),
        password_hasher=PlainPasswordHasher(),
        file_store=InMemoryFileStore(),
    )
    try:
        core = runtime.core
        user = core.users.register(
            username="alice", email="a@example.com", password="Plum-Quartz-Harbor-91", full_name="A"
        )
        alice = Principal(user_id=user.id, username="alice", is_admin=False)
        task = core.tasks.create_task(
            alice, core.projects.create_project(alice, name="P").id, title="t"
        )
        clean = core.attachments.upload_attachment(
            alice, task.id, filename="a.txt", content=[b"notes"]
        )
        with pytest.raises(errors.MalwareDetected) as raised:
            core.attachments.upload_attachment(alice, task.id, filename="b.txt", content=[EICAR])
        clamd.close()
        quarantined = core.attachments.upload_attachment(
            alice, task.id, filename="c.txt", content=[b"more notes"]
        )
    finally:
        runtime.close()
    assert (AttachmentStatus.AVAILABLE, "malware_detected", AttachmentStatus.QUARANTINED) == (
        clean.status,
        raised.value.error_code,
        quarantined.status,
    )
