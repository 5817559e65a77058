"""Handing the digest to an SMTP server: certificate verified, for the one recipient only."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import parseaddr
from typing import TYPE_CHECKING

from agent.addresses import ascii_address
from agent.config import SmtpSettings
from agent.errors import ReboundError
from agent.neterrors import Endpoint, explain

if TYPE_CHECKING:
    from agent.oauth.bearer import BearerTokens

log = logging.getLogger(__name__)

SMTP_TIMEOUT = 60


class DeliveryError(ReboundError):
    """The digest could not be handed to the SMTP server."""


def send_smtp(settings: SmtpSettings, msg: EmailMessage, sender: str, to: str, tokens: BearerTokens | None = None) -> None:
    """Hand the message to the SMTP server, certificate verified, for the one recipient only."""
    password = settings.resolve_password("smtp") if settings.username and tokens is None else None
    host, port = settings.host, settings.effective_port
    where = f"send the digest through {host}:{port} ({settings.security})"
    ctx = ssl.create_default_context(cafile=str(settings.tls_ca_file) if settings.tls_ca_file else None)
    try:
        with signed_in(settings, ctx, password, tokens, SMTP_TIMEOUT) as client:
            # Explicit recipients: the digest goes to the user alone, whatever the headers say.
            client.send_message(msg, from_addr=ascii_address(sender), to_addrs=[ascii_address(parseaddr(to)[1] or to)])
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(
            f"{where}: the server's TLS certificate was not accepted: {exc.verify_message} (set [smtp] tls_ca_file)"
        ) from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"{where}: the server rejected the username or password") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"{where}: the server refused the recipient {to}") from exc
    except smtplib.SMTPResponseException as exc:
        said = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        raise DeliveryError(f"{where}: server said {exc.smtp_code} {said}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        said = explain(exc, Endpoint("smtp", host, port, settings.security)) or f"{exc.__class__.__name__}: {exc}"
        raise DeliveryError(f"{where}: {said}") from exc


@contextmanager
def signed_in(
    settings: SmtpSettings, context: ssl.SSLContext, password: str | None, tokens: BearerTokens | None, timeout: float
) -> Iterator[smtplib.SMTP]:
    """A connection to the SMTP server, TLS as configured and logged in (a bearer token, else the password when there is a username)."""
    port = settings.effective_port
    client = (
        smtplib.SMTP_SSL(settings.host, port, timeout=timeout, context=context)
        if settings.security == "ssl"
        else smtplib.SMTP(settings.host, port, timeout=timeout)
    )
    with client:
        if settings.security == "starttls":
            client.starttls(context=context)
        if tokens is not None:
            login_oauth2(client, settings, tokens)
        elif settings.username and password is not None:
            client.login(settings.username, password)
        yield client


def login_oauth2(client: smtplib.SMTP, settings: SmtpSettings, tokens: BearerTokens) -> None:
    """AUTH with the account's bearer token (XOAUTH2, else OAUTHBEARER); once more with a refreshed one if refused."""
    from agent.oauth.bearer import SaslResponder, oauthbearer, xoauth2

    client.ehlo_or_helo_if_needed()
    offered = client.esmtp_features.get("auth", "").upper().split()
    mechanism = "XOAUTH2" if "XOAUTH2" in offered else "OAUTHBEARER" if "OAUTHBEARER" in offered else None
    if mechanism is None:
        raise DeliveryError('the SMTP server offers no OAuth2 login (AUTH XOAUTH2 or OAUTHBEARER); use [smtp] auth = "password"')
    # The token belongs to the mailbox's account: its name, unless [smtp] username says otherwise.
    username = settings.username or tokens.username
    token = tokens.access_token()
    for attempt in (1, 2):
        initial = (
            xoauth2(username, token)
            if mechanism == "XOAUTH2"
            else oauthbearer(username, token, settings.host, settings.effective_port)
        )
        try:
            client.auth(mechanism, SaslResponder(mechanism, initial))
            return
        except smtplib.SMTPAuthenticationError as exc:
            if attempt == 2:
                said = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
                raise DeliveryError(
                    f"the SMTP server refused the OAuth2 token, even a freshly refreshed one ({exc.smtp_code} {said}); "
                    "check that SMTP AUTH is enabled for the account and that the app has the SMTP scope"
                ) from None
            log.info("SMTP %s refused the access token; refreshing it once", mechanism)
            token = tokens.refreshed_token(token)
