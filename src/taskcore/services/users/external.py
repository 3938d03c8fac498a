"""Accounts of external identities: people who sign in through an identity provider, and
the users of applications that embed taskcore. Such accounts may have no password."""

from __future__ import annotations

import datetime as dt

import attrs

from taskcore.domain import identifiers
from taskcore.domain import users as rules
from taskcore.domain.events import UserAdminUpdated, UserLoggedIn, UserUpdated, change
from taskcore.domain.identities import (
    ExternalClaims,
    ExternalIdentity,
    SignInPolicy,
    check_provider,
    check_subject,
    username_candidates,
)
from taskcore.domain.identity_events import ExternalIdentityLinked, ExternalUserCreated
from taskcore.domain.users import User
from taskcore.errors import (
    AccountDisabled,
    EmailAlreadyExists,
    ExternalSignInRefused,
    IdentityAlreadyLinked,
    UsernameAlreadyExists,
    UserNotFound,
    ValidationError,
)
from taskcore.ports.users import UserRepository
from taskcore.services.users.base import UsersBase, security_log
from taskcore.services.users.views import LoginResult, UserView
from taskcore.uow import Work

USERNAME_ATTEMPTS = 20
"""How many names (``name``, ``name-2`` ... ``name-20``) a new account may try."""
ATTEMPTS = 3
"""How many times a first sign-in is tried when a concurrent one stores the same account."""
_SUFFIX_ROOM = 3  # "-20"


@attrs.frozen(kw_only=True)
class _Wanted:
    provider: str
    subject: str
    email: str | None
    username: str | None
    full_name: str | None
    email_verified: bool


