"""The import pages: a file uploaded and previewed (its first rows, a select per column, the
dry run's problems by line), remapped without a second upload, started, and followed on a
progress page that refreshes itself while the run goes on; who may import; bad files."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path
from typing import Any

import pytest

from taskcore.domain.import_mapping import RunStatus
from taskcore.domain.pagination import PageRequest
from taskcore_adapters.bootstrap import Runtime
from taskcore_adapters.sql.uow import SqlAlchemyUnitOfWorkFactory
from taskcore_adapters.web.testing import Browser

FIXTURES = Path(__file__).parents[2] / "fixtures" / "imports"

CSV = (
    "Key,Summary,State,Who,Colour\n"
    "A-1,Pack the boxes,To Do,bob,red\n"
    "A-2,Book the van,Doing,carol,blue\n"
    "A-3,Clean the flat,Done,,green\n"
)
"""Another tracker's export: ``Who`` is not a name the mapping guesses; ``carol`` is no
member of the project."""

_CARRIED = re.compile(r'name="carried" value="([^"]*)"')


def _apollo(browser: Browser, runtime: Runtime, *, bob_role: str | None = "member") -> None:
    """Alice's project 1; Bob (user 3) in it with ``bob_role``; Carol (user 4) outside."""
    browser.register("alice")
    browser.get("/projects")
    browser.post("/projects", {"name": "Apollo"})
    admin = runtime.core.users.register(
        username="root",
        email="root@example.com",
        password="long enough",
        full_name="R",
        is_admin=True,
    )
    for name in ("bob", "carol"):
        runtime.core.users.register(
            username=name, email=f"{name}@example.com", password="long enough", full_name=name
        )
    if bob_role is not None:
        runtime.core.projects.add_member(
            runtime.core.as_user(admin.id), 1, user_id=3, role=bob_role
        )


def _send(browser: Browser, data: bytes, name: str = "tasks.csv", **fields: str) -> Any:
    """The import form with a file, as a browser sends it (the CSRF token first)."""
    browser.get("/projects/1/import")
    return browser.client.post(
        "/projects/1/import",
        data={"csrf_token": browser.csrf, "format": "csv", **fields},
        files={"file": (name, data, "application/octet-stream")},
    )


def _again(browser: Browser, previewed: Any, **fields: str) -> Any:
    """The preview page's form sent back: no file chosen, the previewed one carried."""
    carried = _CARRIED.search(previewed.text)
    assert carried is not None
    browser.csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', previewed.text).group(1)  # type: ignore[union-attr]
    return browser.client.post(
        "/projects/1/import",
        data={"csrf_token": browser.csrf, "carried": carried.group(1), **fields},
        files={"file": ("", b"", "application/octet-stream")},
    )


def _selected(page: str, index: int) -> str:
    """The field chosen in column ``index``'s select ('' for not imported)."""
    select = re.search(rf'<select id="im-col-{index}".*?</select>', page, re.S)
    assert select is not None
    chosen = re.search(r'<option value="([^"]*)" selected>', select.group(0))
    return chosen.group(1) if chosen else ""


def _tasks(runtime: Runtime) -> dict[str, Any]:
    found = runtime.core.tasks.list_tasks(runtime.core.as_user(1), 1, page=PageRequest(per_page=50))
    return {t.title: t for t in found.items}


def test_the_board_links_to_the_import_page(browser: Browser, runtime: Runtime) -> None:
    _apollo(browser, runtime)
    assert 'href="/projects/1/import"' in browser.get("/projects/1").text
    form = browser.get("/projects/1/import")
    assert (200, True) == (form.status_code, 'enctype="multipart/form-data"' in form.text)


