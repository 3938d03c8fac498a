"""Outgoing webhooks over HTTP (httpx2), guarded against server-side request forgery."""

from taskcore_adapters.webhooks.sender import HttpxWebhookSender, Resolver, system_resolver

__all__ = ["HttpxWebhookSender", "Resolver", "system_resolver"]
