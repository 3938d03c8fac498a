"""The Starlette reference HTTP host: JSON API, health checks and OpenAPI."""

from taskcore_adapters.http.app import create_app

__all__ = ["create_app"]
