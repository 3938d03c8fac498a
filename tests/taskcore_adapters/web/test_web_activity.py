"""The task page's history and the dashboard's activity, in words, with relative times
in the viewer's time zone."""

from __future__ import annotations

import re

from taskcore.domain.invitations import InvitationView
from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.web.testing import PASSWORD, Browser


def actor(runtime: Runtime, username: str) -> Principal:
    """The principal of ``username``."""
    users = runtime.core.users
    principal: Principal = users.authenticate(
        users.login(username=username, password=PASSWORD).token
    )
    return principal


def test_history_and_dashboard_speak_in_words(
    browser: Browser, other_browser: Browser, runtime: Runtime
) -> None:
    """Maria assigns "Pick a CMS" to Tom: Tom reads "maria assigned *Pick a CMS* to tom"
    on the task page, Maria reads "You assigned ..." on her dashboard; times are relative,
    exact in the viewer's time zone."""
    browser.register("maria")
    other_browser.register("tom")
    core = runtime.core
    maria, tom = actor(runtime, "maria"), actor(runtime, "tom")
    project = core.projects.create_project(maria, name="Website")
    invitation = core.projects.add_or_invite(maria, project.id, user_id=tom.user_id)
    assert isinstance(invitation, InvitationView)
    core.projects.accept_invitation(tom, invitation.id)
    task = core.tasks.create_task(maria, project.id, title="Pick a CMS")
    core.tasks.update_task(maria, task.id, assignee_id=tom.user_id)
    core.time.set_timezone(tom, "Asia/Tokyo")

    page = other_browser.get(f"/tasks/{task.id}").text
    history = page.split('id="h-history"', 1)[1]
    assert (
        f'<strong>maria</strong> assigned <a href="/tasks/{task.id}"><em>Pick a CMS</em></a>'
        " to <strong>tom</strong>"
    ) in history
    stamp = re.search(r'<time datetime="([^"]+)" title="([^"]+)">([^<]+)</time>', history)
    assert stamp is not None
    assert stamp.group(1).endswith("+09:00")
    assert stamp.group(2).endswith("(Asia/Tokyo)")
    assert "just now" == stamp.group(3)
    assert "assign task" not in page

    dashboard = browser.get("/dashboard").text
    assert f'You assigned <a href="/tasks/{task.id}"><em>Pick a CMS</em></a>' in dashboard
    assert "to <strong>tom</strong>" in dashboard
    assert "(UTC)" in dashboard
