"""The errors taskcore raises.

Every error derives from :class:`TaskcoreError`. Hosts map the families (the
direct subclasses of the root) to their own status codes in one place; the
leaves name the situation and carry structured fields.

::

    TaskcoreError
    ├── NotFound                      the object does not exist, or the caller may not see it
    │   ├── UserNotFound
    │   ├── ProjectNotFound
    │   ├── TaskNotFound
    │   ├── CommentNotFound
    │   ├── AttachmentNotFound
    │   ├── BlobNotFound              an attachment's file is missing from the file store
    │   ├── MemberNotFound            the user is not a member of the project
    │   ├── WebhookNotFound           no such webhook in the project
    │   ├── ReportNotFound
    │   ├── ReportExpired             the report existed but its retention has run out
    │   ├── NotificationNotFound
    │   ├── TemplateNotFound
    │   ├── AccessTokenNotFound       no such personal access token of the caller's
    │   ├── TeamNotFound              no such team, or the caller is not in it
    │   ├── TeamMemberNotFound
    │   ├── TeamGrantNotFound         the team has no role in the project
    │   └── InvitationNotFound        no such invitation, or not the caller's to see
    ├── PermissionDenied              the caller sees the object but may not do this
    │   ├── AdminRequired
    │   ├── ScopeRequired             a personal access token lacks the scope (``scope_required``)
    │   ├── TeamRoleRequired          only the team's admins may do this
    │   └── ProjectRoleRequired       the caller's role in the project does not allow this
    ├── ValidationError               input is malformed; ``field`` names the culprit
    │   ├── MailRejected              the mail server refused the message for good (5xx)
    │   └── MalwareDetected           an uploaded file holds malware (``malware_detected``)
    ├── Conflict                      the request clashes with the current state
    │   ├── UsernameAlreadyExists
    │   ├── EmailAlreadyExists
    │   ├── LastAdmin
    │   ├── MemberAlreadyExists
    │   ├── LastOwner                 a project must keep at least one owner
    │   ├── ReportNotReady            the report has not completed (yet)
    │   ├── VersionMismatch           optimistic concurrency: the object changed meanwhile
    │   ├── TemplateNameExists
    │   ├── AttachmentQuarantined     the file is quarantined (``attachment_quarantined``)
    │   ├── TeamNameTaken             another team has the name (case-insensitively)
    │   ├── TeamMemberExists
    │   ├── TeamGrantExists           the team already has a role in the project
    │   ├── LastTeamAdmin             a team must keep at least one admin
    │   ├── InvitationPending         the user already has a pending invitation to the project
    │   ├── InvitationNotPending      the invitation was accepted, declined or revoked
    │   ├── InvitationExpired         the invitation is past its expiry (``invitation_expired``)
    │   └── IdentityAlreadyLinked     the external identity belongs to a user already
    ├── AuthenticationFailed          credentials or token are missing, wrong or revoked
    │   ├── InvalidCredentials
    │   ├── TokenMissing
    │   ├── TokenInvalid
    │   ├── AccountDisabled
    │   ├── ExternalSignInRefused     the identity provider's person may not sign in here
    │   └── SignInFailed              a sign-in through an identity provider did not complete
    ├── TooLarge                      a size limit was exceeded
    │   └── QuotaExceeded             the user's storage quota is used up (``quota_exceeded``)
    ├── UnsupportedType               a file or media type is not accepted
    ├── RateLimited                   too many attempts; ``retry_after`` seconds
    └── Unavailable                   a dependency (database, queue) is down; try again later
        ├── MailTemporaryFailure      the mail server is unreachable or said 4xx: retry
        └── MailConfigurationError    the mail settings are wrong (535): do not retry

Errors that carry an ``error_code`` (a short, stable, machine-readable name) let hosts
tell them apart from others of their family without parsing the message.
"""

from __future__ import annotations


