"""Notification e-mail through a real SMTP server (aiosmtpd on loopback), end to end.

Each test runs a taskcore on the selected SQL backend whose mail goes to an aiosmtpd server
that can be told to answer any stage with any reply. Without a loopback server these tests
skip (and fail when ``CI`` is set).
"""

from __future__ import annotations

import email
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import attrs
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from taskcore import errors
from taskcore.domain.events import TaskAssigned
from taskcore.domain.notifications import NotificationStatus
from taskcore.ports.mail import OutgoingMail
from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import Runtime, from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.mail import SmtpMailer, SmtpSettings
from taskcore_adapters.memory import ManualClock
from taskcore_adapters.security import Argon2PasswordHasher

pytestmark = pytest.mark.smtp

SECRET = "s" * 48


def service_missing(reason: str) -> None:
    """Skip for a missing server, or fail when running under CI (as tests/conftest.py)."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class Handler:
    """Stores messages; ``replies`` maps a stage (``RCPT``, ``DATA``) to replies given
    instead of accepting, one per command, in order."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.replies: dict[str, list[str]] = {"RCPT": [], "DATA": []}
        self.data_commands = 0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.replies["RCPT"]:
            return self.replies["RCPT"].pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_commands += 1
        if self.replies["DATA"]:
            return self.replies["DATA"].pop(0)
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


class Server:
    """A running aiosmtpd server and its handler."""

    def __init__(self, handler: Handler, port: int, logins: list[str]) -> None:
        self.handler = handler
        self.port = port
        self.logins = logins


