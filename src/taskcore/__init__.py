"""taskcore: task management as a reusable library.

The public API: :func:`build` assembles an instance from ports; the error families live
in :mod:`taskcore.errors`. Adapters for real infrastructure live in ``taskcore_adapters``.
``__version__`` is the installed distribution's version (semantic versioning, see
``CHANGELOG.md``).
"""

from importlib import metadata

try:
    __version__ = metadata.version("taskcore")
except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare source tree
    __version__ = "0+unknown"

from taskcore.app import Taskcore, build
from taskcore.domain.comments import CommentView
from taskcore.domain.pagination import CursorPage, CursorRequest, Page, PageRequest
from taskcore.domain.projects import MemberView, Priority, ProjectStatus, ProjectView, Role
from taskcore.domain.tasks import TaskStatus, TaskView
from taskcore.domain.values import UNSET, Unset
from taskcore.errors import TaskcoreError
from taskcore.services.tasks import TaskFilters
from taskcore.services.users import LoginResult, Principal, UserView

__all__ = [
    "UNSET",
    "CommentView",
    "CursorPage",
    "CursorRequest",
    "LoginResult",
    "MemberView",
    "Page",
    "PageRequest",
    "Principal",
    "Priority",
    "ProjectStatus",
    "ProjectView",
    "Role",
    "TaskFilters",
    "TaskStatus",
    "TaskView",
    "Taskcore",
    "TaskcoreError",
    "Unset",
    "UserView",
    "__version__",
    "build",
]
