"""Single sign-on with OpenID Connect: the :class:`~taskcore.ports.identities.IdentityProvider`
port on ``authlib`` (authorization requests with PKCE) and ``joserfc`` (ID token
validation), over ``httpx2``. Needs the ``sso`` extra."""

from taskcore_adapters.oidc.provider import OidcProvider, providers_from

__all__ = ["OidcProvider", "providers_from"]
