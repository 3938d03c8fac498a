"""taskcore: task management as a reusable library.

The public API: :func:`build` assembles an instance from ports; the error families live
in :mod:`taskcore.errors`. Adapters for real infrastructure live in ``taskcore_adapters``.
"""

from taskcore.app import Taskcore, build
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.values import UNSET, Unset
from taskcore.errors import TaskcoreError
from taskcore.services.users import LoginResult, Principal, UserView

__all__ = [
    "UNSET",
    "LoginResult",
    "Page",
    "PageRequest",
    "Principal",
    "Taskcore",
    "TaskcoreError",
    "Unset",
    "UserView",
    "build",
]
