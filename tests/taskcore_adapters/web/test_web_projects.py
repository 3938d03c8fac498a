"""The project pages: list and creation, the board and its moves, members; the task page
with comments and attachments; the inbox and the reports page."""

from __future__ import annotations

import re

import pytest

from taskcore.domain.pagination import PageRequest
from taskcore.services.tasks import TaskFilters
from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.web.projects import new_position
from taskcore_adapters.web.testing import PASSWORD, Browser

XSS = "<script>alert(1)</script>"


def actor(runtime: Runtime, username: str) -> Principal:
    """The principal of ``username`` (logged in directly through the core)."""
    users = runtime.core.users
    principal: Principal = users.authenticate(
        users.login(username=username, password=PASSWORD).token
    )
    return principal


def accept_invitation(browser: Browser, runtime: Runtime, username: str) -> None:
    """``username`` (logged in on ``browser``) accepts their newest invitation on the
    invitations page."""
    [invitation, *_] = runtime.core.projects.my_invitations(actor(runtime, username)).items
    page = browser.get("/invitations")
    assert invitation.project_name in page.text
    accepted = browser.post(f"/invitations/{invitation.id}/accept")
    assert "Invitation accepted." in accepted.text


def column_titles(html: str, status: str) -> list[str]:
    """The card titles of one board column, top to bottom."""
    section = html.split(f'data-status="{status}"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'class="task-title" href="/tasks/\d+">([^<]*)<', section)


@pytest.fixture
def project(browser: Browser) -> int:
    """Alice, logged in, owns project 1 with tasks First, Second and Third (pending)."""
    browser.register("alice")
    browser.get("/projects")
    browser.post("/projects", {"name": "Apollo", "description": "To the moon"})
    for title in ("First", "Second", "Third"):
        browser.post("/projects/1/tasks", {"title": title, "status": "pending"})
    return 1


class TestProjects:
    def test_create_project_and_list_it(self, browser: Browser) -> None:
        """A created project opens its board and is listed with the caller's role."""
        browser.register("alice")
        browser.get("/projects")
        board = browser.post("/projects", {"name": "Apollo", "priority": "high"})
        assert ("/projects/1", "Project created.") == (
            board.url.path,
            "Project created." if "Project created." in board.text else "",
        )
        listing = browser.get("/projects")
        assert "your role: owner" in listing.text

    def test_project_errors_keep_the_input(self, browser: Browser) -> None:
        """The core's date-range message shows next to the field; typed values stay."""
        browser.register("alice")
        browser.get("/projects")
        response = browser.post(
            "/projects",
            {"name": "Apollo", "start_date": "2026-05-02", "end_date": "2026-05-01"},
        )
        assert 400 == response.status_code
        assert "End date cannot be before start date" in response.text
        assert 'value="Apollo"' in response.text
        assert 'value="2026-05-02"' in response.text

    def test_titles_are_escaped(self, browser: Browser) -> None:
        """A script in a project or task title is shown as text, never run."""
        browser.register("alice")
        browser.get("/projects")
        browser.post("/projects", {"name": XSS, "description": XSS})
        board = browser.post("/projects/1/tasks", {"title": XSS, "description": XSS})
        task = browser.get("/tasks/1")
        for html in (board.text, task.text, browser.get("/projects").text):
            assert XSS not in html
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    def test_owner_edits_and_deletes_the_project(self, browser: Browser, project: int) -> None:
        """Owners change the project's fields and delete it."""
        browser.get("/projects/1")
        saved = browser.post(
            "/projects/1",
            {
                "name": "Artemis",
                "description": "",
                "status": "completed",
                "priority": "low",
                "start_date": "",
                "end_date": "",
            },
        )
        assert "<h1>Artemis</h1>" in saved.text
        gone = browser.post("/projects/1/delete")
        assert ("/projects", 404) == (gone.url.path, browser.get("/projects/1").status_code)


class TestBoard:
    def test_columns_hold_cards_in_board_order(self, browser: Browser, project: int) -> None:
        """Each status is a column, its cards in position order."""
        html = browser.get("/projects/1").text
        assert ["First", "Second", "Third"] == column_titles(html, "pending")
        assert [] == column_titles(html, "completed")

    def test_moving_a_card_to_another_column(
        self, browser: Browser, project: int, runtime: Runtime
    ) -> None:
        """The plain move form changes the task's status through the core."""
        browser.get("/projects/1")
        html = browser.post("/tasks/2/move", {"status": "in_progress"}).text
        assert (["First", "Third"], ["Second"]) == (
            column_titles(html, "pending"),
            column_titles(html, "in_progress"),
        )
        assert "in_progress" == runtime.core.tasks.get_task(actor(runtime, "alice"), 2).status

    def test_moving_a_card_up_and_down(self, browser: Browser, project: int) -> None:
        """Up and down swap a card with its neighbour; at the edge nothing changes."""
        browser.get("/projects/1")
        html = browser.post("/tasks/3/move", {"status": "pending", "direction": "up"}).text
        assert ["First", "Third", "Second"] == column_titles(html, "pending")
        html = browser.post("/tasks/1/move", {"status": "pending", "direction": "down"}).text
        assert ["Third", "First", "Second"] == column_titles(html, "pending")
        html = browser.post("/tasks/2/move", {"status": "pending", "direction": "down"}).text
        assert ["Third", "First", "Second"] == column_titles(html, "pending")

    def test_moving_a_card_before_another(self, browser: Browser, project: int) -> None:
        """Drag-and-drop's form (column and the card to go before) places the card there."""
        browser.get("/projects/1")
        browser.post("/tasks/1/move", {"status": "completed"})
        html = browser.post("/tasks/3/move", {"status": "completed", "before": "1"}).text
        assert ["Third", "First"] == column_titles(html, "completed")

    def test_unknown_column_gets_the_core_message(self, browser: Browser, project: int) -> None:
        """A status the core does not know is refused with its message."""
        browser.get("/projects/1")
        response = browser.post("/tasks/1/move", {"status": "nowhere"})
        assert (400, True) == (response.status_code, "Invalid status" in response.text)

    def test_new_position_between_neighbours(
        self, runtime: Runtime, browser: Browser, project: int
    ) -> None:
        """A card goes halfway between its new neighbours, or past the ends."""
        tasks = runtime.core.tasks.list_tasks(
            actor(runtime, "alice"),
            1,
            filters=TaskFilters(sort="position", order="asc"),
            page=PageRequest(),
        ).items
        first, second, third = tasks
        assert (first.position + second.position) / 2 == new_position(tasks, third, second.id)
        assert first.position - 1 == new_position(tasks, third, first.id)
        assert third.position + 1 == new_position(tasks, first, None)

    def test_task_errors_keep_the_input(self, browser: Browser, project: int) -> None:
        """A bad due date gets the core's message next to the field, keeping the title."""
        browser.get("/projects/1")
        response = browser.post(
            "/projects/1/tasks", {"title": "Launch", "due_date": "someday", "labels": "a, b"}
        )
        assert 400 == response.status_code
        assert 'id="nt-due_date-error">' in response.text
        assert 'value="Launch"' in response.text
        assert 'value="a, b"' in response.text

    def test_drag_and_drop_script_is_external(self, browser: Browser, project: int) -> None:
        """The board loads its script from /static, and cards are draggable for writers."""
        html = browser.get("/projects/1").text
        assert '<script src="/static/board.js" defer></script>' in html
        assert 'draggable="true"' in html


class TestAccess:
    def test_non_members_do_not_see_the_project(
        self, browser: Browser, other_browser: Browser, project: int
    ) -> None:
        """Another user gets the core's 404 for the board, a task and the members page."""
        other_browser.register("mallory")
        for url in ("/projects/1", "/tasks/1", "/projects/1/members"):
            response = other_browser.get(url)
            assert 404 == response.status_code, url

    def test_viewers_cannot_write(
        self, browser: Browser, other_browser: Browser, project: int, runtime: Runtime
    ) -> None:
        """A viewer sees the board without forms, and the core refuses their posts."""
        other_browser.register("victor")
        victor = actor(runtime, "victor").user_id
        browser.get("/projects/1/members")
        browser.post("/projects/1/members", {"user_id": str(victor), "role": "viewer"})
        accept_invitation(other_browser, runtime, "victor")
        html = other_browser.get("/projects/1").text
        assert "New task" not in html
        assert 'draggable="true"' not in html
        response = other_browser.post("/projects/1/tasks", {"title": "Sneaky"})
        assert (403, True) == (
            response.status_code,
            "You do not have permission to change tasks in this project" in response.text,
        )
        assert 403 == other_browser.post("/tasks/1/move", {"status": "completed"}).status_code


class TestMembers:
    def test_owner_adds_changes_and_removes_members(
        self, browser: Browser, other_browser: Browser, project: int, runtime: Runtime
    ) -> None:
        """Owners invite a user by id; once they accept, change their role and remove
        them."""
        other_browser.register("bob")
        bob = actor(runtime, "bob").user_id
        browser.get("/projects/1/members")
        invited = browser.post("/projects/1/members", {"user_id": str(bob), "role": "member"})
        assert "Invitation sent to bob; they join by accepting it." in invited.text
        assert "Revoke the invitation of bob" in invited.text
        assert "Apollo" not in other_browser.get("/projects").text
        accept_invitation(other_browser, runtime, "bob")
        assert "Apollo" in other_browser.get("/projects").text
        changed = browser.post(f"/projects/1/members/{bob}", {"action": "role", "role": "owner"})
        assert "Role changed." in changed.text
        removed = browser.post(f"/projects/1/members/{bob}", {"action": "remove"})
        assert "Member removed." in removed.text
        assert 404 == other_browser.get("/projects/1").status_code

    def test_members_are_added_by_username_too(
        self, browser: Browser, other_browser: Browser, project: int
    ) -> None:
        """A username, in any case, invites that person; an unknown name is refused in
        place."""
        other_browser.register("carol")
        browser.get("/projects/1/members")
        added = browser.post("/projects/1/members", {"user_id": "Carol", "role": "viewer"})
        assert "Invitation sent to carol" in added.text
        unknown = browser.post("/projects/1/members", {"user_id": "nobody", "role": "member"})
        assert (404, True) == (unknown.status_code, 'value="nobody"' in unknown.text)

    def test_unknown_user_keeps_the_input(self, browser: Browser, project: int) -> None:
        """An unknown user id is refused next to the field, keeping it."""
        browser.get("/projects/1/members")
        response = browser.post("/projects/1/members", {"user_id": "999", "role": "member"})
        assert 404 == response.status_code
        assert 'id="am-user_id-error">User not found<' in response.text
        assert 'value="999"' in response.text

    def test_last_owner_stays(self, browser: Browser, project: int, runtime: Runtime) -> None:
        """The core's last-owner rule shows as a notice."""
        alice = actor(runtime, "alice").user_id
        browser.get("/projects/1/members")
        response = browser.post(
            f"/projects/1/members/{alice}", {"action": "role", "role": "member"}
        )
        assert "owner" in response.text
        assert "Role changed." not in response.text


class TestInvitations:
    def test_invitee_declines_and_owner_revokes(
        self, browser: Browser, other_browser: Browser, project: int, runtime: Runtime
    ) -> None:
        """The invitee sees the invitation (names escaped) and declines it; the owner's
        next invitation is listed on the members page and revoked there; neither adds
        the user."""
        other_browser.register("bob")
        bob = actor(runtime, "bob").user_id
        runtime.core.projects.update_project(actor(runtime, "alice"), 1, name="<i>Apollo</i>")
        browser.get("/projects/1/members")
        browser.post("/projects/1/members", {"user_id": str(bob), "role": "viewer"})
        page = other_browser.get("/invitations")
        assert "&lt;i&gt;Apollo&lt;/i&gt;" in page.text
        assert "<i>Apollo</i>" not in page.text
        [invitation] = runtime.core.projects.my_invitations(actor(runtime, "bob")).items
        declined = other_browser.post(f"/invitations/{invitation.id}/decline")
        assert "Invitation declined." in declined.text
        assert "No pending invitations." in declined.text
        browser.get("/projects/1/members")
        browser.post("/projects/1/members", {"user_id": str(bob), "role": "viewer"})
        [again] = runtime.core.projects.my_invitations(actor(runtime, "bob")).items
        members = browser.get("/projects/1/members")
        assert "Pending invitations" in members.text
        revoked = browser.post(f"/invitations/{again.id}/revoke")
        assert "Invitation of bob revoked." in revoked.text
        late = other_browser.post(f"/invitations/{again.id}/accept")
        assert "The invitation is no longer pending (it is revoked)" in late.text
        assert 404 == other_browser.get("/projects/1").status_code

    def test_only_the_invitee_answers(
        self, browser: Browser, other_browser: Browser, project: int, runtime: Runtime
    ) -> None:
        """Another user cannot accept someone's invitation (404), nor revoke it."""
        other_browser.register("mallory")
        runtime.core.users.register(
            username="bob", email="bob@example.com", password=PASSWORD, full_name="Bob"
        )
        bob = actor(runtime, "bob").user_id
        browser.get("/projects/1/members")
        browser.post("/projects/1/members", {"user_id": str(bob), "role": "member"})
        [invitation] = runtime.core.projects.my_invitations(actor(runtime, "bob")).items
        other_browser.get("/invitations")
        assert 404 == other_browser.post(f"/invitations/{invitation.id}/accept").status_code
        assert 404 == other_browser.post(f"/invitations/{invitation.id}/revoke").status_code
        assert 1 == runtime.core.projects.my_invitations(actor(runtime, "bob")).total


class TestTaskPage:
    def test_edit_task(self, browser: Browser, project: int, runtime: Runtime) -> None:
        """The edit form changes fields, labels and the assignee through the core."""
        browser.get("/tasks/1")
        response = browser.post(
            "/tasks/1",
            {
                "title": "First!",
                "description": "Details",
                "status": "in_progress",
                "priority": "critical",
                "assignee_id": "1",
                "due_date": "2030-01-02",
                "estimated_hours": "3",
                "actual_hours": "",
                "labels": "Backend, urgent",
                "version": "1",
            },
        )
        assert "Task saved." in response.text
        task = runtime.core.tasks.get_task(actor(runtime, "alice"), 1)
        assert ("First!", ("backend", "urgent"), 1, 3.0) == (
            task.title,
            task.labels,
            task.assignee_id,
            task.estimated_hours,
        )

    def test_stale_edit_is_refused_keeping_the_input(self, browser: Browser, project: int) -> None:
        """A form for an older version gets the core's conflict and keeps what was typed."""
        browser.get("/tasks/1")
        fields = {
            "title": "Mine",
            "description": "",
            "status": "pending",
            "priority": "low",
            "assignee_id": "",
            "due_date": "",
            "estimated_hours": "",
            "actual_hours": "",
            "labels": "",
        }
        browser.post("/tasks/1", {**fields, "version": "1"})
        response = browser.post("/tasks/1", {**fields, "title": "Stale", "version": "1"})
        assert 412 == response.status_code
        assert 'value="Stale"' in response.text

    def test_bad_hours_keep_the_input(self, browser: Browser, project: int) -> None:
        """Negative hours get the core's message next to the field."""
        browser.get("/tasks/1")
        response = browser.post(
            "/tasks/1",
            {
                "title": "First",
                "description": "",
                "status": "pending",
                "priority": "low",
                "assignee_id": "",
                "due_date": "",
                "estimated_hours": "-2",
                "actual_hours": "",
                "labels": "",
            },
        )
        assert 400 == response.status_code
        assert 'id="et-estimated_hours-error">Estimated hours cannot be negative<' in response.text
        assert 'value="-2"' in response.text

    def test_comments_add_edit_delete(self, browser: Browser, project: int) -> None:
        """Comments are added, edited and deleted with the core's rules."""
        browser.get("/tasks/1")
        empty = browser.post("/tasks/1/comments", {"content": "   "})
        assert (400, True) == (empty.status_code, 'id="nc-content-error"' in empty.text)
        added = browser.post("/tasks/1/comments", {"content": f"Looks good {XSS}"})
        assert "Looks good &lt;script&gt;" in added.text
        edited = browser.post("/comments/1", {"content": "Looks great"})
        assert "Looks great" in edited.text
        deleted = browser.post("/comments/1/delete")
        assert "No comments yet." in deleted.text

    def test_others_cannot_edit_a_comment(
        self, browser: Browser, other_browser: Browser, project: int, runtime: Runtime
    ) -> None:
        """Another member may not edit someone's comment (the core says so)."""
        other_browser.register("bob")
        bob = actor(runtime, "bob").user_id
        browser.get("/projects/1/members")
        browser.post("/projects/1/members", {"user_id": str(bob), "role": "member"})
        accept_invitation(other_browser, runtime, "bob")
        browser.get("/tasks/1")
        browser.post("/tasks/1/comments", {"content": "Alice's"})
        other_browser.get("/tasks/1")
        response = other_browser.post("/comments/1", {"content": "Bob's now"})
        assert (403, True) == (
            response.status_code,
            "You do not have permission to edit this comment" in response.text,
        )

    def test_attachments_upload_download_delete(self, browser: Browser, project: int) -> None:
        """A file is uploaded, downloaded as an attachment, and deleted."""
        page = browser.get("/tasks/1")
        assert "Up to 64 KiB." in page.text
        uploaded = browser.upload("/tasks/1/attachments", "notes.txt", b"hello moon", "text/plain")
        assert "notes.txt uploaded." in uploaded.text
        download = browser.client.get("/attachments/1/download")
        assert (200, b"hello moon") == (download.status_code, download.content)
        assert download.headers["content-disposition"].startswith("attachment;")
        assert "nosniff" == download.headers["x-content-type-options"]
        browser.get("/tasks/1")
        deleted = browser.post("/attachments/1/delete")
        assert "No attachments." in deleted.text

    def test_too_large_and_bad_files_are_refused_next_to_the_field(
        self, browser: Browser, project: int
    ) -> None:
        """The size limit and the type rules give the API's messages next to the file."""
        browser.get("/tasks/1")
        big = browser.upload("/tasks/1/attachments", "big.txt", b"x" * (200 * 1024))
        assert (413, True) == (big.status_code, 'id="up-file-error">File too large' in big.text)
        bad = browser.upload("/tasks/1/attachments", "run.exe", b"MZ", "application/octet-stream")
        assert (400, True) == (
            bad.status_code,
            'id="up-file-error">File type not allowed' in bad.text,
        )

    def test_history_for_members_only(
        self, browser: Browser, other_browser: Browser, project: int
    ) -> None:
        """The project's members see a task's history; an outsider gets no task at all."""
        page = browser.get("/tasks/1")
        assert 'id="h-history"' in page.text
        assert 'You created <a href="/tasks/1"><em>First</em></a>' in page.text
        other_browser.register("eve")
        assert 404 == other_browser.get("/tasks/1").status_code

    def test_delete_task(self, browser: Browser, project: int) -> None:
        """Deleting a task returns to the board without it."""
        browser.get("/tasks/2")
        board = browser.post("/tasks/2/delete")
        assert ["First", "Third"] == column_titles(board.text, "pending")


class TestInboxAndReports:
    def test_assignment_shows_in_the_inbox_and_can_be_read(
        self, browser: Browser, other_browser: Browser, project: int, runtime: Runtime
    ) -> None:
        """Assigning a task notifies the assignee's inbox; mark read clears it."""
        other_browser.register("bob")
        bob = actor(runtime, "bob").user_id
        browser.get("/projects/1/members")
        browser.post("/projects/1/members", {"user_id": str(bob), "role": "member"})
        accept_invitation(other_browser, runtime, "bob")
        other_browser.post("/inbox/read")  # the invitation's own notification
        browser.get("/projects/1")
        browser.post("/projects/1/tasks", {"title": "For Bob", "assignee_id": str(bob)})
        runtime.core.events.relay()
        inbox = other_browser.get("/inbox")
        assert "1 unread." in inbox.text
        assert "For Bob" in inbox.text
        dashboard = other_browser.get("/dashboard").text
        assert "Unread notifications (1)" in dashboard
        assert 'Inbox <span class="count-badge">1<' in dashboard
        other_browser.get("/inbox")
        done = other_browser.post("/inbox/read")
        assert "0 unread." in done.text

    def test_dashboard_lists_my_open_and_overdue_tasks(
        self, browser: Browser, project: int
    ) -> None:
        """Tasks assigned to me show as open, and past due ones as overdue."""
        browser.get("/projects/1")
        browser.post(
            "/projects/1/tasks", {"title": "Late one", "assignee_id": "1", "due_date": "2001-01-01"}
        )
        html = browser.get("/dashboard").text
        assert "Pending (1)" in html
        assert "Overdue (1)" in html
        assert html.count(">Late one</a>") == 2  # in both lists
        assert "You created <a" in html  # and in my activity

    def test_reports_page_charts_and_exports(self, browser: Browser, project: int) -> None:
        """The reports page draws SVG charts, requests a report and links its export."""
        page = browser.get("/reports")
        assert "<svg" in page.text
        assert "My tasks by status" in page.text
        bad = browser.post("/reports", {"name": "", "report_type": "project", "project_id": ""})
        assert 400 == bad.status_code
        made = browser.post(
            "/reports", {"name": "Apollo status", "report_type": "project", "project_id": "1"}
        )
        assert "Apollo status" in made.text
        link = re.search(r'href="(/reports/\d+/export\?format=csv)"', made.text)
        assert link is not None
        export = browser.client.get(link.group(1).replace("&amp;", "&"))
        assert (200, "field,value") == (export.status_code, export.text.splitlines()[0])
