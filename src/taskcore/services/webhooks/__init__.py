"""The webhooks area: project owners manage endpoints; events become signed deliveries."""

from taskcore.services.webhooks.service import (
    CREATOR_LEFT,
    DELIVER,
    NO_SENDER,
    RETRY_DUE,
    WebhookOptions,
    WebhookService,
)

__all__ = ["CREATOR_LEFT", "DELIVER", "NO_SENDER", "RETRY_DUE", "WebhookOptions", "WebhookService"]
