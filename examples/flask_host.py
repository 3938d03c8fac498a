"""taskcore inside a Flask application: the API and the pages under ``/tasks``.

Flask speaks WSGI and taskcore's server ASGI: ``a2wsgi`` adapts one to the other and
werkzeug's ``DispatcherMiddleware`` sends every path under ``/tasks`` to taskcore (which
sees ``/tasks`` as its mount prefix). The host's own views call the same use cases
directly. A WSGI server runs no ASGI start-up, so the host starts taskcore's background
thread itself (``start_background``) and closes the runtime when it stops.

Run: python examples/flask_host.py (exercises the host once), or serve
``flask_host:create_host()`` with any WSGI server.
"""

from __future__ import annotations

from typing import Any

from a2wsgi import ASGIMiddleware
from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from taskcore.domain.pagination import PageRequest
from taskcore.services.users import Principal
from taskcore_adapters import Runtime, in_memory
from taskcore_adapters.host import create_app

PREFIX = "/tasks"
OPERATOR_PASSWORD = "kept in the host's secret store"


def operator(rt: Runtime) -> Principal:
    """The host's operator account in taskcore (created, or promoted if it exists)."""
    user, _ = rt.core.users.create_admin(
        username="operator", email="ops@example.com", password=OPERATOR_PASSWORD
    )
    return Principal(user_id=user.id, username=user.username, is_admin=True)


def create_host(rt: Runtime) -> Flask:
    """The Flask host, with taskcore mounted at :data:`PREFIX`."""
    ops = operator(rt)
    rt.start_background()  # periodic jobs and retries; stopped by rt.close()
    host = Flask(__name__)

    @host.get("/")
    def home() -> ResponseReturnValue:
        return jsonify(app="example host", tasks=f"{PREFIX}/", api=f"{PREFIX}/openapi.json")

    @host.get("/accounts/count")
    def account_count() -> ResponseReturnValue:
        """Host code calling taskcore's use cases directly."""
        return jsonify(accounts=rt.core.users.list_users(ops, PageRequest(per_page=1)).total)

    # Starlette's and a2wsgi's ASGI and WSGI type names differ; the protocols are the same.
    taskcore_app: Any = create_app(rt)
    taskcore_wsgi: Any = ASGIMiddleware(taskcore_app)
    host.wsgi_app = DispatcherMiddleware(  # type: ignore[method-assign]
        host.wsgi_app, {PREFIX: taskcore_wsgi}
    )
    return host


def main() -> None:
    with in_memory() as rt:
        client = create_host(rt).test_client()
        login = client.post(
            f"{PREFIX}/api/login", json={"username": "operator", "password": OPERATOR_PASSWORD}
        )
        auth = {"Authorization": f"Bearer {login.get_json()['token']}"}
        created = client.post(f"{PREFIX}/api/projects", json={"name": "Hosted"}, headers=auth)
        print("created through the mounted API:", created.get_json()["project"]["name"])
        print("counted by the host's own view:", client.get("/accounts/count").get_json())
        page = client.get(f"{PREFIX}/dashboard", buffered=True)  # read whole, as servers do
        print("the pages redirect within the prefix:", page.headers["Location"])


if __name__ == "__main__":
    main()
