"""Mail: an SMTP mailer and a development mailer writing ``.eml`` files.

The sandboxed jinja renderer of notification templates is
:class:`taskcore_adapters.mail.templates.JinjaTemplateRenderer` (it needs the ``mail``
extra, jinja2).
"""

from taskcore_adapters.mail.directory import DirectoryMailer
from taskcore_adapters.mail.message import build_message
from taskcore_adapters.mail.smtp import SmtpMailer, SmtpSettings

__all__ = ["DirectoryMailer", "SmtpMailer", "SmtpSettings", "build_message"]