def test_the_preview_shows_the_first_rows_and_a_select_per_column(
    browser: Browser, runtime: Runtime
) -> None:
    """The guessed mapping is preselected; choosing ``Who`` for the assignees and
    previewing again (without a second upload) applies it: Carol's row has a problem."""
    _apollo(browser, runtime)
    previewed = _send(browser, CSV.encode())
    page = previewed.text
    assert 200 == previewed.status_code
    assert "<td>Pack the boxes</td>" in page
    assert "<td>blue</td>" in page
    assert ["external_id", "title", "status", "", ""] == [_selected(page, i) for i in range(5)]
    assert "3 rows: <strong>3</strong> would be imported" in page
    assert "Columns not imported: Who, Colour" in page

    mapped = _again(
        browser,
        previewed,
        mapped="1",
        format="csv",
        **{"column.0": "external_id", "column.1": "title", "column.2": "status"},
        **{"column.3": "assignees", "column.4": ""},
    )
    assert 200 == mapped.status_code
    assert "assignees" == _selected(mapped.text, 3)
    assert (
        "3 rows: <strong>2</strong> would be imported, <strong>1</strong> left out" in mapped.text
    )
    assert "'carol' is not a member of the project" in html.unescape(mapped.text)
    assert {} == _tasks(runtime)


def test_a_bad_mapping_is_shown_with_the_columns(browser: Browser, runtime: Runtime) -> None:
    """Two columns feeding one field, or none the title: a 400 saying so, the selects
    still there to fix it."""
    _apollo(browser, runtime)
    previewed = _send(browser, CSV.encode())
    twice = _again(browser, previewed, mapped="1", **{"column.1": "title", "column.3": "title"})
    untitled = _again(browser, previewed, mapped="1", **{"column.0": "external_id"})
    assert (400, True) == (twice.status_code, "both feed title" in html.unescape(twice.text))
    assert (400, True) == (untitled.status_code, "feeds the title" in untitled.text)
    assert 'id="im-col-4"' in untitled.text


def test_the_dry_run_lists_every_problem_by_line_and_field(
    browser: Browser, runtime: Runtime
) -> None:
    _apollo(browser, runtime)
    data = (
        b"title,status,assignees,due_date\n"
        b"Fine,done,bob,2026-01-01\n"
        b"=cmd|' /C calc'!A0,nonsense,carol,someday\n"
        b",todo,,\n"
    )
    page = _send(browser, data).text
    rows = re.findall(r"<tr><td>(\d+)</td><td>([a-z_]+)</td><td>([^<]*)</td></tr>", page)
    assert {
        (3, "title"),
        (3, "status"),
        (3, "assignees"),
        (3, "due_date"),
        (4, "title"),
    } == {(int(line), field) for line, field, _ in rows}
    assert any("formula" in reason for _, _, reason in rows)
    assert "<strong>1</strong> would be imported" in page
    assert "Import 1 row</button>" in page
    assert {} == _tasks(runtime)


def _follow(browser: Browser, url: str) -> Any:
    """The progress page once the run has ended."""
    deadline = time.monotonic() + 30
    while True:
        page = browser.get(url)
        if 'http-equiv="refresh"' not in page.text or time.monotonic() > deadline:
            return page
        time.sleep(0.05)


def test_a_real_run_to_completion_and_its_progress_page(browser: Browser, runtime: Runtime) -> None:
    """Starting redirects to the run's page; it ends done with every row counted, the
    tasks mapped, and a link back to the board; a run still going refreshes itself."""
    _apollo(browser, runtime)
    previewed = _send(browser, CSV.encode(), source="tracker")
    started = _again(
        browser,
        previewed,
        action="start",
        format="csv",
        source="tracker",
        mapped="1",
        **{"column.0": "external_id", "column.1": "title", "column.2": "status"},
    )
    assert 200 == started.status_code
    run_url = str(started.url.path)
    assert re.fullmatch(r"/projects/1/imports/\d+", run_url)
    done = _follow(browser, run_url)
    assert 'id="ir-status">done<' in done.text
    assert ("3 of 3", "3", "0", "0") == tuple(
        re.search(rf'id="ir-{name}">([^<]*)<', done.text).group(1)  # type: ignore[union-attr]
        for name in ("done", "created", "updated", "skipped")
    )
    assert '<a href="/projects/1">Back to the board</a>' in done.text
    made = _tasks(runtime)
    assert ("completed", "in_progress") == (
        made["Clean the flat"].status.value,
        made["Book the van"].status.value,
    )

    run_id = int(run_url.rsplit("/", 1)[1])
    assert "/projects/2" == browser.post("/projects", {"name": "Gemini"}).url.path
    assert 404 == browser.get(f"/projects/2/imports/{run_id}").status_code  # not its project
    assert runtime.engine is not None
    with SqlAlchemyUnitOfWorkFactory(runtime.engine)() as uow:  # as if halfway through
        run = uow.imports.get_run(run_id, for_update=True)
        assert run is not None
        run.status, run.done = RunStatus.RUNNING, 1
        uow.imports.save_run(run)
        uow.commit()
    going = browser.get(run_url).text
    assert '<meta http-equiv="refresh" content="2">' in going
    assert 'id="ir-done">1 of 3<' in going
    assert "Back to the board" not in going


