"""The only module that speaks IMAP (through imap-tools): connect, fetch new, append drafts."""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime

from imap_tools import AND, H, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessage, MailMessageFlags, U
from imap_tools.errors import ImapToolsError, MailboxLoginError, UnexpectedCommandStatusError
from imap_tools.mailbox import BaseMailBox

from agent.config import ImapSettings
from agent.domain import FolderState, IncomingEmail, ServerDraft
from agent.errors import AuthError, CertificateError, ConnectionLost, MailboxError
from agent.neterrors import Endpoint, explain
from agent.parse import parse_email, server_draft

log = logging.getLogger(__name__)

# One FETCH per this many messages: ~10x faster than one command per message, bounded memory.
FETCH_BULK = 50
CONNECT_TIMEOUT = 30
DRAFTS_NAMES = (
    "Drafts",
    "[Gmail]/Drafts",
    "[Google Mail]/Drafts",
    "INBOX.Drafts",
    "INBOX/Drafts",
    "Draft",
    "Entwürfe",
    "Brouillons",
    "Concepten",
    "Borradores",
)
SENT_NAMES = (
    "Sent",
    "Sent Items",
    "Sent Messages",
    "Sent Mail",
    "[Gmail]/Sent Mail",
    "[Google Mail]/Sent Mail",
    "INBOX.Sent",
    "INBOX/Sent",
    "Gesendet",
    "Envoyés",
    "Verzonden",
    "Enviados",
)
TRASH_NAMES = ("Trash", "Deleted Items", "Deleted Messages", "[Gmail]/Trash", "[Google Mail]/Trash", "INBOX.Trash", "Papierkorb", "Corbeille",
               "Prullenbak", "Papelera")
# How long one IDLE poll waits: SIGTERM is noticed within this.
IDLE_POLL_SECONDS = 1.0
# Bytes of body fetched for a message over the size cap: the text parts come first in real mail.
PARTIAL_BODY_BYTES = 512 * 1024

# Errors that mean "the connection is gone or never came up": retried with backoff by the daemon.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (OSError, imaplib.IMAP4.abort, socket.timeout, EOFError)


class _RawMessage(MailMessage):
    """Keeps the raw bytes and skips imap-tools' own parse: Rebound parses once, in parse.py."""

    def __init__(self, fetch_data: list) -> None:  # type: ignore[type-arg]
        raw, uid_data, flag_data = self._get_message_data_parts(fetch_data)
        self._raw_uid_data = uid_data
        self._raw_flag_data = flag_data
        self.raw: bytes = raw


def ssl_context(settings: ImapSettings) -> ssl.SSLContext:
    """The TLS context for the IMAP server: certificates verified against the system's CAs or [imap] tls_ca_file."""
    ctx = ssl.create_default_context(cafile=str(settings.tls_ca_file) if settings.tls_ca_file else None)
    if not settings.tls_verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


@contextmanager
def _operation(what: str) -> Iterator[None]:
    """Turn whatever imap-tools, imaplib or the socket raise into a MailboxError that says what failed."""
    try:
        yield
    except MailboxError:
        raise
    except ssl.SSLCertVerificationError as exc:
        raise CertificateError(
            f"{what}: the server's TLS certificate was not accepted: {exc.verify_message} (set [imap] tls_ca_file to trust a private CA)"
        ) from exc
    except MailboxLoginError as exc:
        raise AuthError(f"{what}: the server rejected the username or password") from exc
    except imaplib.IMAP4.abort as exc:
        raise ConnectionLost(f"{what}: connection lost ({exc})") from exc
    except imaplib.IMAP4.error as exc:
        raise MailboxError(f"{what}: server said {exc}") from exc
    except UnexpectedCommandStatusError as exc:
        # imap-tools' own text ('Response status "OK" expected, but "NO" received. Data: [b'...']')
        # buries what the server said, e.g. "NO [NOPERM] Permission denied" for a refused APPEND.
        typ, data = exc.command_result
        said = " ".join(d.decode(errors="replace") if isinstance(d, bytes) else str(d) for d in data or [] if d)
        raise MailboxError(f"{what}: the server answered {typ} {said}".rstrip()) from exc
    except ImapToolsError as exc:
        raise MailboxError(f"{what}: {exc}") from exc
    except (OSError, EOFError) as exc:
        raise ConnectionLost(f"{what}: {exc.__class__.__name__}: {exc}") from exc


@contextmanager
def _connecting(what: str, at: Endpoint) -> Iterator[None]:
    """A connection that cannot be made, said as the setting to check ([imap] host, port, security, tls_ca_file)."""
    try:
        yield
    except MailboxError as exc:
        said = explain(exc, at)
        if said is None:
            raise
        # The same kind of error (a certificate stays a CertificateError), in words that name the setting.
        raise type(exc)(f"{what}: {said}") from exc.__cause__


