"""Administration: listing accounts, (de)activating them, granting and revoking admin."""

from __future__ import annotations

from taskcore.domain.events import Change, UserAdminUpdated, change
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.values import UNSET, Unset
from taskcore.errors import LastAdmin, UserNotFound
from taskcore.services import access
from taskcore.services.users.base import UsersBase
from taskcore.services.users.tokens import revoke_all_tokens
from taskcore.services.users.views import Principal, UserView


class Administration(UsersBase):
    """The administrators' use cases on accounts."""

    def list_users(self, actor: Principal, page: PageRequest) -> Page[UserView]:
        """All accounts, oldest first (admins only).

        Raises:
            AdminRequired: the caller is not an administrator.
        """
        access.require_admin(actor)
        with self._tx() as work:
            found = work.uow.users.list(page)
        return Page(
            items=[UserView.of(u) for u in found.items],
            page=found.page,
            per_page=found.per_page,
            total=found.total,
        )

    def admin_update(
        self,
        actor: Principal,
        user_id: int,
        *,
        is_active: bool | Unset = UNSET,
        is_admin: bool | Unset = UNSET,
    ) -> UserView:
        """Activate/deactivate an account or grant/revoke admin (admins only).

        Deactivating ends the account's sessions and revokes its personal access tokens.

        A change that would leave no active administrator is refused.

        Raises:
            AdminRequired: the caller is not an administrator.
            UserNotFound: no such user.
            LastAdmin: the change would remove the last active administrator.
        """
        access.require_admin(actor)
        with self._tx() as work:
            users = work.uow.users
            user = users.get(user_id)
            if user is None:
                raise UserNotFound(user_id)
            active_change: Change | None = None
            admin_change: Change | None = None
            was_active_admin = user.is_admin and user.is_active
            if is_active is not UNSET and is_active != user.is_active:
                active_change = change(user.is_active, is_active)
                user.is_active = is_active
                if not is_active:
                    now = self._clock.now()
                    work.uow.sessions.revoke_all(user.key, now=now, reason="deactivated")
                    revoke_all_tokens(
                        work, user.key, now=now, reason="deactivated", actor_id=actor.user_id
                    )
            if is_admin is not UNSET and is_admin != user.is_admin:
                admin_change = change(user.is_admin, is_admin)
                user.is_admin = is_admin
            still_active_admin = user.is_admin and user.is_active
            if was_active_admin and not still_active_admin and users.count_active_admins() <= 1:
                raise LastAdmin()
            if active_change or admin_change:
                user = users.update(user)
                work.record(
                    UserAdminUpdated(
                        occurred_at=self._clock.now(),
                        actor_id=actor.user_id,
                        entity_id=user.key,
                        is_active=active_change,
                        is_admin=admin_change,
                    )
                )
                work.commit()
        return UserView.of(user)