def test_a_viewer_is_refused_and_an_outsider_sees_nothing(
    browser: Browser, other_browser: Browser, runtime: Runtime
) -> None:
    _apollo(browser, runtime, bob_role="viewer")
    other_browser.login("bob", "long enough")
    refused = _send(other_browser, CSV.encode())
    assert 403 == refused.status_code
    assert {} == _tasks(runtime)
    previewed = _send(browser, CSV.encode())
    started = _again(browser, previewed, action="start")
    run_url = str(started.url.path)
    _follow(browser, run_url)
    carol = Browser(other_browser.client)
    other_browser.client.cookies.clear()
    carol.login("carol", "long enough")
    assert 404 == carol.get("/projects/1/import").status_code
    assert 404 == carol.get(run_url).status_code


@pytest.mark.parametrize(
    ("data", "fields", "words"),
    [
        ("title\nCafé\n".encode("latin-1"), {}, "not UTF-8"),
        (b"", {}, "Choose a file"),
        (b"title,title\nA,B\n", {}, "column"),
        (b"{not json", {"format": "trello"}, "not valid JSON"),
        (b'{"cards": 1}', {"format": "trello"}, "Not a Trello board"),
        (b"title\nA\n", {"format": "excel"}, "format must be one of"),
    ],
)
def test_a_bad_file_is_shown_on_the_page(
    browser: Browser, runtime: Runtime, data: bytes, fields: dict[str, str], words: str
) -> None:
    _apollo(browser, runtime)
    refused = _send(browser, data, **fields)
    assert (400, True) == (refused.status_code, words in html.unescape(refused.text))
    assert 'class="error"' in refused.text


def test_a_file_over_the_limit_is_refused_before_it_is_read(
    browser: Browser, runtime: Runtime
) -> None:
    _apollo(browser, runtime)
    browser.get("/projects/1/import")
    refused = browser.client.post(
        "/projects/1/import",
        content=b"x" * 10,
        headers={
            "content-type": "multipart/form-data; boundary=x",
            "content-length": str(80 * 1024 * 1024),
        },
    )
    assert (413, True) == (refused.status_code, "larger than 50 MiB" in refused.text)


def test_a_form_without_its_csrf_token_is_refused(browser: Browser, runtime: Runtime) -> None:
    _apollo(browser, runtime)
    browser.csrf = "0" * 64
    assert 403 == _send_raw(browser, CSV.encode()).status_code
    assert {} == _tasks(runtime)


def _send_raw(browser: Browser, data: bytes) -> Any:
    return browser.client.post(
        "/projects/1/import",
        data={"csrf_token": browser.csrf, "format": "csv", "action": "start"},
        files={"file": ("tasks.csv", data, "text/csv")},
    )


def test_jira_and_trello_files_are_previewed_with_their_mapping(
    browser: Browser, runtime: Runtime
) -> None:
    """The other trackers' formats decide the mapping: no selects, the columns listed."""
    _apollo(browser, runtime)
    jira = _send(browser, (FIXTURES / "jira_issues.csv").read_bytes(), format="jira")
    trello = _send(browser, (FIXTURES / "trello_board.json").read_bytes(), format="trello")
    for page in (jira, trello):
        assert (200, False) == (page.status_code, 'id="im-col-0"' in page.text)
        assert "would be imported" in page.text
    assert "“Summary” → title" in jira.text
    assert "“list” → status" in trello.text