class ImapMailbox:
    """A logged-in IMAP connection, watched folders opened read-only so no flag ever changes."""

    def __init__(self, settings: ImapSettings, password: str) -> None:
        self.settings = settings
        host, port = settings.host, settings.effective_port
        where = f"connect to {host}:{port} ({settings.security})"
        with _connecting(where, Endpoint("imap", host, port, settings.security)), _operation(where):
            box: BaseMailBox
            if settings.security == "ssl":
                box = MailBox(host, port, timeout=CONNECT_TIMEOUT, ssl_context=ssl_context(settings))
            elif settings.security == "starttls":
                box = MailBoxStartTls(host, port, timeout=CONNECT_TIMEOUT, ssl_context=ssl_context(settings))
            else:
                box = MailBoxUnencrypted(host, port, timeout=CONNECT_TIMEOUT)
        box.email_message_class = _RawMessage
        try:
            with _operation(f"log in to {host} as {settings.username}"):
                try:
                    box.login(settings.username, password, initial_folder=None)
                except imaplib.IMAP4.error as exc:
                    # XOAUTH2 and some servers raise the bare imaplib error for a bad password.
                    if "auth" in str(exc).lower() or "login" in str(exc).lower():
                        raise AuthError(f"log in to {host} as {settings.username}: the server rejected the credentials") from exc
                    raise
        except MailboxError:
            # Close the socket now: the daemon waits 15 minutes after a rejected password, and the
            # traceback it holds meanwhile would keep this connection open the whole time.
            with contextlib.suppress(Exception):
                box.client.shutdown()
            raise
        self.box = box
        self._selected: str | None = None
        self._folders: list[tuple[str, tuple[str, ...]]] | None = None

    @property
    def supports_idle(self) -> bool:
        """Whether the server advertises IDLE (RFC 2177)."""
        return "IDLE" in self.box.client.capabilities

    def capabilities(self) -> frozenset[str]:
        """What the server offers now that we are logged in (IDLE, UIDPLUS, SPECIAL-USE, ...).

        Asked afresh: imaplib keeps the list from before login, and servers announce more after it
        (Dovecot adds UIDPLUS and SPECIAL-USE).
        """
        with _operation("ask for the server's capabilities"):
            typ, data = self.box.client.capability()
        if typ != "OK":
            raise MailboxError(f"ask for the server's capabilities: server said {data!r}")
        words = b" ".join(d for d in data if isinstance(d, bytes)).decode(errors="replace").upper().split()
        return frozenset(words)

    def folder_names(self) -> list[str]:
        """Every folder on the server, as it names them."""
        return [name for name, _flags in self._list()]

    def close(self) -> None:
        """Log out, ignoring a connection that is already gone."""
        # Closing a dead connection has nothing left to report.
        with contextlib.suppress(Exception):
            self.box.logout()

    def _select(self, folder: str) -> None:
        if self._selected != folder:
            with _operation(f"open folder {folder!r}"):
                # EXAMINE (read-only): the server itself guarantees we cannot set \Seen.
                self.box.folder.set(folder, readonly=True)
            self._selected = folder

    def folder_state(self, folder: str) -> FolderState:
        """UIDVALIDITY and UIDNEXT of a folder, as of now.

        Each pass starts here. When the folder is still selected from the last pass, a NOOP lets the
        server bring this connection's view up to date first: Dovecot syncs a selected mailbox at the
        end of a command, so a SEARCH straight after new mail arrived would not yet see it.
        """
        if self._selected == folder:
            with _operation(f"refresh folder {folder!r}"):
                self.box.client.noop()
        with _operation(f"status of folder {folder!r}"):
            status = self.box.folder.status(folder, ["UIDVALIDITY", "UIDNEXT"])
        return FolderState(folder, int(status["UIDVALIDITY"]), int(status.get("UIDNEXT", 0)))

    def uids_after(self, folder: str, last_uid: int) -> list[int]:
        """UIDs above last_uid, ascending."""
        self._select(folder)
        with _operation(f"search {folder!r} for new mail"):
            uids = [int(u) for u in self.box.uids(AND(uid=U(str(last_uid + 1), "*")))]
        # U(n, '*') also matches the newest message when n is above the highest UID.
        return sorted(u for u in uids if u > last_uid)

    def uids_since(self, folder: str, since: date) -> list[int]:
        """UIDs of messages received on or after a day, ascending."""
        self._select(folder)
        with _operation(f"search {folder!r} since {since}"):
            return sorted(int(u) for u in self.box.uids(AND(date_gte=since)))

    def message_ids(self, folder: str, uids: Sequence[int]) -> dict[int, str]:
        """The Message-ID header of each UID (headers only), to re-match after a UIDVALIDITY reset."""
        self._select(folder)
        out: dict[int, str] = {}
        for chunk in _chunks(uids, 500):
            with _operation(f"fetch headers from {folder!r}"):
                for msg in self.box.fetch(uid_list=[str(u) for u in chunk], mark_seen=False, headers_only=True, bulk=True):
                    out[int(msg.uid or 0)] = parse_email(msg.raw, folder=folder).message_id  # type: ignore[attr-defined]
        return out

    def _sizes(self, uids: Sequence[int]) -> tuple[dict[int, int], dict[int, datetime]]:
        """Sizes (for the cap) and arrival times (INTERNALDATE: when the mail reached this mailbox)."""
        typ, data = self.box.client.uid("FETCH", ",".join(map(str, uids)), "(UID RFC822.SIZE INTERNALDATE)")
        if typ != "OK":
            raise MailboxError(f"fetch sizes: server said {data!r}")
        sizes: dict[int, int] = {}
        arrived: dict[int, datetime] = {}
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            if isinstance(line, bytes):
                uid = re.search(rb"UID (\d+)", line)
                size = re.search(rb"RFC822\.SIZE (\d+)", line)
                if uid and size:
                    sizes[int(uid.group(1))] = int(size.group(1))
                stamp = imaplib.Internaldate2tuple(line)
                if uid and stamp:
                    arrived[int(uid.group(1))] = datetime.fromtimestamp(time.mktime(stamp), UTC)
        return sizes, arrived

    def fetch(self, folder: str, uids: Sequence[int]) -> Iterator[IncomingEmail]:
        """Fetch messages by UID without touching their flags; big ones only in part."""
        self._select(folder)
        cap = self.settings.max_message_bytes
        for chunk in _chunks(uids, FETCH_BULK):
            with _operation(f"fetch sizes from {folder!r}"):
                sizes, arrived = self._sizes(chunk)
            small = [u for u in chunk if sizes.get(u, 0) <= cap]
            big = set(chunk) - set(small)
            if small:
                with _operation(f"fetch {len(small)} messages from {folder!r}"):
                    messages = self.box.fetch(uid_list=[str(u) for u in small], mark_seen=False, bulk=FETCH_BULK)
                    fetched = {int(m.uid or 0): m.raw for m in messages}  # type: ignore[attr-defined]
            else:
                fetched = {}
            for uid in chunk:
                if uid in big:
                    yield replace(self._fetch_partial(folder, uid, sizes[uid]), received=arrived.get(uid))
                elif uid in fetched:
                    yield parse_email(fetched[uid], folder=folder, uid=uid, size=sizes.get(uid, 0), received=arrived.get(uid))

    def _fetch_partial(self, folder: str, uid: int, size: int) -> IncomingEmail:
        # Headers in full, then only the start of the body: attachments are never downloaded.
        parts = f"(UID BODY.PEEK[HEADER] BODY.PEEK[TEXT]<0.{PARTIAL_BODY_BYTES}>)"
        with _operation(f"fetch the start of large message {uid} ({size} bytes) from {folder!r}"):
            typ, data = self.box.client.uid("FETCH", str(uid), parts)
        if typ != "OK":
            raise MailboxError(f"fetch large message {uid} from {folder!r}: server said {data!r}")
        chunks = [item[1] for item in data if isinstance(item, tuple) and isinstance(item[1], bytes)]
        raw = b"".join(chunks)
        return parse_email(raw, folder=folder, uid=uid, size=size, truncated=True)

    # --- folders and drafts -------------------------------------------------------------

    def _list(self) -> list[tuple[str, tuple[str, ...]]]:
        if self._folders is None:
            with _operation("list folders"):
                self._folders = [(f.name, tuple(f.flags)) for f in self.box.folder.list()]
        return self._folders

    def _special(self, flag: str, names: Sequence[str]) -> str | None:
        folders = self._list()
        for name, flags in folders:
            if flag in flags:
                return name
        by_lower = {name.lower(): name for name, _ in folders}
        for candidate in names:
            if candidate.lower() in by_lower:
                return by_lower[candidate.lower()]
        return None

    def drafts_folder(self) -> str:
        """The configured Drafts folder, else the one flagged \\Drafts, else a common name."""
        configured = self.settings.drafts_folder
        if configured:
            if configured not in {name for name, _ in self._list()}:
                raise MailboxError(f"drafts folder {configured!r} ([imap] drafts_folder) does not exist on {self.settings.host}")
            return configured
        found = self._special("\\Drafts", DRAFTS_NAMES)
        if found is None:
            raise MailboxError(
                f"no Drafts folder on {self.settings.host} (none flagged \\Drafts, none by a common name); set [imap] drafts_folder"
            )
        return found

    def sent_folder(self) -> str | None:
        """The folder flagged \\Sent, else one with a common name, else None."""
        return self._special("\\Sent", SENT_NAMES)

    def trash_folder(self) -> str | None:
        """The folder flagged \\Trash, else one with a common name, else None."""
        return self._special("\\Trash", TRASH_NAMES)

    def append_draft(self, folder: str, raw: bytes) -> int | None:
        """APPEND a draft flagged \\Draft; returns its UID when the server reports APPENDUID."""
        with _operation(f"save draft to {folder!r}"):
            _typ, data = self.box.append(raw, folder, flag_set=[MailMessageFlags.DRAFT, MailMessageFlags.SEEN])
        self._folders_changed()
        text = b" ".join(d for d in data if isinstance(d, bytes)).decode(errors="replace")
        match = re.search(r"APPENDUID \d+ (\d+)", text)
        return int(match.group(1)) if match else None

    def _folders_changed(self) -> None:
        # APPEND may have been to the selected folder; force a fresh SELECT next time.
        self._selected = None

    def find_message_id(self, folder: str, message_id: str) -> int | None:
        """UID of the message with this Message-ID in a folder, if there is one."""
        self._select(folder)
        with _operation(f"search {folder!r} for {message_id}"):
            uids = self.box.uids(AND(header=H("Message-ID", message_id)))
        return int(uids[0]) if uids else None

    def find_replies_to(self, folder: str, message_id: str) -> list[int]:
        """UIDs of the messages in a folder that answer this Message-ID (In-Reply-To)."""
        self._select(folder)
        with _operation(f"search {folder!r} for replies to {message_id}"):
            return [int(uid) for uid in self.box.uids(AND(header=H("In-Reply-To", message_id)))]

    def find_drafts_for(self, folder: str, parent_message_id: str) -> list[ServerDraft]:
        """Rebound's drafts in a folder that answer this Message-ID (In-Reply-To and an X-Rebound-Draft header)."""
        uids = self.find_replies_to(folder, parent_message_id)
        if not uids:
            return []
        found = []
        with _operation(f"fetch headers from {folder!r}"):
            for msg in self.box.fetch(uid_list=[str(u) for u in uids], mark_seen=False, headers_only=True, bulk=True):
                draft = server_draft(int(msg.uid or 0), msg.raw)  # type: ignore[attr-defined]
                if draft is not None:
                    found.append(draft)
        return found

    def append_message(self, folder: str, raw: bytes) -> None:
        """APPEND an unread message (the digest, when no SMTP server is configured)."""
        with _operation(f"deliver to {folder!r}"):
            self.box.append(raw, folder, flag_set=[])
        self._folders_changed()

    # --- waiting ---------------------------------------------------------------------------

    def idle(self, folder: str, stop: threading.Event, max_seconds: float) -> bool:
        """IDLE on a folder until the server reports a change (True), stop is set, or max_seconds pass.

        Polls the socket once a second so SIGTERM is honoured at once; max_seconds must stay
        below 29 minutes (RFC 2177), after which the caller simply re-issues it.
        """
        self._select(folder)
        deadline = time.monotonic() + max_seconds
        changed = False
        with _operation(f"IDLE on {folder!r}"):
            self.box.idle.start()  # type: ignore[no-untyped-call]
            try:
                while not stop.is_set() and time.monotonic() < deadline:
                    polled = time.monotonic()
                    if self.box.idle.poll(timeout=IDLE_POLL_SECONDS):
                        changed = True
                        break
                    if time.monotonic() - polled < IDLE_POLL_SECONDS / 2:
                        # Nothing, yet at once: the socket was readable with no response in it,
                        # i.e. the connection is closed (EOF). Polling again would spin a core.
                        break
            finally:
                self.box.idle.stop()  # type: ignore[no-untyped-call]
            # A connection dropped during IDLE answers poll() with [] like a timeout; NOOP tells.
            self.box.client.noop()
        # News that arrived with the end of IDLE or with the NOOP is filed by imaplib, not returned.
        untagged = self.box.client.untagged_responses
        for kind in _CHANGES:
            changed |= untagged.pop(kind, None) is not None
        return changed


# Untagged responses that mean new mail (flag changes and expunges need no pass).
_CHANGES = ("EXISTS", "RECENT")


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
