"""The users area: accounts, authentication and sessions, profiles, administration."""

from taskcore.services.users.service import LoginResult, Principal, UserService, UserView

__all__ = ["LoginResult", "Principal", "UserService", "UserView"]
