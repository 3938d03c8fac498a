"""The projects area: projects, their members and invitations."""

from taskcore.services.projects.service import ProjectService

__all__ = ["ProjectService"]