class TaskcoreError(Exception):
    """Root of every error raised by taskcore.

    Args:
        message: Human-readable text, safe to show to the caller.
    """

    error_code: str | None = None
    """A stable machine-readable name for the situation, or ``None``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFound(TaskcoreError):
    """The object does not exist, or the caller is not allowed to know it exists."""


class UserNotFound(NotFound):
    """No user with this id."""

    def __init__(self, user_id: int | None = None, message: str = "User not found") -> None:
        super().__init__(message)
        self.user_id = user_id


class ProjectNotFound(NotFound):
    """No project with this id, or the caller is not a member of it."""

    def __init__(self, project_id: int | None = None, message: str = "Project not found") -> None:
        super().__init__(message)
        self.project_id = project_id


class TaskNotFound(NotFound):
    """No task with this id, or the caller is not a member of its project."""

    def __init__(self, task_id: int | None = None, message: str = "Task not found") -> None:
        super().__init__(message)
        self.task_id = task_id


class CommentNotFound(NotFound):
    """No comment with this id."""

    def __init__(self, comment_id: int | None = None, message: str = "Comment not found") -> None:
        super().__init__(message)
        self.comment_id = comment_id


class AttachmentNotFound(NotFound):
    """No attachment with this id, or the caller is not a member of its task's project."""

    def __init__(
        self, attachment_id: int | None = None, message: str = "Attachment not found"
    ) -> None:
        super().__init__(message)
        self.attachment_id = attachment_id


class BlobNotFound(NotFound):
    """No blob is stored under this key (an attachment's file is missing).

    Args:
        key: The blob key.
        message: Text for the caller; ``File not found on server`` by default.
    """

    def __init__(self, key: str | None = None, message: str = "File not found on server") -> None:
        super().__init__(message)
        self.key = key


class WebhookNotFound(NotFound):
    """No webhook with this id in the project."""

    def __init__(self, webhook_id: int | None = None, message: str = "Webhook not found") -> None:
        super().__init__(message)
        self.webhook_id = webhook_id


class MemberNotFound(NotFound):
    """The user is not a member of the project."""

    def __init__(
        self,
        project_id: int | None = None,
        user_id: int | None = None,
        message: str = "Member not found",
    ) -> None:
        super().__init__(message)
        self.project_id = project_id
        self.user_id = user_id


class ReportNotFound(NotFound):
    """No report with this id, or the caller may not see it."""

    def __init__(self, report_id: int | None = None, message: str = "Report not found") -> None:
        super().__init__(message)
        self.report_id = report_id


class ReportExpired(NotFound):
    """The report's retention period has ended; it is gone for good soon."""

    def __init__(self, report_id: int | None = None, message: str = "Report has expired") -> None:
        super().__init__(message)
        self.report_id = report_id


class PermissionDenied(TaskcoreError):
    """The caller may see the object but may not perform this action."""


class AdminRequired(PermissionDenied):
    """Only a system administrator may do this."""

    def __init__(self, message: str = "Admin privileges required") -> None:
        super().__init__(message)


class ProjectRoleRequired(PermissionDenied):
    """The caller is a member of the project, but their role does not allow this action.

    Args:
        message: What the caller may not do.
        project_id: The project.
        required: The least role that would allow it (``owner`` or ``member``).
    """

    def __init__(self, message: str, *, project_id: int | None = None, required: str) -> None:
        super().__init__(message)
        self.project_id = project_id
        self.required = required


class ValidationError(TaskcoreError):
    """Input is malformed.

    Args:
        message: What is wrong, naming the field.
        field: The offending field, or ``None`` when the input as a whole is wrong.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Conflict(TaskcoreError):
    """The request clashes with the current state of the data."""


class UsernameAlreadyExists(Conflict):
    """Another account already has this username (compared case-insensitively)."""

    def __init__(self, message: str = "Username already exists") -> None:
        super().__init__(message)


class EmailAlreadyExists(Conflict):
    """Another account already has this e-mail address (compared case-insensitively)."""

    def __init__(self, message: str = "Email already exists") -> None:
        super().__init__(message)


class LastAdmin(Conflict):
    """The change would leave the system without an active administrator."""

    def __init__(self, message: str = "Cannot remove or deactivate the last active admin") -> None:
        super().__init__(message)


class MemberAlreadyExists(Conflict):
    """The user is already a member of the project."""

    def __init__(self, message: str = "User is already a member of the project") -> None:
        super().__init__(message)


class LastOwner(Conflict):
    """The change would leave the project without an owner."""

    def __init__(self, message: str = "A project must keep at least one owner") -> None:
        super().__init__(message)


class VersionMismatch(Conflict):
    """The object was changed by someone else since the caller read it."""

    def __init__(self, message: str = "The resource was modified; reload and retry") -> None:
        super().__init__(message)


class WebhookLimitReached(Conflict):
    """The project already has as many webhooks as it may have."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"A project may have at most {limit} webhooks")
        self.limit = limit


