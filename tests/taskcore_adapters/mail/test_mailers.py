"""The mail adapters without a server: messages, the folder mailer, the jinja renderer,
SMTP settings and the mapping of SMTP errors."""

from __future__ import annotations

import email
import smtplib
import socket
from pathlib import Path
from typing import Any

import pytest

from taskcore import errors
from taskcore.ports.mail import OutgoingMail
from taskcore_adapters.bootstrap import mailer_from_settings
from taskcore_adapters.config import ConfigError, Settings
from taskcore_adapters.mail import DirectoryMailer, SmtpMailer, SmtpSettings, build_message
from taskcore_adapters.mail.templates import JinjaTemplateRenderer

MAIL = OutgoingMail(
    to="bob@example.com",
    subject="Hello",
    text="Hi\n",
    html="<html><p>Hi</p></html>",
    message_id="<notification-1@taskcore>",
)


class TestMessage:
    def test_multipart_alternative(self) -> None:
        """Text and HTML become multipart/alternative with the given Message-ID."""
        message = build_message(MAIL, "noreply@example.com")
        assert (
            "multipart/alternative",
            ["text/plain", "text/html"],
            "<notification-1@taskcore>",
            "noreply@example.com",
        ) == (
            message.get_content_type(),
            [p.get_content_type() for p in message.iter_parts()],
            message["Message-ID"],
            message["From"],
        )

    def test_text_only(self) -> None:
        """Without HTML the message is plain text."""
        plain = OutgoingMail(to="a@example.com", subject="s", text="t", message_id="<a@b>")
        assert "text/plain" == build_message(plain, "x@example.com").get_content_type()

    def test_header_injection_refused(self) -> None:
        """A line break in the subject is refused for good, never sent as a header."""
        bad = OutgoingMail(
            to="a@example.com", subject="s\nBcc: all@example.com", text="t", message_id="<a@b>"
        )
        with pytest.raises(errors.MailRejected):
            build_message(bad, "x@example.com")


class TestDirectoryMailer:
    def test_writes_eml_files(self, tmp_path: Path) -> None:
        """Each message becomes one whole .eml file in the folder."""
        mailer = DirectoryMailer(tmp_path / "mail", sender="dev@example.com")
        mailer.send(MAIL)
        mailer.send(MAIL)
        files = mailer.messages()
        parsed = email.message_from_bytes(files[0].read_bytes())
        assert (2, "bob@example.com", []) == (
            len(files),
            parsed["To"],
            list((tmp_path / "mail").glob(".*")),
        )

    def test_unwritable_folder_is_temporary(self, tmp_path: Path) -> None:
        """A folder that cannot be written is a temporary failure."""
        blocker = tmp_path / "file"
        blocker.write_text("x")
        with pytest.raises(errors.MailTemporaryFailure):
            DirectoryMailer(blocker / "mail").send(MAIL)


class TestJinjaRenderer:
    def test_escapes_html_only(self) -> None:
        """Values are escaped in HTML output and left alone in text."""
        renderer = JinjaTemplateRenderer()
        assert "<p>&lt;i&gt;</p>" == renderer.render("<p>{{ v }}</p>", {"v": "<i>"}, html=True)
        assert "<i>" == renderer.render("{{v}}", {"v": "<i>"}, html=False)

    def test_unknown_placeholder_kept(self) -> None:
        """An unknown placeholder renders as written, as the original left it."""
        assert "Hi {{name}}" == JinjaTemplateRenderer().render("Hi {{ name }}", {}, html=False)

    def test_sandbox_and_syntax(self) -> None:
        """Internals are refused at render time; bad syntax at check time."""
        renderer = JinjaTemplateRenderer()
        with pytest.raises(errors.ValidationError):
            renderer.render("{{ ''.__class__.__mro__ }}", {}, html=False)
        with pytest.raises(errors.ValidationError) as caught:
            renderer.check("{% if %}", "body_template")
        assert "body_template" == caught.value.field


