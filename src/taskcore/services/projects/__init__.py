"""The projects area: projects, their membership and invitations.

A user joins a project only with their consent: owners *invite* them, and the invitation
makes them a member when they accept it. Administrators may add members directly.

Modules, one job each:

- :mod:`~taskcore.services.projects.service`: :class:`ProjectService` (every use case;
  joins the parts below);
- :mod:`~taskcore.services.projects.lifecycle`: creating, reading, listing, changing and
  deleting projects;
- :mod:`~taskcore.services.projects.members`: a project's members (direct additions,
  role changes, removal and leaving);
- :mod:`~taskcore.services.projects.invitations`: inviting users and answering
  invitations;
- :mod:`~taskcore.services.projects.base`: what they share (collaborators, the
  invitation events).
"""

from taskcore.services.projects.service import ProjectService

__all__ = ["ProjectService"]
