"""Names shared by the locust file and the runner (which must not import locust: locust
patches the standard library with gevent when imported)."""

from __future__ import annotations

GET_TASK = "GET /api/tasks/{id}"
LIST_TASKS = "GET /api/projects/{id}/tasks"
PUT_TASK = "PUT /api/tasks/{id}"
POST_COMMENT = "POST /api/tasks/{id}/comments"
POST_UPLOAD = "POST /api/tasks/{id}/attachments"
POST_LOGIN = "POST /api/login"
BASELINE = "baseline: GET /tasks/{id} (bare Starlette)"
BASELINE_USERS = 2
"""Users reading from the baseline app beside the mix."""
