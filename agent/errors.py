"""Rebound's error types: each says which operation failed and on what."""


class ReboundError(Exception):
    """Base class for every error Rebound reports to the user."""


class ConfigError(ReboundError):
    """The configuration file is missing, unreadable or invalid."""


class MailboxError(ReboundError):
    """An IMAP or Maildir operation failed (connect, login, fetch, append)."""


class ConnectionLost(MailboxError):
    """The connection to the mail server broke (or never came up): retried by reconnecting."""


class AuthError(MailboxError):
    """The server rejected the credentials; retrying soon will not help."""

    remedy = "fix the password and restart to retry now"


class SignInRequired(AuthError):
    """No usable OAuth2 sign-in (never signed in, or the refresh token expired or was revoked)."""

    remedy = "a new sign-in is picked up at the next try"


class CertificateError(MailboxError):
    """The server's TLS certificate could not be verified."""


class ClassifierError(ReboundError):
    """The spaCy pipeline could not be loaded or applied."""


class PatternError(ClassifierError):
    """A file of extraction rules (agent/classifier/patterns/) is malformed: says which file and which key."""


class StoreError(ReboundError):
    """The database could not be opened or written."""


class AlreadyRunning(ReboundError):
    """Another Rebound process holds the lock for this account and database."""


class InputError(ReboundError):
    """A file given on the command line could not be read."""
