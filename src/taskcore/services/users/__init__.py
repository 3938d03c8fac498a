"""The users area: accounts, authentication and sessions, profiles, administration.

Modules, one job each:

- :mod:`~taskcore.services.users.service`: :class:`UserService` (every use case; joins
  the parts below);
- :mod:`~taskcore.services.users.registration`: registering, and the operators'
  administrators (``create-admin``);
- :mod:`~taskcore.services.users.authentication`: logging in and out, refresh tokens and
  their reuse, verifying access tokens;
- :mod:`~taskcore.services.users.profiles`: reading accounts, one's own profile and
  password;
- :mod:`~taskcore.services.users.administration`: listing accounts, (de)activating them,
  granting and revoking admin;
- :mod:`~taskcore.services.users.tokens`: personal access tokens (creating, listing,
  revoking, authenticating with one);
- :mod:`~taskcore.services.users.views`: :class:`Principal`, :class:`UserView`,
  :class:`LoginResult`;
- :mod:`~taskcore.services.users.base`: what they share (collaborators, the security
  log, finding an account by login name, opening a session).
"""

from taskcore.services.users.service import UserService
from taskcore.services.users.views import LoginResult, Principal, UserView

__all__ = ["LoginResult", "Principal", "UserService", "UserView"]
