"""The activity log in words for the pages: "Maria assigned *Pick a CMS* to Tom, 3 hours
ago", the exact time (in the viewer's time zone) on hover.

Each entry becomes a sentence from what its event stored (``details``: the task's title
at the time, the ids of the people concerned), so nothing is looked up that the entry
does not already tell its reader; people are named from the project members the viewer
may see (``projects.list_members``), others as "someone".
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

import attrs
import jinja2
from markupsafe import Markup, escape

from taskcore import errors
from taskcore.domain.activity import ActivityView
from taskcore.domain.pagination import PageRequest
from taskcore.domain.recurrence import zone

MEMBERS_SIZE: Final = 100
"""The most members looked up per project to name people."""

SOMEONE: Final = "someone"

TOLD_ELSEWHERE: Final = frozenset({"status", "assignee_id", "assignee_ids"})
"""Changed fields an update entry leaves out: their own entries of the same change say
them ("moved ... from pending to in progress", "assigned ... to tom")."""

UNITS: Final = (("minute", 60, 3600), ("hour", 3600, 86400), ("day", 86400, 31 * 86400))
"""Units of relative times: name, seconds in one, used below this many seconds."""


@attrs.frozen(kw_only=True)
class Line:
    """One entry in words, and when it happened."""

    text: Markup
    time: Markup


@attrs.frozen(kw_only=True)
class Story:
    """What a sentence is made of: who did it, and the names of the people and the task
    it concerns."""

    who: Markup
    details: Mapping[str, Any]
    entity_id: int
    names: Mapping[int, str]

    def person(self, key: str) -> Markup:
        """The person whose id is ``details[key]``, by name."""
        user_id = self.details.get(key)
        if not isinstance(user_id, int) or user_id not in self.names:
            return escape(SOMEONE)
        return Markup("<strong>{}</strong>").format(self.names[user_id])

    def task(self, key: str = "") -> Markup:
        """The task (the entry's own, or the one whose id is ``details[key]``), linked,
        by title when the entry stored one."""
        task_id = self.details.get(key) if key else self.entity_id
        title = self.details.get("title") if not key else None
        text = Markup("<em>{}</em>").format(title) if title else Markup("task {}").format(task_id)
        return Markup('<a href="/tasks/{}">{}</a>').format(task_id, text)

    def project(self) -> Markup:
        """The project of the entry, linked, by name when the entry stored one."""
        project_id = self.details.get("project_id", self.entity_id)
        name = self.details.get("name")
        text = (
            Markup("<em>{}</em>").format(name) if name else Markup("project {}").format(project_id)
        )
        return Markup('<a href="/projects/{}">{}</a>').format(project_id, text)

    def words(self, key: str) -> str:
        """``details[key]`` as words (``in_progress`` → ``in progress``)."""
        return str(self.details.get(key, "")).replace("_", " ")


Sentence = Callable[[Story], Markup]


def _f(template: str, **parts: Callable[[Story], object]) -> Sentence:
    """A sentence from ``template`` (``{who}`` and the ``parts``, each made from the
    story and escaped unless it is markup already)."""

    def make(story: Story) -> Markup:
        values = {name: part(story) for name, part in parts.items()}
        return Markup(template).format(who=story.who, **values)  # noqa: S704  # nosec B704 - our own text, values escaped

    return make


def _task(story: Story) -> Markup:
    return story.task()


def _on_task(story: Story) -> Markup:
    return story.task("task_id")


def _project(story: Story) -> Markup:
    return story.project()


def _assign(story: Story) -> Markup:
    if story.details.get("assignee_id") is None:
        return Markup("{} unassigned {} from {}").format(
            story.who, story.person("old_assignee_id"), story.task()
        )
    return Markup("{} assigned {} to {}").format(
        story.who, story.task(), story.person("assignee_id")
    )


def _update(story: Story) -> Markup:
    changes = story.details.get("changes") or {}
    if "title" in changes and isinstance(changes["title"], Mapping):
        return Markup("{} renamed <em>{}</em> to {}").format(
            story.who, changes["title"].get("old", ""), story.task()
        )
    if "project_id" in changes:
        return Markup("{} moved {} to another project").format(story.who, story.task())
    own = [name for name in changes if name not in TOLD_ELSEWHERE]
    if changes and not own:
        return Markup("")  # said by the status or assignment entry of the same change
    if own == ["position"]:
        return Markup("{} reordered {} on the board").format(story.who, story.task())
    fields = ", ".join(str(name).replace("_", " ") for name in own if name != "position")
    return Markup("{} changed the {} of {}").format(story.who, fields or "details", story.task())


def _minutes(story: Story) -> str:
    minutes = story.details.get("minutes")
    if not isinstance(minutes, int):
        return "time"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if hours and rest else f"{hours} h" if hours else f"{rest} min"


SENTENCES: Final[dict[tuple[str, str], Sentence]] = {
    ("task", "create"): _f("{who} created {task}", task=_task),
    ("task", "update"): _update,
    ("task", "status_change"): _f(
        "{who} moved {task} from {old} to {new}",
        task=_task,
        old=lambda s: s.words("old"),
        new=lambda s: s.words("new"),
    ),
    ("task", "assign"): _assign,
    ("task", "delete"): _f("{who} deleted {task}", task=lambda s: s.details.get("title", "a task")),
    ("task", "add_relation"): _f(
        "{who} related {task} to another task ({kind})", task=_task, kind=lambda s: s.words("kind")
    ),
    ("task", "remove_relation"): _f("{who} removed a relation of {task}", task=_task),
    ("task", "override_blockers"): _f("{who} completed {task} although it was blocked", task=_task),
    ("task", "start_timer"): _f("{who} started a timer on {task}", task=_task),
    ("task", "stop_timer"): _f("{who} stopped the timer on {task}", task=_task),
    ("task", "set_recurrence"): _f("{who} made {task} repeat", task=_task),
    ("task", "clear_recurrence"): _f("{who} stopped {task} repeating", task=_task),
    ("task", "create_occurrence"): _f("{who} created the next occurrence of {task}", task=_task),
    ("task", "skip_occurrence"): _f("{who} skipped an occurrence of {task}", task=_task),
    ("task", "end_series"): _f("{who} ended the series of {task}", task=_task),
    ("task", "add_reminder"): _f("{who} added a reminder to {task}", task=_task),
    ("task", "delete_reminder"): _f("{who} removed a reminder from {task}", task=_task),
    ("task", "send_reminder"): _f("{who} sent a reminder about {task}", task=_task),
    ("project", "create"): _f("{who} created {project}", project=_project),
    ("project", "update"): _f("{who} changed {project}", project=_project),
    ("project", "delete"): _f("{who} deleted the project {name}", name=lambda s: s.words("name")),
    ("project", "add_member"): _f(
        "{who} added {user} to {project}", user=lambda s: s.person("user_id"), project=_project
    ),
    ("project", "remove_member"): _f(
        "{who} removed {user} from {project}", user=lambda s: s.person("user_id"), project=_project
    ),
    ("project", "change_member_role"): _f(
        "{who} changed the role of {user} in {project}",
        user=lambda s: s.person("user_id"),
        project=_project,
    ),
    ("project", "invite_member"): _f(
        "{who} invited {user} to {project}", user=lambda s: s.person("user_id"), project=_project
    ),
    ("project", "accept_invitation"): _f("{who} joined {project}", project=_project),
    ("project", "decline_invitation"): _f(
        "{who} declined the invitation to {project}", project=_project
    ),
    ("project", "revoke_invitation"): _f(
        "{who} withdrew the invitation of {user} to {project}",
        user=lambda s: s.person("user_id"),
        project=_project,
    ),
    ("comment", "add_comment"): _f(
        "{who} commented on {task}: “{text}”",
        task=_on_task,
        text=lambda s: s.details.get("content_snippet", ""),
    ),
    ("comment", "update"): _f("{who} edited a comment on {task}", task=_on_task),
    ("comment", "delete"): _f("{who} deleted a comment on {task}", task=_on_task),
    ("comment", "mention"): _f(
        "{who} mentioned {user} in a comment on {task}",
        user=lambda s: s.person("user_id"),
        task=_on_task,
    ),
    ("attachment", "upload"): _f(
        "{who} attached {file} to {task}", file=lambda s: s.words("filename"), task=_on_task
    ),
    ("attachment", "download"): _f(
        "{who} downloaded {file} from {task}", file=lambda s: s.words("filename"), task=_on_task
    ),
    ("attachment", "delete"): _f(
        "{who} removed {file} from {task}", file=lambda s: s.words("filename"), task=_on_task
    ),
    ("time_entry", "log"): _f("{who} logged {time} on {task}", time=_minutes, task=_on_task),
    ("time_entry", "update"): _f("{who} edited a time entry on {task}", task=_on_task),
    ("time_entry", "delete"): _f("{who} deleted a time entry on {task}", task=_on_task),
    ("custom_field", "create"): _f(
        "{who} added the custom field {key}", key=lambda s: s.words("key")
    ),
    ("custom_field", "update"): _f(
        "{who} changed the custom field {key}", key=lambda s: s.words("key")
    ),
    ("custom_field", "delete"): _f(
        "{who} removed the custom field {key}", key=lambda s: s.words("key")
    ),
    ("user", "create"): _f("{who} registered"),
    ("user", "login"): _f("{who} logged in"),
    ("user", "logout"): _f("{who} logged out"),
    ("user", "update"): _f("{who} updated a profile"),
    ("user", "admin_update"): _f("{who} changed an account's access"),
    ("user", "refresh_token_reuse"): _f("A reused sign-in was refused for {who}"),
    ("user", "change_digest"): _f("{who} changed the daily digest"),
    ("user", "send_daily_digest"): _f("The daily digest was sent to {who}"),
    ("user", "create_calendar_feed"): _f("{who} created a calendar feed"),
    ("user", "delete_calendar_feed"): _f("{who} deleted a calendar feed"),
    ("user", "change_timezone"): _f("{who} changed the time zone"),
    ("user", "create_external"): _f(
        "{who} signed in for the first time through {provider}",
        provider=lambda s: s.words("provider"),
    ),
    ("user", "link_identity"): _f(
        "{who} linked a sign-in through {provider}", provider=lambda s: s.words("provider")
    ),
    ("user", "create_access_token"): _f(
        "{who} created the access token {name}", name=lambda s: s.words("name")
    ),
    ("user", "revoke_access_token"): _f(
        "{who} revoked the access token {name}", name=lambda s: s.words("name")
    ),
    ("project", "add_team"): _f(
        "{who} gave the team {team} access to {project}",
        team=lambda s: s.words("team_name"),
        project=_project,
    ),
    ("project", "change_team_role"): _f(
        "{who} changed the role of a team in {project}", project=_project
    ),
    ("project", "remove_team"): _f("{who} removed a team from {project}", project=_project),
    ("team", "create"): _f("{who} created the team {team}", team=lambda s: s.words("name")),
    ("team", "update"): _f("{who} changed a team"),
    ("team", "delete"): _f("{who} deleted a team"),
    ("team", "add_member"): _f("{who} added {user} to a team", user=lambda s: s.person("user_id")),
    ("team", "remove_member"): _f(
        "{who} removed {user} from a team", user=lambda s: s.person("user_id")
    ),
    ("team", "change_member_role"): _f(
        "{who} changed the role of {user} in a team", user=lambda s: s.person("user_id")
    ),
}
"""A sentence for each (entity type, action) that taskcore records."""


def sentence(view: ActivityView, names: Mapping[int, str], viewer_id: int | None) -> Markup:
    """The entry ``view`` in words; the viewer's own actions are "You"."""
    entry = view.entry
    if entry.user_id is not None and entry.user_id == viewer_id:
        who = Markup("You")
    else:
        who = Markup("<strong>{}</strong>").format(view.username)
    story = Story(who=who, details=entry.details or {}, entity_id=entry.entity_id, names=names)
    make = SENTENCES.get((entry.entity_type, entry.action))
    if make is None:
        return Markup("{} — {} {} {}").format(
            who,
            entry.action.replace("_", " "),
            entry.entity_type.replace("_", " "),
            entry.entity_id,
        )
    return make(story)


def relative(instant: dt.datetime, now: dt.datetime) -> str:
    """How long ago ``instant`` was: ``just now``, ``5 minutes ago``, ``3 hours ago``,
    ``yesterday``, ``4 days ago``, then the date (``on 2026-03-01``); ahead of ``now``:
    ``in 5 minutes``, ``tomorrow``..."""
    seconds = (now - instant).total_seconds()
    ahead, seconds = seconds < 0, abs(seconds)
    if seconds < 60:
        return "just now"
    if seconds >= 31 * 86400:
        return "on " + instant.date().isoformat()
    unit, size = next((unit, size) for unit, size, below in UNITS if seconds < below)
    count = int(seconds // size)
    if unit == "day" and count == 1:
        return "tomorrow" if ahead else "yesterday"
    words = f"{count} {unit}{'' if count == 1 else 's'}"
    return f"in {words}" if ahead else f"{words} ago"


def time_tag(instant: dt.datetime, now: dt.datetime, where: zoneinfo.ZoneInfo) -> Markup:
    """``<time>`` saying how long ago ``instant`` was, the exact time in ``where`` as its
    ``datetime`` and on hover."""
    local = instant.astimezone(where)
    exact = f"{local:%Y-%m-%d %H:%M} ({where.key})"
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        local.isoformat(timespec="seconds"), exact, relative(instant, now)
    )


def people_ids(items: Iterable[ActivityView]) -> dict[int, set[int]]:
    """The people named by ``items``, by the project they were named in."""
    wanted: dict[int, set[int]] = {}
    for item in items:
        details = item.entry.details or {}
        project_id = details.get("project_id")
        for key in ("assignee_id", "old_assignee_id", "user_id"):
            user_id = details.get(key)
            if isinstance(project_id, int) and isinstance(user_id, int):
                wanted.setdefault(project_id, set()).add(user_id)
    return wanted


@jinja2.pass_context
def activity_lines(
    context: jinja2.runtime.Context,
    items: Iterable[ActivityView],
    names: Mapping[int, str] | None = None,
) -> list[Line]:
    """The template function ``activity_lines(items, names)``: each entry in words with
    its time (an update that only repeats its status or assignment entry left out), for
    the logged-in viewer (their time zone; people they may see by name:
    ``names``, else the members of the projects the entries concern)."""
    web, visit = context["web_for_activity"], context["visit"]
    actor = visit.actor
    items = list(items)
    known = dict(names or {})
    for project_id, user_ids in people_ids(items).items():
        if user_ids <= known.keys():
            continue
        try:
            members = web.core.projects.list_members(
                actor, project_id, page=PageRequest(per_page=MEMBERS_SIZE)
            ).items
        except errors.TaskcoreError:
            continue
        known.update({m.user_id: m.username for m in members})
    try:
        where = zone(web.core.time.timezone(actor))
    except errors.TaskcoreError:
        where = zone("UTC")
    now = web.core.clock.now()
    lines = (
        Line(
            text=sentence(item, known, actor.user_id),
            time=time_tag(item.entry.created_at, now, where),
        )
        for item in items
    )
    return [line for line in lines if line.text]


def install(environment: jinja2.Environment, web: object) -> None:
    """Make ``activity_lines`` available to every template of ``environment``."""
    environment.globals["activity_lines"] = activity_lines
    environment.globals["web_for_activity"] = web
