"""New accounts: self-service registration, and the operators' administrators."""

from __future__ import annotations

from taskcore.domain import identifiers
from taskcore.domain import users as rules
from taskcore.domain.events import UserAdminUpdated, UserRegistered, change
from taskcore.domain.users import User
from taskcore.errors import EmailAlreadyExists, UsernameAlreadyExists, ValidationError
from taskcore.services.users.base import UsersBase
from taskcore.services.users.views import UserView


class Registration(UsersBase):
    """Creating accounts."""

    def register(
        self,
        *,
        username: str | None,
        email: str | None,
        password: str | None,
        full_name: str | None,
        is_admin: bool = False,
    ) -> UserView:
        """Create an account.

        Checks run in this order: each field present (username, email, password,
        full_name), then the username's characters, the e-mail format, the password
        rules, then uniqueness (username first). Usernames and addresses are unique by
        their keys (:mod:`taskcore.domain.identifiers`: ``Émile`` is taken when ``émile``
        exists, ``ADMIN`` in full-width letters when ``admin`` does); a username that only looks
        like an existing one (the same skeleton: Cyrillic or Greek look-alike letters) is
        refused too.

        Returns:
            The new account.

        Raises:
            ValidationError: a field is missing or malformed; the username has invisible
                or bidirectional-control characters, mixes Latin, Cyrillic or Greek
                letters, or looks like an existing username.
            UsernameAlreadyExists: the username is taken (by its key).
            EmailAlreadyExists: the e-mail address is taken (by its key).
        """
        for field, value in (
            ("username", username),
            ("email", email),
            ("password", password),
            ("full_name", full_name),
        ):
            if not value or (field != "password" and not value.strip()):
                raise ValidationError(f"{field} is required", field=field)
        name = rules.check_username(username)
        address = rules.check_email(email)
        secret = rules.check_password(password, context=rules.password_context(name, address))
        full = rules.check_full_name(full_name, required=True)
        password_hash = self._hasher.hash(secret)
        with self._tx() as work:
            users = work.uow.users
            if users.get_by_username(name) is not None:
                raise UsernameAlreadyExists()
            look_alike = users.get_by_skeleton(identifiers.skeleton(name))
            if look_alike is not None:
                if look_alike.username_key == identifiers.username_key(name):
                    # Committed by a concurrent registration since the look-up above.
                    raise UsernameAlreadyExists()
                raise ValidationError("username looks like an existing username", field="username")
            if users.get_by_email(address) is not None:
                raise EmailAlreadyExists()
            now = self._clock.now()
            user = users.add(
                User(
                    username=name,
                    email=address,
                    password_hash=password_hash,
                    full_name=full,
                    is_admin=is_admin,
                    created_at=now,
                )
            )
            work.record(
                UserRegistered(
                    occurred_at=now,
                    actor_id=user.key,
                    entity_id=user.key,
                    username=user.username,
                )
            )
            work.commit()
        return UserView.of(user)

    def create_admin(self, *, username: str, email: str, password: str) -> tuple[UserView, bool]:
        """Create an administrator, or promote and reactivate an existing account.

        For operators (the ``create-admin`` command), so it takes no actor. An existing
        account found by username keeps its password.

        Returns:
            The account and whether it was newly created.

        Raises:
            ValidationError: malformed input for a new account.
            EmailAlreadyExists: a new account's e-mail belongs to another user.
        """
        with self._tx() as work:
            existing = work.uow.users.get_by_username(username)
            if existing is not None:
                admin_change = None if existing.is_admin else change(False, True)
                active_change = None if existing.is_active else change(False, True)
                existing.is_admin = True
                existing.is_active = True
                if admin_change or active_change:
                    existing = work.uow.users.update(existing)
                    work.record(
                        UserAdminUpdated(
                            occurred_at=self._clock.now(),
                            actor_id=None,
                            entity_id=existing.key,
                            is_active=active_change,
                            is_admin=admin_change,
                        )
                    )
                    work.commit()
                return UserView.of(existing), False
        view = self.register(
            username=username, email=email, password=password, full_name=username, is_admin=True
        )
        return view, True