class ReportNotReady(Conflict):
    """The report is pending, running or failed, so it has no data to export."""

    def __init__(self, message: str = "Report is not completed") -> None:
        super().__init__(message)


class AuthenticationFailed(TaskcoreError):
    """Credentials or a token are missing, wrong, expired or revoked."""


class InvalidCredentials(AuthenticationFailed):
    """Unknown account or wrong password; the two are deliberately indistinguishable."""

    def __init__(self, message: str = "Invalid credentials") -> None:
        super().__init__(message)


class TokenMissing(AuthenticationFailed):
    """No token was presented."""

    def __init__(self, message: str = "Token is missing") -> None:
        super().__init__(message)


class TokenInvalid(AuthenticationFailed):
    """The token is malformed, forged, expired, revoked, or its user is gone or inactive."""

    def __init__(self, message: str = "Token is invalid or expired") -> None:
        super().__init__(message)


class RefreshTokenReused(TokenInvalid):
    """A refresh token was presented a second time: its whole session was revoked."""

    def __init__(self, message: str = "Refresh token reuse detected") -> None:
        super().__init__(message)


class RefreshSuperseded(TokenInvalid):
    """A refresh token was presented again shortly after its first use (within the reuse
    grace period) while its session is live: refused, but the session stays live, since
    this is what two tabs or a retrying client do when they renew at the same moment."""

    error_code = "refresh_superseded"

    def __init__(self, message: str = "Refresh token already renewed; use the newest one") -> None:
        super().__init__(message)


class AccountDisabled(AuthenticationFailed):
    """The account exists and the password matched, but the account is deactivated."""

    def __init__(self, message: str = "Account is disabled") -> None:
        super().__init__(message)


class ExternalSignInRefused(AuthenticationFailed):
    """An identity provider vouched for the person, but this installation does not let
    them in: their e-mail domain is not allowed, only existing accounts may sign in, or
    an account with their address exists and the provider did not say it is verified."""

    error_code = "external_sign_in_refused"

    def __init__(self, message: str = "Sign-in through this provider is not allowed") -> None:
        super().__init__(message)


class SignInFailed(AuthenticationFailed):
    """A sign-in through an identity provider did not complete: the person declined, the
    answer did not belong to the sign-in that was started, or the provider's ID token did
    not validate. The message is safe to show."""

    error_code = "sign_in_failed"

    def __init__(self, message: str = "Sign-in failed") -> None:
        super().__init__(message)


class IdentityAlreadyLinked(Conflict):
    """The provider's account is already linked to a taskcore user."""

    error_code = "identity_already_linked"

    def __init__(self, message: str = "This external identity is already linked") -> None:
        super().__init__(message)


class TooLarge(TaskcoreError):
    """A size limit was exceeded."""

    def __init__(self, message: str, *, limit: int | None = None) -> None:
        super().__init__(message)
        self.limit = limit


class UnsupportedType(TaskcoreError):
    """A file or media type is not accepted."""


class RateLimited(TaskcoreError):
    """Too many attempts; the caller should wait ``retry_after`` seconds."""

    def __init__(self, message: str = "Too many requests", *, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(TaskcoreError):
    """A dependency (database, queue, mail server) is unreachable; try again later."""

    def __init__(
        self, message: str = "Service temporarily unavailable", *, retry_after: int = 5
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