class ExternalAccounts(UsersBase):
    """Finding, creating and linking accounts of external identities."""

    def ensure_external(
        self,
        *,
        provider: str,
        subject: str,
        email: str,
        username: str | None = None,
        full_name: str | None = None,
        email_verified: bool = False,
    ) -> UserView:
        """The account of the identity ``subject`` at ``provider``, created on first sight.

        For applications that embed taskcore and have users of their own (pair it with
        a principal for the returned user to act as them). The first call for an
        identity links it to the account with the same e-mail address when
        ``email_verified`` is true, or creates an account without a password: its
        username is ``username`` (or the address's local part), with ``-2``, ``-3``...
        appended while taken. Later calls return that account, whatever the other
        arguments say (the address given is recorded on the identity). Calls for the
        same new identity at the same time create one account.

        Raises:
            ValidationError: ``provider``, ``subject`` or ``email`` missing or malformed.
            ExternalSignInRefused: another account has the address and it is not verified.
            UsernameAlreadyExists: no free username near the wanted one.
        """
        rules.check_email(email)
        wanted = _Wanted(
            provider=check_provider(provider),
            subject=check_subject(subject),
            email=email,
            username=username,
            full_name=full_name,
            email_verified=email_verified,
        )
        return UserView.of(self._ensure(wanted, SignInPolicy()))

    def sign_in_external(
        self, *, provider: str, claims: ExternalClaims, policy: SignInPolicy
    ) -> LoginResult:
        """Log in the person an identity provider vouched for (validated claims), exactly
        as a password login does: a new session, its tokens, the login recorded.

        The first sign-in of an identity links or creates its account as
        :meth:`ensure_external` does, within ``policy`` (allowed e-mail domains, or
        existing accounts only). Every sign-in grants admin to members of the policy's
        admin group, and removes the account's local password when the policy disables
        passwords.

        Raises:
            ValidationError: a malformed provider name or subject.
            ExternalSignInRefused: the policy does not let this person in, or the
                provider gave no (or no verified) e-mail address where one is needed.
            AccountDisabled: the account is deactivated.
        """
        wanted = _Wanted(
            provider=check_provider(provider),
            subject=check_subject(claims.subject),
            email=claims.email,
            username=claims.preferred_username,
            full_name=claims.name,
            email_verified=claims.email_verified,
        )
        found = self._ensure(wanted, policy)
        if not found.is_active:
            raise AccountDisabled()
        with self._tx() as work:
            now = self._clock.now()
            self._apply_policy(work, found.key, claims, policy, now)
            user = work.uow.users.record_login(found.key, now)
            session, refresh = self._start_session(work, user.key, now)
            work.record(UserLoggedIn(occurred_at=now, actor_id=user.key, entity_id=user.key))
            work.commit()
        security_log.info(
            "login", extra={"event": "login", "user_id": user.key, "provider": wanted.provider}
        )
        return self._result(user, session, refresh, now)

    def _ensure(self, wanted: _Wanted, policy: SignInPolicy) -> User:
        """Find or create the account, again if a concurrent first sign-in stored it
        (or took its username or address) first."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with self._tx() as work:
                    user = self._find_or_create(work, wanted, policy, self._clock.now())
                    work.commit()
                return user
            except (IdentityAlreadyLinked, EmailAlreadyExists, UsernameAlreadyExists):
                if attempt == ATTEMPTS:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _find_or_create(
        self, work: Work, wanted: _Wanted, policy: SignInPolicy, now: dt.datetime
    ) -> User:
        identity = work.uow.identities.get(wanted.provider, wanted.subject)
        if identity is not None:
            user = work.uow.users.get(identity.user_id)
            if user is None:
                raise UserNotFound(identity.user_id)
            work.uow.identities.seen(identity.id or 0, email=wanted.email, when=now)
            return user
        if not wanted.email:
            raise ExternalSignInRefused("The identity provider did not give an e-mail address")
        address = rules.check_email(wanted.email)
        if not policy.domain_allowed(address):
            raise ExternalSignInRefused(
                "People with this e-mail domain may not sign in through this provider"
            )
        existing = work.uow.users.get_by_email(address)
        if existing is not None:
            if not wanted.email_verified:
                raise ExternalSignInRefused(
                    "An account with this e-mail address exists, and the identity provider "
                    "did not say the address is verified"
                )
            self._link(work, existing, wanted, now)
            return existing
        if policy.existing_users_only:
            raise ExternalSignInRefused("Only existing accounts may sign in through this provider")
        return self._create(work, wanted, address, now)

    def _link(self, work: Work, user: User, wanted: _Wanted, now: dt.datetime) -> None:
        work.uow.identities.add(
            ExternalIdentity(
                provider=wanted.provider,
                subject=wanted.subject,
                user_id=user.key,
                email=wanted.email,
                created_at=now,
                last_seen_at=now,
            )
        )
        work.record(
            ExternalIdentityLinked(
                occurred_at=now,
                actor_id=user.key,
                entity_id=user.key,
                provider=wanted.provider,
                subject=wanted.subject,
            )
        )

    def _create(self, work: Work, wanted: _Wanted, address: str, now: dt.datetime) -> User:
        user = work.uow.users.add(
            User(
                username=_free_username(work.uow.users, wanted.username, address),
                email=address,
                password_hash=None,
                full_name=_full_name(wanted.full_name),
                created_at=now,
            )
        )
        work.uow.identities.add(
            ExternalIdentity(
                provider=wanted.provider,
                subject=wanted.subject,
                user_id=user.key,
                email=wanted.email,
                created_at=now,
                last_seen_at=now,
            )
        )
        work.record(
            ExternalUserCreated(
                occurred_at=now,
                actor_id=user.key,
                entity_id=user.key,
                username=user.username,
                provider=wanted.provider,
                subject=wanted.subject,
            )
        )
        return user

    def _apply_policy(
        self,
        work: Work,
        user_id: int,
        claims: ExternalClaims,
        policy: SignInPolicy,
        now: dt.datetime,
    ) -> None:
        """Grant admin to the admin group's members; remove a disabled local password."""
        user = work.uow.users.get(user_id)
        if user is None:
            raise UserNotFound(user_id)
        grant = policy.admin_group is not None and policy.admin_group in claims.groups
        promote = grant and not user.is_admin
        drop_password = policy.disable_passwords and user.password_hash is not None
        if not promote and not drop_password:
            return
        user.is_admin = user.is_admin or promote
        if drop_password:
            user.password_hash = None
        work.uow.users.update(user)
        if promote:
            work.record(
                UserAdminUpdated(
                    occurred_at=now, actor_id=None, entity_id=user_id, is_admin=change(False, True)
                )
            )
        if drop_password:
            work.record(
                UserUpdated(
                    occurred_at=now,
                    actor_id=user_id,
                    entity_id=user_id,
                    password="removed",  # noqa: S106  # nosec B106
                )
            )


def _free_username(users: UserRepository, preferred: str | None, address: str) -> str:
    """The first free name among the wanted one (or the address's local part) and its
    numbered variants.

    Raises:
        UsernameAlreadyExists: all of them are taken.
    """
    base = _base_username(preferred, address)
    for name in username_candidates(base, USERNAME_ATTEMPTS):
        if users.get_by_username(name) is None and (
            users.get_by_skeleton(identifiers.skeleton(name)) is None
        ):
            return name
    raise UsernameAlreadyExists(
        f"Usernames {base!r} to {base}-{USERNAME_ATTEMPTS} are taken; choose another username"
    )


def _base_username(preferred: str | None, address: str) -> str:
    """A valid username from the wanted one, else from the address's local part, else
    ``user``; short enough for a numbered suffix."""
    for candidate in (preferred, address.partition("@")[0], "user"):
        if not candidate:
            continue
        name = candidate.partition("@")[0] if "@" in candidate else candidate
        name = name[: rules.USERNAME_MAX - _SUFFIX_ROOM]
        try:
            return rules.check_username(name)
        except ValidationError:
            continue
    return "user"


def _full_name(full_name: str | None) -> str | None:
    """The provider's name for the person, or ``None`` when it is unusable."""
    try:
        return rules.check_full_name(full_name or None, required=False)
    except ValidationError:
        return None
