"""Provider presets: nothing but the `[imap.oauth2]` values a user of that provider would type.

Sources (checked 2026-12): Microsoft, "Authenticate an IMAP, POP or SMTP connection using OAuth"
and the identity platform's v2.0 endpoints; Google, "OAuth 2.0 for Mobile & Desktop Apps" and
"OAuth 2.0 for TV and Limited-Input Device Applications", whose list of allowed scopes does not
include https://mail.google.com/ — so Google gets no device endpoint and signs in by the
authorization-code flow with PKCE and a loopback redirect.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.oauth.settings import OAuth2Settings

DEFAULT_TENANT = "common"
# RFC 8252 §7.3: the port is chosen when Rebound listens; the server must accept any port.
DEFAULT_REDIRECT = "http://127.0.0.1"


@dataclass(frozen=True)
class Endpoints:
    """Where and how to ask for tokens: a preset's values, or the user's own for "custom"."""

    authorization_url: str | None
    device_authorization_url: str | None
    token_url: str
    scopes: tuple[str, ...]
    authorization_params: dict[str, str] = field(default_factory=dict)
    redirect_uri: str = DEFAULT_REDIRECT


_MS = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0"

PRESETS: dict[str, Endpoints] = {
    "microsoft": Endpoints(
        authorization_url=f"{_MS}/authorize",
        device_authorization_url=f"{_MS}/devicecode",
        token_url=f"{_MS}/token",
        # The Outlook resource's own scopes: Graph's (graph.microsoft.com/IMAP...) are refused by
        # IMAP and SMTP. offline_access is what brings a refresh token.
        scopes=("https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send", "offline_access"),
        # What "Mobile and desktop applications" registrations accept; any port is allowed.
        redirect_uri="http://localhost",
    ),
    "google": Endpoints(
        authorization_url="https://accounts.google.com/o/oauth2/v2/auth",
        device_authorization_url=None,  # the device flow refuses mail scopes (see above)
        token_url="https://oauth2.googleapis.com/token",
        scopes=("https://mail.google.com/",),  # the only scope that covers IMAP and SMTP
        # offline: a refresh token at all; consent: a refresh token again on a second sign-in.
        authorization_params={"access_type": "offline", "prompt": "consent"},
        redirect_uri="http://127.0.0.1",
    ),
}


def endpoints(settings: OAuth2Settings) -> Endpoints:
    """The endpoints to use: the preset for the provider, with any value the user gave in its place."""
    preset = PRESETS.get(settings.provider)
    tenant = settings.tenant or DEFAULT_TENANT

    def pick(given: str | None, default: str | None) -> str | None:
        value = given if given is not None else default
        return value.format(tenant=tenant) if value else None

    token_url = pick(settings.token_url, preset.token_url if preset else None)
    assert token_url is not None  # the settings validator requires it for "custom"
    return Endpoints(
        authorization_url=pick(settings.authorization_url, preset.authorization_url if preset else None),
        device_authorization_url=pick(settings.device_authorization_url, preset.device_authorization_url if preset else None),
        token_url=token_url,
        scopes=settings.scopes or (preset.scopes if preset else ()),
        authorization_params=settings.authorization_params if settings.authorization_params is not None else dict(preset.authorization_params) if preset else {},
        redirect_uri=settings.redirect_uri or (preset.redirect_uri if preset else DEFAULT_REDIRECT),
    )
