"""Handing the digest to an SMTP server: certificate verified, for the one recipient only."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import parseaddr

from agent.config import SmtpSettings
from agent.errors import ReboundError

SMTP_TIMEOUT = 60


class DeliveryError(ReboundError):
    """The digest could not be handed to the SMTP server."""


def send_smtp(settings: SmtpSettings, msg: EmailMessage, sender: str, to: str) -> None:
    """Hand the message to the SMTP server, certificate verified, for the one recipient only."""
    password = settings.resolve_password("smtp") if settings.username else None
    host, port = settings.host, settings.effective_port
    where = f"send the digest through {host}:{port} ({settings.security})"
    ctx = ssl.create_default_context(cafile=str(settings.tls_ca_file) if settings.tls_ca_file else None)
    try:
        client = (
            smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT, context=ctx)
            if settings.security == "ssl"
            else smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
        )
        with client:
            if settings.security == "starttls":
                client.starttls(context=ctx)
            if settings.username and password is not None:
                client.login(settings.username, password)
            # Explicit recipients: the digest goes to the user alone, whatever the headers say.
            client.send_message(msg, from_addr=sender, to_addrs=[parseaddr(to)[1] or to])
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
        raise DeliveryError(f"{where}: {exc.__class__.__name__}: {exc}") from exc