def _deny(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    return AuthResult(success=False, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[Server]:
    """An aiosmtpd server on 127.0.0.1 that refuses every login (535)."""
    handler = Handler()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=_deny,
        auth_require_tls=False,
    )
    try:
        controller.start()
    except Exception as exc:  # noqa: BLE001 - any failure to serve on loopback
        service_missing(f"cannot run an SMTP server on 127.0.0.1: {exc}")
    try:
        yield Server(handler, port, [])
    finally:
        controller.stop()


@pytest.fixture
def mail_runtime(
    tmp_path: Path, database_url: str, hasher: Argon2PasswordHasher, smtp_server: Server
) -> Iterator[Callable[..., tuple[Runtime, ManualClock]]]:
    """Build runtimes whose mail goes to the test server (``mail_url`` may be changed)."""
    built: list[Runtime] = []

    def build(mail_url: str | None = None, **settings: Any) -> tuple[Runtime, ManualClock]:
        clock = ManualClock()
        runtime = from_settings(
            Settings(
                data_dir=tmp_path,
                database_url=database_url,
                secret_key=SECRET,
                mail_url=mail_url or f"smtp://127.0.0.1:{smtp_server.port}",
                mail_timeout_seconds=2,
                **settings,
            ),
            clock=clock,
            password_hasher=hasher,
            migrate=False,
        )
        built.append(runtime)
        return runtime, clock

    yield build
    for runtime in built:
        runtime.close()


def accounts(runtime: Runtime) -> tuple[Principal, Principal]:
    """An administrator and a recipient."""
    users = runtime.core.users
    root, _ = users.create_admin(username="root", email="root@example.com", password="long enough")
    bob = users.register(
        username="bob", email="bob@example.com", password="long enough", full_name="Bob <B>"
    )
    return (
        Principal(user_id=root.id, username="root", is_admin=True),
        Principal(user_id=bob.id, username="bob", is_admin=False),
    )


def queue_assignment(runtime: Runtime, root: Principal, bob: Principal) -> int:
    sent = runtime.core.notifications.task_assigned(
        root, assignee_id=bob.user_id, task_title="Fix <script>", project_name="Apollo"
    )
    assert runtime.core.jobs.drain(30), "the mail lane did not finish the first attempt"
    return sent.key


def state(runtime: Runtime, root: Principal, notification_id: int) -> tuple[Any, ...]:
    """The notification's delivery state once the mail lane has sent what was queued
    (sends run on the lane's own threads, not in the caller's)."""
    assert runtime.core.jobs.drain(30), "the mail lane did not finish"
    n = runtime.core.notifications.get_notification(root, notification_id)
    return n.status, n.attempts, n.retry_count


class TestDelivery:
    def test_multipart_message_delivered(self, mail_runtime: Any, smtp_server: Server) -> None:
        """A template notification arrives as multipart/alternative with escaped HTML."""
        runtime, _ = mail_runtime()
        root, bob = accounts(runtime)
        notification_id = queue_assignment(runtime, root, bob)
        assert (NotificationStatus.SENT, 1, 0) == state(runtime, root, notification_id)
        (message,) = smtp_server.handler.messages
        assert (
            "bob@example.com",
            "taskcore@localhost",
            "Task Assigned: Fix <script>",
            f"<notification-{notification_id}@taskcore>",
            "multipart/alternative",
        ) == (
            message["To"],
            message["From"],
            message["Subject"],
            message["Message-ID"],
            message.get_content_type(),
        )
        parts = {part.get_content_type(): part for part in message.walk()}
        html = bytes(parts["text/html"].get_payload(decode=True)).decode()
        text = bytes(parts["text/plain"].get_payload(decode=True)).decode()
        assert "Fix &lt;script&gt;" in html
        assert "Hello Bob &lt;B&gt;," in html
        assert "Task: Fix <script>" in text

    def test_transient_failure_is_retried(self, mail_runtime: Any, smtp_server: Server) -> None:
        """T69: 451 at DATA, then 250 on the retry: sent, two attempts, one message."""
        smtp_server.handler.replies["DATA"].append("451 4.3.0 Try again later")
        runtime, clock = mail_runtime()
        root, bob = accounts(runtime)
        notification_id = queue_assignment(runtime, root, bob)
        first = runtime.core.notifications.get_notification(root, notification_id)
        assert (NotificationStatus.PENDING, 1, 1) == (
            first.status,
            first.attempts,
            first.retry_count,
        )
        assert first.error_message is not None
        assert "451" in first.error_message
        clock.advance(seconds=30)
        runtime.core.run_job("notifications.dispatch", {})
        assert (NotificationStatus.SENT, 2, 1) == state(runtime, root, notification_id)
        assert (1, 2) == (len(smtp_server.handler.messages), smtp_server.handler.data_commands)

    def test_permanent_failure_is_not_retried(self, mail_runtime: Any, smtp_server: Server) -> None:
        """T70: 550 at RCPT: failed with the code, no retry, no message."""
        smtp_server.handler.replies["RCPT"].append("550 5.1.1 No such user")
        runtime, clock = mail_runtime()
        root, bob = accounts(runtime)
        notification_id = queue_assignment(runtime, root, bob)
        clock.advance(hours=2)
        assert 0 == runtime.core.notifications.dispatch()
        found = runtime.core.notifications.get_notification(root, notification_id)
        assert (NotificationStatus.FAILED, 1) == (found.status, found.attempts)
        assert found.error_message is not None
        assert "550" in found.error_message
        assert [] == smtp_server.handler.messages

    def test_closed_port_is_retried(self, mail_runtime: Any) -> None:
        """T71: a closed port is a temporary failure; the notification waits for a retry."""
        runtime, clock = mail_runtime(mail_url=f"smtp://127.0.0.1:{free_port()}")
        root, bob = accounts(runtime)
        notification_id = queue_assignment(runtime, root, bob)
        assert (NotificationStatus.PENDING, 1, 1) == state(runtime, root, notification_id)
        clock.advance(seconds=30)
        assert 1 == runtime.core.notifications.dispatch()
        assert (NotificationStatus.PENDING, 2, 2) == state(runtime, root, notification_id)

    def test_authentication_failure(
        self, mail_runtime: Any, smtp_server: Server, caplog: pytest.LogCaptureFixture
    ) -> None:
        """T72: 535: failed_config after one attempt, an error log, no password in it."""
        runtime, clock = mail_runtime(
            mail_url=f"smtp://mailer:hunter2-secret@127.0.0.1:{smtp_server.port}"
        )
        root, bob = accounts(runtime)
        with caplog.at_level(logging.INFO):
            notification_id = queue_assignment(runtime, root, bob)
            clock.advance(hours=2)
            assert 0 == runtime.core.notifications.dispatch()
        found = runtime.core.notifications.get_notification(root, notification_id)
        assert (NotificationStatus.FAILED_CONFIG, 1) == (found.status, found.attempts)
        assert found.error_message is not None
        assert "535" in found.error_message
        assert "ERROR" in [r.levelname for r in caplog.records]
        assert "hunter2" not in caplog.text + found.error_message
        assert [] == smtp_server.handler.messages

    def test_resend_carries_same_message_id(self, smtp_server: Server) -> None:
        """T73: sending a message again (after a crash before the status update) gives
        the receiver the same Message-ID to drop the duplicate."""
        mailer = SmtpMailer(SmtpSettings(host="127.0.0.1", port=smtp_server.port, starttls=False))
        mail = OutgoingMail(to="a@example.com", subject="s", text="t", message_id="<n-7@taskcore>")
        mailer.send(mail)
        mailer.send(mail)
        assert ["<n-7@taskcore>"] * 2 == [m["Message-ID"] for m in smtp_server.handler.messages]

    def test_rolled_back_write_sends_nothing(self, mail_runtime: Any, smtp_server: Server) -> None:
        """An assignment whose transaction fails notifies nobody."""
        runtime, _ = mail_runtime()
        owner = runtime.core.users.register(
            username="alice", email="alice@example.com", password="long enough", full_name="A"
        )
        alice = Principal(user_id=owner.id, username="alice", is_admin=False)
        _, bob = accounts(runtime)
        project = runtime.core.projects.create_project(alice, name="P")
        # Added directly (as an administrator): an invitation would send mail of its own.
        setup = attrs.evolve(alice, is_admin=True)
        runtime.core.projects.add_member(setup, project.id, user_id=bob.user_id)
        task = runtime.core.tasks.create_task(alice, project.id, title="T")

        def refuse(work: Any, events: Any) -> None:
            raise RuntimeError("fault injected after the write")

        runtime.core.transactions.handle_in_transaction((TaskAssigned,), refuse)
        with pytest.raises(RuntimeError):
            runtime.core.tasks.update_task(alice, task.id, assignee_id=bob.user_id)
        runtime.core.notifications.dispatch()
        assert [] == smtp_server.handler.messages
        assert 0 == runtime.core.notifications.inbox(bob).page.total


class TestSilentServer:
    def test_silent_server_attempt_ends_within_timeout(self) -> None:
        """T71: a server that accepts but never greets costs one timeout, then a
        temporary failure."""
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        held: list[socket.socket] = []

        def accept() -> None:
            try:
                conn, _ = listener.accept()
                held.append(conn)
            except OSError:
                return

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        mailer = SmtpMailer(
            SmtpSettings(
                host="127.0.0.1", port=listener.getsockname()[1], starttls=False, timeout=1.0
            )
        )
        started = time.monotonic()
        try:
            with pytest.raises(errors.MailTemporaryFailure):
                mailer.send(
                    OutgoingMail(to="a@example.com", subject="s", text="t", message_id="<x@y>")
                )
            elapsed = time.monotonic() - started
        finally:
            for conn in held:
                conn.close()
            listener.close()
            thread.join(timeout=2)
        assert 0.9 <= elapsed < 3


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (made with the openssl tool)."""
    import shutil
    import subprocess

    tool = shutil.which("openssl")
    if tool is None:
        pytest.skip("the openssl tool is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            tool,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class TestStartTls:
    def test_starttls_then_login(self, certificate: tuple[Path, Path]) -> None:
        """With STARTTLS configured the mailer upgrades, verifies the certificate, logs in
        (only over TLS) and delivers."""
        import ssl

        cert, key = certificate
        server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_tls.load_cert_chain(cert, key)
        logins: list[tuple[str, str]] = []

        def accept(
            server: Any, session: Any, envelope: Any, mechanism: str, data: Any
        ) -> AuthResult:
            logins.append((data.login.decode(), data.password.decode()))
            return AuthResult(success=True)

        handler = Handler()
        port = free_port()
        controller = Controller(
            handler,
            hostname="127.0.0.1",
            port=port,
            tls_context=server_tls,
            require_starttls=True,
            authenticator=accept,
        )
        try:
            controller.start()
        except Exception as exc:  # noqa: BLE001 - any failure to serve on loopback
            service_missing(f"cannot run an SMTP server on 127.0.0.1: {exc}")
        try:
            mailer = SmtpMailer(
                SmtpSettings(
                    host="127.0.0.1",
                    port=port,
                    starttls=True,
                    username="mailer",
                    password="pw",
                    timeout=5,
                ),
                tls_context=ssl.create_default_context(cafile=str(cert)),
            )
            mailer.send(OutgoingMail(to="a@example.com", subject="s", text="t", message_id="<t@x>"))
            untrusting = SmtpMailer(
                SmtpSettings(host="127.0.0.1", port=port, starttls=True, timeout=5)
            )
            with pytest.raises(errors.MailConfigurationError):
                untrusting.send(
                    OutgoingMail(to="a@example.com", subject="s", text="t", message_id="<u@x>")
                )
        finally:
            controller.stop()
        assert ([("mailer", "pw")], ["<t@x>"]) == (
            logins,
            [m["Message-ID"] for m in handler.messages],
        )
