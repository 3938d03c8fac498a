"""The Mailer contract (the public suite :class:`taskcore_adapters.contracts.MailerContract`)
on taskcore's mailers: SMTP against a real aiosmtpd server on loopback, the ``.eml``
directory mailer and the recording mailer."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from taskcore import errors
from taskcore.ports.mail import Mailer
from taskcore_adapters.contracts import Delivered, MailerContract
from taskcore_adapters.contracts.mail import Failure, Received, Refusing
from taskcore_adapters.mail import DirectoryMailer, SmtpMailer, SmtpSettings
from taskcore_adapters.memory import RecordingMailer

LOGIN = ("mailer", "s3cret-pw")


class SmtpServer:
    """An aiosmtpd handler and authenticator keeping what arrives, refusing on demand:
    ``temporary`` answers 451 to DATA, ``rejected`` 550 to RCPT, ``configuration``
    refuses the login (535)."""

    def __init__(self) -> None:
        self.received: list[Delivered] = []
        self.refuse: Failure | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse == "rejected":
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse == "temporary":
            return "451 4.3.0 Try again later"
        self.received.append(Delivered.parse(envelope.content, envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> Any:
        from aiosmtpd.smtp import AuthResult

        given = (data.login.decode(), data.password.decode())
        if self.refuse != "configuration" and given == LOGIN:
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)  # aiosmtpd answers 535

    @contextmanager
    def refusing(self, failure: Failure) -> Iterator[None]:
        self.refuse = failure
        try:
            yield
        finally:
            self.refuse = None


@pytest.mark.smtp
class TestSmtpMailer(MailerContract):
    @pytest.fixture
    def server(self) -> Iterator[tuple[SmtpServer, int]]:
        from aiosmtpd.controller import Controller

        handler = SmtpServer()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        controller = Controller(
            handler,
            hostname="127.0.0.1",
            port=port,
            authenticator=handler.authenticate,
            auth_require_tls=False,
        )
        try:
            controller.start()
        except Exception as exc:  # noqa: BLE001 - any failure to serve on loopback
            if os.environ.get("CI"):
                pytest.fail(f"cannot run an SMTP server on 127.0.0.1: {exc}")
            pytest.skip(f"cannot run an SMTP server on 127.0.0.1: {exc}")
        try:
            yield handler, port
        finally:
            controller.stop()

    @pytest.fixture
    def mailer(self, server: tuple[SmtpServer, int]) -> Mailer:
        username, password = LOGIN
        settings = SmtpSettings(
            host="127.0.0.1",
            port=server[1],
            starttls=False,
            username=username,
            password=password,
            timeout=5,
        )
        return SmtpMailer(settings)

    @pytest.fixture
    def delivered(self, server: tuple[SmtpServer, int]) -> Received:
        return lambda: list(server[0].received)

    @pytest.fixture
    def refusing(self, server: tuple[SmtpServer, int]) -> Refusing:
        return server[0].refusing


class TestDirectoryMailer(MailerContract):
    @pytest.fixture
    def mailer(self, tmp_path: Path) -> DirectoryMailer:
        return DirectoryMailer(tmp_path / "mail")

    @pytest.fixture
    def delivered(self, mailer: DirectoryMailer) -> Received:
        def received() -> list[Delivered]:
            found = []
            for path in mailer.messages():
                parsed = Delivered.parse(path.read_bytes(), [])
                to = parsed.message["To"].addresses
                found.append(Delivered(tuple(a.addr_spec for a in to), parsed.message))
            return found

        return received

    @pytest.fixture
    def refusing(self, mailer: DirectoryMailer) -> Refusing:
        @contextmanager
        def refuse(failure: Failure) -> Iterator[None]:
            if failure != "temporary":
                pytest.skip("a folder only fails to be written")
            kept = mailer.folder.with_name("kept")
            if mailer.folder.exists():
                mailer.folder.rename(kept)
            mailer.folder.write_bytes(b"")  # a file where the folder should be
            try:
                yield
            finally:
                mailer.folder.unlink()
                if kept.exists():
                    shutil.move(kept, mailer.folder)

        return refuse


class TestRecordingMailer(MailerContract):
    @pytest.fixture
    def mailer(self) -> RecordingMailer:
        return RecordingMailer()

    @pytest.fixture
    def delivered(self, mailer: RecordingMailer) -> Received:
        return lambda: [Delivered.of(sent) for sent in mailer.sent]

    @pytest.fixture
    def refusing(self, mailer: RecordingMailer) -> Refusing:
        kinds: dict[Failure, errors.TaskcoreError] = {
            "temporary": errors.MailTemporaryFailure("SMTP 451 later", code=451),
            "rejected": errors.MailRejected("SMTP 550 no such user", code=550),
            "configuration": errors.MailConfigurationError("SMTP 535 refused", code=535),
        }

        @contextmanager
        def refuse(failure: Failure) -> Iterator[None]:
            mailer.fail_with[:] = [kinds[failure]] * 10
            try:
                yield
            finally:
                mailer.fail_with.clear()

        return refuse
