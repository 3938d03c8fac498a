"""Profiles: reading accounts, and the caller's own name, address and password."""

from __future__ import annotations

from taskcore.domain import users as rules
from taskcore.domain.events import Change, UserUpdated, change
from taskcore.domain.values import UNSET, Unset
from taskcore.errors import EmailAlreadyExists, InvalidCredentials, UserNotFound, ValidationError
from taskcore.services.users.base import UsersBase
from taskcore.services.users.tokens import revoke_all_tokens
from taskcore.services.users.views import LoginResult, Principal, UserView


class Profiles(UsersBase):
    """Reading accounts and changing one's own."""

    def get_user(self, actor: Principal, user_id: int) -> UserView:
        """Any user's public view; the e-mail only for the user themself or an admin.

        Raises:
            UserNotFound: no such user.
        """
        with self._tx() as work:
            user = work.uow.users.get(user_id)
        if user is None:
            raise UserNotFound(user_id)
        return UserView.of(user, private=actor.is_admin or actor.user_id == user_id)

    def find_by_username(self, actor: Principal, username: str) -> UserView:
        """Any user by username, compared by key (any case or width), as :meth:`get_user`
        shows them (for example to add someone to a project by name).

        Raises:
            UserNotFound: no such user.
        """
        with self._tx() as work:
            user = work.uow.users.get_by_username(username)
        if user is None:
            raise UserNotFound()
        return UserView.of(user, private=actor.is_admin or actor.user_id == user.key)

    def as_subject(self, actor: Principal, user_id: int) -> Principal | None:
        """Another user as a caller of the use cases, to ask what they may see (the
        role included, which :meth:`get_user` hides from non-administrators); ``None``
        when the account is deactivated.

        Raises:
            UserNotFound: no such user.
        """
        with self._tx() as work:
            user = work.uow.users.get(user_id)
        if user is None:
            raise UserNotFound(user_id)
        if not user.is_active:
            return None
        return Principal(user_id=user.key, username=user.username, is_admin=user.is_admin)

    def get_me(self, actor: Principal) -> UserView:
        """The caller's own account.

        Raises:
            UserNotFound: the account no longer exists.
        """
        return self.get_user(actor, actor.user_id)

    def update_profile(
        self,
        actor: Principal,
        *,
        full_name: str | Unset | None = UNSET,
        email: str | Unset | None = UNSET,
    ) -> UserView:
        """Change the caller's full name and/or e-mail address (only the fields given).

        ``full_name`` may be ``None`` to clear it.

        Raises:
            UserNotFound: the account no longer exists.
            ValidationError: a malformed value.
            EmailAlreadyExists: another account has that address.
        """
        new_name = UNSET if full_name is UNSET else rules.check_full_name(full_name, required=False)
        new_email = UNSET if email is UNSET else rules.check_email(email)
        with self._tx() as work:
            users = work.uow.users
            user = users.get(actor.user_id)
            if user is None:
                raise UserNotFound(actor.user_id)
            email_change: Change | None = None
            name_change: Change | None = None
            if new_email is not UNSET and new_email != user.email:
                other = users.get_by_email(new_email)
                if other is not None and other.id != user.id:
                    raise EmailAlreadyExists()
                email_change = change(user.email, new_email)
                user.email = new_email
            if new_name is not UNSET and new_name != user.full_name:
                name_change = change(user.full_name, new_name)
                user.full_name = new_name
            if email_change or name_change:
                user = users.update(user)
                work.record(
                    UserUpdated(
                        occurred_at=self._clock.now(),
                        actor_id=actor.user_id,
                        entity_id=user.key,
                        email=email_change,
                        full_name=name_change,
                    )
                )
                work.commit()
        return UserView.of(user)

    def change_password(
        self,
        actor: Principal,
        *,
        current_password: str | None,
        new_password: str | None,
        revoke_tokens: bool = False,
    ) -> LoginResult:
        """Change the caller's password after checking the current one.

        Every token issued before the change stops working (other sessions end); the
        caller gets a fresh token in the result. Personal access tokens keep working
        unless ``revoke_tokens``.

        Raises:
            ValidationError: the new password breaks the rules.
            InvalidCredentials: the current password is wrong, or the account has no
                password (an account of an external identity).
        """
        if not current_password:
            raise ValidationError("current_password is required", field="current_password")
        rules.check_password(new_password, field="new_password")
        with self._tx() as work:
            user = work.uow.users.get(actor.user_id)
        if user is None:
            raise UserNotFound(actor.user_id)
        secret = rules.check_password(
            new_password,
            field="new_password",
            context=rules.password_context(user.username, user.email),
        )
        if user.password_hash is None:
            # No password to change (an external identity's account): the same answer
            # as a wrong current password, after the same work.
            self._hasher.burn(current_password)
            raise InvalidCredentials("Current password is incorrect")
        if not self._hasher.verify(user.password_hash, current_password):
            raise InvalidCredentials("Current password is incorrect")
        new_hash = self._hasher.hash(secret)
        with self._tx() as work:
            current = work.uow.users.get(actor.user_id)
            if current is None:
                raise UserNotFound(actor.user_id)
            now = self._clock.now()
            current.password_hash = new_hash
            # Token times have whole seconds: tokens from this second on stay valid.
            current.tokens_valid_after = now.replace(microsecond=0)
            updated = work.uow.users.update(current)
            work.uow.sessions.revoke_all(actor.user_id, now=now, reason="password_changed")
            if revoke_tokens:
                revoke_all_tokens(
                    work, actor.user_id, now=now, reason="password_changed", actor_id=actor.user_id
                )
            session, refresh = self._start_session(work, actor.user_id, now)
            work.record(
                UserUpdated(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=actor.user_id,
                    password="changed",  # noqa: S106  # nosec B106
                )
            )
            work.commit()
        return self._result(updated, session, refresh, now)
