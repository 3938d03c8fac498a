"""External identities: accounts of an identity provider (an OpenID Connect issuer, or an
embedding application's own users) linked to taskcore users, and what a provider tells
about the person who signed in."""

from __future__ import annotations

import datetime as dt

import attrs

from taskcore.domain import validation
from taskcore.errors import ValidationError

PROVIDER_MAX = 50
SUBJECT_MAX = 255
"""OpenID Connect subjects are at most 255 ASCII characters."""


@attrs.define(kw_only=True)
class ExternalIdentity:
    """The account ``subject`` at ``provider`` is the taskcore user ``user_id``.

    A (provider, subject) pair is linked to at most one user; a user may have identities
    at several providers. ``email`` is the address as the provider gave it at the last
    sign-in (informational: the link is by subject, never by address).
    """

    id: int | None = None
    provider: str
    subject: str
    user_id: int
    email: str | None
    created_at: dt.datetime
    last_seen_at: dt.datetime | None = None


@attrs.frozen(kw_only=True)
class ExternalClaims:
    """What an identity provider asserted about the person who signed in (from a
    validated ID token): the subject is its stable id for them."""

    subject: str
    email: str | None = None
    email_verified: bool = False
    name: str | None = None
    preferred_username: str | None = None
    groups: tuple[str, ...] = ()


def check_provider(provider: str | None) -> str:
    """Validate a provider name: lower-case letters, digits, ``-`` and ``_``.

    Raises:
        ValidationError: missing, too long or with other characters.
    """
    name = validation.required_text(provider, "provider")
    validation.max_length(name, "provider", PROVIDER_MAX)
    if not all(c.isascii() and (c.isalnum() or c in "-_") for c in name) or name != name.lower():
        raise ValidationError(
            "provider must be lower-case letters, digits, '-' or '_'", field="provider"
        )
    return name


def check_subject(subject: str | None) -> str:
    """Validate a provider's subject (kept exactly as given: subjects are case-sensitive).

    Raises:
        ValidationError: missing, blank, too long or with control characters.
    """
    if not subject or not subject.strip():
        raise ValidationError("subject is required", field="subject")
    validation.max_length(subject, "subject", SUBJECT_MAX)
    validation.no_control_characters(subject, "subject")
    return subject


def username_candidates(base: str, attempts: int) -> list[str]:
    """``base``, then ``base-2``, ``base-3``... (``attempts`` names in all), for a new
    account whose preferred username is taken."""
    return [base, *(f"{base}-{n}" for n in range(2, attempts + 1))]


@attrs.frozen(kw_only=True)
class SignInPolicy:
    """Who may sign in through an identity provider, and what a sign-in changes.

    Attributes:
        allowed_domains: E-mail domains (lower case) whose people may get an account on
            their first sign-in; empty: any domain.
        existing_users_only: The first sign-in never creates an account; it only links
            to an existing account (with a verified address).
        admin_group: A value of the ID token's groups claim that makes its members
            administrators (granted at sign-in, never taken away by it).
        disable_passwords: An account that signs in through the provider loses its local
            password: from then on it can only sign in through a provider.
    """

    allowed_domains: tuple[str, ...] = ()
    existing_users_only: bool = False
    admin_group: str | None = None
    disable_passwords: bool = False

    def domain_allowed(self, email: str) -> bool:
        """Whether ``email``'s domain may get an account (always, with no domain list)."""
        if not self.allowed_domains:
            return True
        return email.rpartition("@")[2].lower() in self.allowed_domains
