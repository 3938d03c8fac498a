"""The errors of particular areas (notifications, attachments, invitations, work
structure, access tokens, teams), on the families of :mod:`taskcore.errors.base`."""

from __future__ import annotations

from taskcore.errors.base import (
    Conflict,
    NotFound,
    PermissionDenied,
    TooLarge,
    Unavailable,
    ValidationError,
)


class NotificationNotFound(NotFound):
    """No notification with this id (or none the caller may see)."""

    def __init__(
        self, notification_id: int | None = None, message: str = "Notification not found"
    ) -> None:
        super().__init__(message)
        self.notification_id = notification_id


class TemplateNotFound(NotFound):
    """No notification template with this id or name."""

    def __init__(self, template_id: int | None = None, message: str = "Template not found") -> None:
        super().__init__(message)
        self.template_id = template_id


class TemplateNameExists(Conflict):
    """Another notification template already has this name."""

    def __init__(self, message: str = "Template name already exists") -> None:
        super().__init__(message)


class MailRejected(ValidationError):
    """The mail server refused the message or its recipient for good (a 5xx reply).

    Args:
        message: The server's reply, safe to store.
        code: The SMTP reply code, if there was one.
    """

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message, field="recipient_email")
        self.code = code


class MailTemporaryFailure(Unavailable):
    """The mail server could not be reached, timed out or answered 4xx; retrying may work.

    Args:
        message: What went wrong, safe to store.
        code: The SMTP reply code, if there was one.
    """

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class MailConfigurationError(Unavailable):
    """The mail settings are wrong (authentication refused, 535); retrying cannot help.

    Args:
        message: What went wrong, safe to store (never the password).
        code: The SMTP reply code, if there was one.
    """

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class QuotaExceeded(TooLarge):
    """The upload would take its uploader's stored files past their storage quota.

    Args:
        message: Text for the caller.
        limit: The quota in bytes.
        used: Bytes the user had stored or reserved when the upload was refused.
    """

    error_code = "quota_exceeded"

    def __init__(
        self, message: str = "Storage quota exceeded", *, limit: int, used: int | None = None
    ) -> None:
        super().__init__(message, limit=limit)
        self.used = used


class MalwareDetected(ValidationError):
    """The malware scanner found something in an uploaded file; nothing was kept.

    Args:
        signature: The scanner's name for what it found.
        message: Text for the caller.
    """

    error_code = "malware_detected"

    def __init__(self, signature: str, message: str = "File rejected: malware detected") -> None:
        super().__init__(message, field="file")
        self.signature = signature


class AttachmentQuarantined(Conflict):
    """The attachment is quarantined (it could not be scanned for malware when it was
    uploaded), so its file cannot be downloaded."""

    error_code = "attachment_quarantined"

    def __init__(
        self,
        attachment_id: int | None = None,
        message: str = "Attachment is quarantined and cannot be downloaded",
    ) -> None:
        super().__init__(message)
        self.attachment_id = attachment_id


class InvitationNotFound(NotFound):
    """No invitation with this id, or the caller is neither its invitee nor one who manages
    its project."""

    def __init__(
        self, invitation_id: int | None = None, message: str = "Invitation not found"
    ) -> None:
        super().__init__(message)
        self.invitation_id = invitation_id


class InvitationPending(Conflict):
    """The user already has a pending invitation to the project."""

    error_code = "invitation_pending"

    def __init__(
        self, message: str = "The user already has a pending invitation to this project"
    ) -> None:
        super().__init__(message)


class InvitationNotPending(Conflict):
    """The invitation was already accepted, declined or revoked."""

    error_code = "invitation_not_pending"

    def __init__(self, status: str, message: str | None = None) -> None:
        super().__init__(message or f"The invitation is no longer pending (it is {status})")
        self.status = status


class InvitationExpired(Conflict):
    """The invitation is past its expiry time and can no longer be accepted."""

    error_code = "invitation_expired"

    def __init__(self, message: str = "The invitation has expired") -> None:
        super().__init__(message)


class TaskHasSubtasks(Conflict):
    """The task has subtasks, and deleting it was not asked to delete them too."""

    error_code = "task_has_subtasks"

    def __init__(self, count: int) -> None:
        noun = "subtask" if count == 1 else "subtasks"
        super().__init__(f"Task has {count} {noun}; delete them first or delete with cascade=true")
        self.count = count


class TaskBlocked(Conflict):
    """The task cannot be completed while tasks blocking it are open."""

    error_code = "task_blocked"

    def __init__(self, blocker_ids: list[int], hidden: int = 0) -> None:
        named = [f"#{i}" for i in blocker_ids]
        if hidden:
            named.append(f"{hidden} task{'s' if hidden > 1 else ''} you cannot see")
        super().__init__(
            f"Task is blocked by open tasks: {', '.join(named)}; complete them first or override"
        )
        self.blocker_ids = blocker_ids


class RelationNotFound(NotFound):
    """No such relation on this task, or the caller may not see its other task."""

    def __init__(self, message: str = "Relation not found") -> None:
        super().__init__(message)


class CustomFieldNotFound(NotFound):
    """No such custom field in this project."""

    def __init__(self, message: str = "Custom field not found") -> None:
        super().__init__(message)


class AccessTokenNotFound(NotFound):
    """No such personal access token, or it belongs to someone else (ids reveal nothing)."""

    def __init__(self, message: str = "Access token not found") -> None:
        super().__init__(message)


class ScopeRequired(PermissionDenied):
    """The caller authenticated with a personal access token whose scopes do not allow
    this (``scope``: the scope that would, or ``None`` when no token may do it)."""

    error_code = "scope_required"

    def __init__(self, message: str, *, scope: str | None = None) -> None:
        super().__init__(message)
        self.scope = scope


class TeamNotFound(NotFound):
    """No team with this id, or the caller is neither a member of it nor an administrator."""

    def __init__(self, team_id: int | None = None, message: str = "Team not found") -> None:
        super().__init__(message)
        self.team_id = team_id


class TeamMemberNotFound(NotFound):
    """The user is not a member of the team."""

    def __init__(self, message: str = "Team member not found") -> None:
        super().__init__(message)


class TeamGrantNotFound(NotFound):
    """The team has no role in the project."""

    def __init__(self, message: str = "The team has no role in this project") -> None:
        super().__init__(message)


class TeamRoleRequired(PermissionDenied):
    """The caller belongs to the team but is not one of its admins."""

    error_code = "team_admin_required"

    def __init__(self, message: str = "Only team admins can manage the team") -> None:
        super().__init__(message)


class TeamNameTaken(Conflict):
    """Another team already has this name (compared case-insensitively)."""

    error_code = "team_name_taken"

    def __init__(self, message: str = "A team with this name already exists") -> None:
        super().__init__(message)


class TeamMemberExists(Conflict):
    """The user is already a member of the team."""

    error_code = "team_member_exists"

    def __init__(self, message: str = "User is already a member of the team") -> None:
        super().__init__(message)


class TeamGrantExists(Conflict):
    """The team already has a role in the project."""

    error_code = "team_grant_exists"

    def __init__(self, message: str = "The team already has a role in this project") -> None:
        super().__init__(message)


class LastTeamAdmin(Conflict):
    """The change would leave the team without an admin."""

    error_code = "last_team_admin"

    def __init__(self, message: str = "A team must keep at least one admin") -> None:
        super().__init__(message)
