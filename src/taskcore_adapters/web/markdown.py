"""Markdown in task descriptions and comments: CommonMark without raw HTML
(``markdown-it-py``), ``@username`` mentions and ``#123`` task references turned into
links, and the result sanitised with ``nh3`` (an allow-list of tags and attributes, only
``http``, ``https`` and ``mailto`` links, ``rel="noopener nofollow"`` on every link).

A ``#123`` reference becomes a link only when the viewer may see task 123 (the core's
``get_task`` decides); otherwise it stays plain text, so a reference never tells whether a
task exists, let alone its title.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Final

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

from taskcore import errors
from taskcore.domain.comments import mentioned_names

MAX_REFERENCES: Final = 20
"""The most distinct ``#123`` references one text resolves (the rest stay text)."""

TAGS: Final = frozenset(
    {
        "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
"""The tags a rendered text may hold."""

ATTRIBUTES: Final = {
    "a": {"href", "title", "class"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
"""The attributes each tag may keep (``rel`` is set by the sanitiser)."""

URL_SCHEMES: Final = frozenset({"http", "https", "mailto"})

_TOKEN = re.compile(r"(?<![\w@])@([A-Za-z0-9_][A-Za-z0-9_.\-]*)|(?<![\w&#/])#(\d{1,18})\b")
"""A mention (as the core finds them) or a task reference."""

TaskTitle = Callable[[int], str | None]
"""The title of a task the viewer may see, ``None`` for any other id."""


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False})
    parser.enable(["table", "strikethrough"])
    parser.disable("image")  # no requests to other sites from a page
    return parser


_PARSER: Final = _parser()


class Renderer:
    """Renders texts of one project for one viewer.

    Args:
        members: the project's members, id → username (mentions of others stay text).
        project_id: the project (a mention links to its list of the member's tasks).
        task_title: looks up a referenced task as the viewer (see :data:`TaskTitle`).
    """

    def __init__(self, members: Mapping[int, str], project_id: int, task_title: TaskTitle) -> None:
        self.by_name = {name.lower(): (user_id, name) for user_id, name in members.items()}
        self.project_id = project_id
        self.task_title = task_title
        self.titles: dict[int, str | None] = {}

    def __call__(self, text: str | None) -> Markup:
        """``text`` as safe HTML (empty for an empty text)."""
        if not text:
            return Markup("")
        tokens = _PARSER.parse(text)
        for token in tokens:
            if token.type == "inline" and token.children:
                token.children = self._link_children(token.children)
        html = _PARSER.renderer.render(tokens, _PARSER.options, {})
        return Markup(clean(html))  # noqa: S704  # nosec B704 - sanitised by nh3 just above

    def _title(self, task_id: int) -> str | None:
        if task_id not in self.titles:
            if len(self.titles) >= MAX_REFERENCES:
                return None
            self.titles[task_id] = self.task_title(task_id)
        return self.titles[task_id]

    def _link_children(self, children: list[Token]) -> list[Token]:
        out: list[Token] = []
        in_link = 0
        for child in children:
            if child.type == "link_open":
                in_link += 1
            elif child.type == "link_close":
                in_link -= 1
            if child.type == "text" and not in_link:
                out.extend(self._split(child))
            else:
                out.append(child)
        return out

    def _split(self, token: Token) -> list[Token]:
        text = token.content
        out: list[Token] = []
        last = 0
        for match in _TOKEN.finditer(text):
            link = self._link_for(match)
            if link is None:
                continue
            href, title, label, css = link
            out.append(_text(text[last : match.start()]))
            opening = Token("link_open", "a", 1, attrs={"href": href, "class": css})
            if title:
                opening.attrSet("title", title)
            out.extend([opening, _text(label), Token("link_close", "a", -1)])
            last = match.start() + len(label)
        if not out:
            return [token]
        out.append(_text(text[last:]))
        return [t for t in out if t.type != "text" or t.content]

    def _link_for(self, match: re.Match[str]) -> tuple[str, str, str, str] | None:
        """href, title, the text linked and the class, or ``None`` to leave it as text."""
        if match.group(1) is not None:
            names = mentioned_names("@" + match.group(1))
            found = self.by_name.get(names[0]) if names else None
            if found is None:
                return None
            user_id, username = found
            label = "@" + match.group(1)[: len(names[0])]
            href = f"/projects/{self.project_id}/list?assignee={user_id}"
            return href, f"Tasks of {username}", label, "mention"
        task_id = int(match.group(2))
        title = self._title(task_id)
        if title is None:
            return None
        return f"/tasks/{task_id}", title, "#" + match.group(2), "task-ref"


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def clean(html: str) -> str:
    """``html`` with only the allowed tags, attributes and link schemes, every link
    ``rel="noopener nofollow"``."""
    return nh3.clean(
        html,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener nofollow",
        strip_comments=True,
    )


def renderer_for(
    core_get_task: Callable[[int], object], members: Mapping[int, str], project_id: int
) -> Renderer:
    """A :class:`Renderer` looking tasks up with ``core_get_task`` (the viewer's
    ``tasks.get_task``): a task it refuses (not found, not visible) is not linked."""

    def title(task_id: int) -> str | None:
        try:
            found = core_get_task(task_id)
        except errors.TaskcoreError:
            return None
        value = getattr(found, "title", None)
        return value if isinstance(value, str) else None

    return Renderer(members, project_id, title)
