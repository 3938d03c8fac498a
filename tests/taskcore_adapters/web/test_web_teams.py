"""The team pages: creating a team and staffing it, and the teams section of a project's
members page, whose grant shows the project to the team's members at once."""

from __future__ import annotations

from taskcore_adapters.web.testing import Browser


def test_team_pages_and_project_grant(browser: Browser, other_browser: Browser) -> None:
    other_browser.register("bob")
    browser.register("alice")
    browser.post("/projects", {"name": "Apollo"})
    browser.post("/projects/1/tasks", {"title": "Plan", "status": "pending"})

    browser.get("/teams")
    created = browser.post("/teams", {"name": "Core", "description": "<b>devs</b>"})
    assert "Team Core created." in created.text
    assert "&lt;b&gt;devs&lt;/b&gt;" in created.text
    duplicate = browser.post("/teams", {"name": "core"})
    assert duplicate.status_code == 409
    assert "A team with this name already exists" in duplicate.text
    unknown = browser.post("/teams/1/members", {"username": "nobody", "role": "member"})
    assert unknown.status_code == 404
    added = browser.post("/teams/1/members", {"username": "bob", "role": "member"})
    assert "bob added." in added.text

    assert other_browser.get("/projects/1").status_code == 404
    members = browser.get("/projects/1/members")
    assert "Add a team" in members.text
    granted = browser.post("/projects/1/teams", {"team_id": "1", "role": "viewer"})
    assert "Team Core added." in granted.text
    board = other_browser.get("/projects/1")
    assert board.status_code == 200
    assert "Plan" in board.text
    assert "Core" in other_browser.get("/teams").text
    # bob sees the team section but not its forms.
    shown = other_browser.get("/projects/1/members")
    assert "Core" in shown.text
    assert "Add a team" not in shown.text

    browser.get("/teams/1")
    removed = browser.post("/teams/1/members/1", {"action": "remove"})  # bob is user 1
    assert "Member removed." in removed.text
    assert other_browser.get("/projects/1").status_code == 404

    browser.get("/teams/1")
    deleted = browser.post("/teams/1/delete")
    assert "Team deleted." in deleted.text
    assert browser.get("/teams/1").status_code == 404