class TestSmtpSettings:
    @pytest.mark.parametrize(
        ("url", "expected"),
        [
            ("smtp://mail.example.com", ("mail.example.com", 25, False, False, None, None)),
            (
                "smtp+starttls://u%40x:p%2Fw@mail.example.com",
                ("mail.example.com", 587, True, False, "u@x", "p/w"),
            ),
            ("smtps://mail.example.com:2465", ("mail.example.com", 2465, False, True, None, None)),
        ],
    )
    def test_from_url(self, url: str, expected: tuple[Any, ...]) -> None:
        """The scheme decides the port and TLS; credentials are URL-decoded."""
        s = SmtpSettings.from_url(url)
        assert expected == (s.host, s.port, s.starttls, s.implicit_tls, s.username, s.password)

    def test_password_never_shown(self) -> None:
        """Neither the settings nor the mailer show the password."""
        s = SmtpSettings.from_url("smtp://user:hunter2@mail.example.com")
        assert "hunter2" not in repr(s) + repr(SmtpMailer(s))

    def test_bad_url(self) -> None:
        """Other schemes and missing hosts are refused without echoing the URL."""
        for url in ("http://user:hunter2@x", "smtp://"):
            with pytest.raises(ValueError, match="mail URL") as caught:
                SmtpSettings.from_url(url)
            assert "hunter2" not in str(caught.value)


class TestMailerFromSettings:
    def test_defaults_to_folder(self, tmp_path: Path) -> None:
        """Without SMTP settings mail goes to data_dir/mail."""
        mailer = mailer_from_settings(Settings(data_dir=tmp_path))
        assert isinstance(mailer, DirectoryMailer)
        assert tmp_path / "mail" == mailer.folder

    def test_server_family(self) -> None:
        """The MAIL_SERVER family builds an SMTP mailer with STARTTLS by default."""
        settings = Settings.from_env(
            {
                "TASKCORE_MAIL_SERVER": "smtp.example.com",
                "TASKCORE_MAIL_PORT": "2525",
                "TASKCORE_MAIL_USERNAME": "u",
                "TASKCORE_MAIL_PASSWORD": "hunter2",
                "TASKCORE_MAIL_FROM": "app@example.com",
            }
        )
        mailer = mailer_from_settings(settings)
        assert isinstance(mailer, SmtpMailer)
        s = mailer.settings
        assert ("smtp.example.com", 2525, True, "u", "hunter2", "app@example.com") == (
            s.host,
            s.port,
            s.starttls,
            s.username,
            s.password,
            s.sender,
        )
        assert "hunter2" not in repr(settings)

    def test_tls_flag_and_bad_values(self) -> None:
        """MAIL_USE_TLS can be switched off; malformed values name their variable."""
        off = Settings.from_env({"TASKCORE_MAIL_USE_TLS": "false"})
        assert not off.mail_use_tls
        with pytest.raises(ConfigError, match="TASKCORE_MAIL_PORT"):
            Settings.from_env({"TASKCORE_MAIL_PORT": "70000"})
        with pytest.raises(ConfigError, match="TASKCORE_MAIL_USE_TLS"):
            Settings.from_env({"TASKCORE_MAIL_USE_TLS": "maybe"})
        with pytest.raises(ConfigError, match="TASKCORE_MAIL_URL"):
            mailer_from_settings(Settings(mail_url="ftp://user:hunter2@x"))


class _Scripted(smtplib.SMTP):
    """An SMTP client whose commands raise a scripted error (no network)."""

    error: Exception

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def send_message(self, *args: Any, **kwargs: Any) -> Any:
        raise self.error

    def quit(self) -> Any:
        return (221, b"bye")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (smtplib.SMTPDataError(451, b"later"), errors.MailTemporaryFailure),
        (smtplib.SMTPDataError(554, b"spam"), errors.MailRejected),
        (smtplib.SMTPSenderRefused(553, b"no", "x@example.com"), errors.MailRejected),
        (
            smtplib.SMTPRecipientsRefused({"b@example.com": (450, b"busy")}),
            errors.MailTemporaryFailure,
        ),
        (
            smtplib.SMTPRecipientsRefused({"b@example.com": (550, b"unknown")}),
            errors.MailRejected,
        ),
        (smtplib.SMTPAuthenticationError(535, b"bad"), errors.MailConfigurationError),
        (smtplib.SMTPServerDisconnected("gone"), errors.MailTemporaryFailure),
        (TimeoutError("timed out"), errors.MailTemporaryFailure),
        (ConnectionRefusedError(111, "refused"), errors.MailTemporaryFailure),
        (socket.gaierror("no such host"), errors.MailTemporaryFailure),
    ],
)
def test_smtp_errors_map_to_core_errors(
    monkeypatch: pytest.MonkeyPatch, error: Exception, expected: type[Exception]
) -> None:
    """Each smtplib failure becomes the core's temporary, permanent or configuration error."""
    _Scripted.error = error
    monkeypatch.setattr(smtplib, "SMTP", _Scripted)
    mailer = SmtpMailer(SmtpSettings(host="mail.example.com", starttls=False))
    with pytest.raises(expected):
        mailer.send(MAIL)
