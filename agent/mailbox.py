"""The only module that speaks IMAP (through imap-tools): connect, fetch new, append drafts."""

from __future__ import annotations

import contextlib
import email
import email.policy
import imaplib
import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, TypeVar

from imap_tools import AND, OR, H, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessageFlags, U
from imap_tools.errors import ImapToolsError, MailboxFolderCreateError, MailboxLoginError, UnexpectedCommandStatusError
from imap_tools.imap_utf7 import utf7_decode
from imap_tools.mailbox import BaseMailBox

from agent.config import ImapSettings
from agent.domain import FolderState, IncomingEmail, RawEmail, ServerDraft
from agent.errors import AuthError, CertificateError, ConnectionLost, MailboxError
from agent.neterrors import Endpoint, explain
from agent.parse import parse_email, parse_raw, server_draft

if TYPE_CHECKING:
    from agent.oauth.bearer import BearerTokens

log = logging.getLogger(__name__)

T = TypeVar("T")

# One FETCH per this many messages: ~10x faster than one command per message, bounded memory
# (FETCH_MAX_BYTES caps a FETCH's bytes whatever the count). As many as a first pass's batch.
FETCH_BULK = 250
# ...and per this many bytes: 50 messages just under the 10 MB cap would be one 500 MB answer,
# held in memory at once. A message over this on its own is fetched alone.
FETCH_MAX_BYTES = 16 * 1024 * 1024
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
# Message-IDs looked up with one SEARCH when many drafts are placed at once (a first pass): the command stays short.
REPLIES_AT_ONCE = 25
# Bytes of body fetched for a message over the size cap: the text parts come first in real mail.
PARTIAL_BODY_BYTES = 512 * 1024

# Errors that mean "the connection is gone or never came up": retried with backoff by the daemon.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (OSError, imaplib.IMAP4.abort, socket.timeout, EOFError)


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

    def __init__(self, settings: ImapSettings, password: str | BearerTokens) -> None:
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
        try:
            with _operation(f"log in to {host} as {settings.username}"):
                try:
                    _login(box, settings, password)
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
        self._folders: list[Folder] | None = None
        self._capabilities: frozenset[str] | None = None

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
        return [folder.name for folder in self._list()]

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
                headers = self._literals(chunk, "BODY.PEEK[HEADER]", b"BODY[HEADER]")
            out.update({uid: parse_email(raw, folder=folder).message_id for uid, raw in headers.items()})
        return out

    def _literals(self, uids: Sequence[int], part: str, name: bytes) -> dict[int, bytes]:
        """UID FETCH one part of these messages (never setting \\Seen): UID → its bytes."""
        typ, data = self.box.client.uid("FETCH", ",".join(map(str, uids)), f"(UID {part})")
        if typ != "OK":
            raise imaplib.IMAP4.error(f"{typ} {data!r}")  # _operation says what failed
        return fetched_literals(data, name)

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
        return (parse_raw(raw) for raw in self.fetch_raw(folder, uids))

    def fetch_raw(self, folder: str, uids: Sequence[int]) -> Iterator[RawEmail]:
        """The messages' bytes by UID, unparsed, without touching their flags; big ones only in part."""
        self._select(folder)
        for chunk in _chunks(uids, FETCH_BULK):
            with _operation(f"fetch sizes from {folder!r}"):
                sizes, arrived = self._sizes(chunk)
            for whole, batch in fetch_batches(chunk, sizes, self.settings.max_message_bytes, FETCH_MAX_BYTES):
                if not whole:
                    [uid] = batch
                    yield RawEmail(folder, uid, self._fetch_partial(folder, uid, sizes[uid]), sizes[uid], arrived.get(uid), truncated=True)
                    continue
                with _operation(f"fetch {len(batch)} messages from {folder!r}"):
                    fetched = self._literals(batch, "BODY.PEEK[]", b"BODY[]")
                for uid in batch:
                    if uid in fetched:
                        yield RawEmail(folder, uid, fetched[uid], sizes.get(uid, 0), arrived.get(uid))

    def _fetch_partial(self, folder: str, uid: int, size: int) -> bytes:
        # Headers in full, then only the start of the body: attachments are never downloaded.
        parts = f"(UID BODY.PEEK[HEADER] BODY.PEEK[TEXT]<0.{PARTIAL_BODY_BYTES}>)"
        with _operation(f"fetch the start of large message {uid} ({size} bytes) from {folder!r}"):
            typ, data = self.box.client.uid("FETCH", str(uid), parts)
        if typ != "OK":
            raise MailboxError(f"fetch large message {uid} from {folder!r}: server said {data!r}")
        chunks = [item[1] for item in data if isinstance(item, tuple) and isinstance(item[1], bytes)]
        return b"".join(chunks)

    # --- folders and drafts -------------------------------------------------------------

    def _list(self) -> list[Folder]:
        if self._folders is None:
            with _operation("list folders"):
                self._folders = [Folder(f.name, tuple(f.flags), f.delim or "") for f in self.box.folder.list()]
        return self._folders

    def _special(self, flag: str, names: Sequence[str]) -> str | None:
        return special_folder(self._list(), flag, names)

    def drafts_folder(self) -> str:
        """The configured Drafts folder, else the one flagged \\Drafts, else a common name."""
        configured = self.settings.drafts_folder
        if configured:
            if configured not in {f.name for f in self._list()}:
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
        with _operation(f"search {folder!r} for {message_id}"):
            uids = self._search_header(folder, "Message-ID", message_id)
        return uids[0] if uids else None

    def find_replies_to(self, folder: str, message_id: str) -> list[int]:
        """UIDs of the messages in a folder that answer this Message-ID (In-Reply-To)."""
        with _operation(f"search {folder!r} for replies to {message_id}"):
            return self._search_header(folder, "In-Reply-To", message_id)

    def _search_header(self, folder: str, header: str, value: str) -> list[int]:
        self._select(folder)
        if value.isascii():
            return [int(uid) for uid in self.box.uids(AND(header=H(header, value)))]
        # Anyone can send a Message-ID with 8-bit bytes in it (RFC 6532 allows UTF-8 there), and
        # imap-tools encodes search keys as US-ASCII. RFC 3501 (6.4.4) has every server take UTF-8
        # with CHARSET; the key goes as a literal, since a quoted string is 7-bit.
        client = self.box.client
        client.literal = value.encode("utf-8")  # type: ignore[assignment]  # imaplib sends bytes; typeshed says str
        try:
            typ, data = client.uid("SEARCH", "CHARSET", "UTF-8", "HEADER", header)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as exc:  # BAD: the server did not take the command at all
            typ, data = "BAD", [str(exc).encode()]
        if typ != "OK":
            # A server that cannot search in UTF-8 cannot find it: "not there", not a failed pass.
            log.warning("%s: the server cannot search for %s %s (%s)", folder, header, value, data)
            return []
        return [int(uid) for uid in b" ".join(d for d in data if isinstance(d, bytes)).split()]

    def find_drafts_for(self, folder: str, parent_message_id: str) -> list[ServerDraft]:
        """Rebound's drafts in a folder that answer this Message-ID (In-Reply-To and an X-Rebound-Draft header)."""
        uids = self.find_replies_to(folder, parent_message_id)
        if not uids:
            return []
        with _operation(f"fetch headers from {folder!r}"):
            headers = self._literals(uids, "BODY.PEEK[HEADER]", b"BODY[HEADER]")
        return [draft for uid, raw in sorted(headers.items()) if (draft := server_draft(uid, raw)) is not None]

    def find_drafts_for_each(self, folder: str, parents: Sequence[str]) -> dict[str, list[ServerDraft]]:
        """find_drafts_for() for many Message-IDs (ASCII ones) at once: one SEARCH and one FETCH per REPLIES_AT_ONCE of them."""
        return {
            parent: [draft for uid, raw in sorted(found.items()) if (draft := server_draft(uid, raw)) is not None]
            for parent, found in self._replies_to_each(folder, parents).items()
        }

    def replies_to_each(self, folder: str, parents: Sequence[str]) -> dict[str, list[str]]:
        """The Message-IDs of the messages in a folder that answer each of these Message-IDs (ASCII ones), read at once."""
        return {
            parent: [parse_email(raw, folder=folder).message_id for _uid, raw in sorted(found.items())]
            for parent, found in self._replies_to_each(folder, parents).items()
        }

    def _replies_to_each(self, folder: str, parents: Sequence[str]) -> dict[str, dict[int, bytes]]:
        """For each Message-ID, the headers of the messages whose In-Reply-To names it, by UID.

        SEARCH HEADER matches a substring, as find_replies_to() does one by one: a reply is counted
        for every Message-ID its In-Reply-To holds. One the search found but no Message-ID asked
        for explains is an error: the caller looks again one by one rather than miss a reply.
        """
        if any(not p.isascii() or not p for p in parents):
            raise ValueError("only ASCII Message-IDs can be searched for together")
        out: dict[str, dict[int, bytes]] = {p: {} for p in parents}
        self._select(folder)
        for chunk in _chunks(list(out), REPLIES_AT_ONCE):
            with _operation(f"search {folder!r} for replies to {len(chunk)} messages"):
                uids = [int(u) for u in self.box.uids(OR(header=[H("In-Reply-To", p) for p in chunk]))]
                headers = self._literals(uids, "BODY.PEEK[HEADER]", b"BODY[HEADER]") if uids else {}
            for uid, raw in headers.items():
                answers = " ".join(email.message_from_bytes(raw, policy=email.policy.compat32).get_all("In-Reply-To") or []).lower()
                named = [p for p in chunk if p.lower() in answers]
                if not named:
                    raise MailboxError(f"search {folder!r}: message {uid} answers none of the Message-IDs searched for")
                for parent in named:
                    out[parent][uid] = raw
        return out

    def append_message(self, folder: str, raw: bytes) -> None:
        """APPEND an unread message (the digest, when no SMTP server is configured)."""
        with _operation(f"deliver to {folder!r}"):
            self.box.append(raw, folder, flag_set=[])
        self._folders_changed()

    def remove_draft(self, folder: str, uid: int) -> None:
        """Delete one of Rebound's own drafts, and nothing else: UID EXPUNGE (RFC 4315) of that UID alone.

        A plain EXPUNGE (what imap-tools' delete() sends) would also remove every message the user
        had flagged \\Deleted in the folder; a server without UIDPLUS gets no deletion at all.
        """
        if not self._capable("UIDPLUS"):
            raise MailboxError(f"cannot delete draft {uid} from {folder!r}: {self.settings.host} has no UIDPLUS (UID EXPUNGE)")
        with _operation(f"delete draft {uid} from {folder!r}"):
            self.box.folder.set(folder, readonly=False)  # STORE needs the folder selected read-write
            self._selected = None  # the next read selects read-only again
            for command in (("STORE", str(uid), "+FLAGS.SILENT", r"(\Deleted)"), ("EXPUNGE", str(uid))):
                typ, data = self.box.client.uid(*command)
                if typ != "OK":
                    raise MailboxError(f"delete draft {uid} from {folder!r}: {command[0]} answered {typ} {data!r}")

    def ensure_folder(self, *path: str) -> str:
        """The folder at path in the personal namespace, with the server's prefix and separator, created if missing.

        ("Rebound", "Rejection") is "Rebound/Rejection" on most servers and "INBOX.Rebound.Rejection"
        where the personal namespace is "INBOX." with "."; imap-tools encodes the name in modified
        UTF-7. A new folder is subscribed, so mail clients that show only subscribed folders show it.
        """
        prefix, separator = self._namespace()
        name = prefix + (separator or " - ").join(path)
        if name in {folder.name for folder in self._list()}:
            return name
        with _operation(f"create folder {name!r}"):
            try:
                self.box.folder.create(name)
            except MailboxFolderCreateError:
                if not self.box.folder.exists(name):  # made meanwhile by another client: fine
                    raise
            self.box.folder.subscribe(name, True)
        self._folders = None
        log.info("created folder %s", name)
        return name

    def _namespace(self) -> tuple[str, str]:
        """The personal namespace's prefix and separator (RFC 2342), e.g. ("", "/") or ("INBOX.", ".")."""
        if self._capable("NAMESPACE"):
            with _operation("ask for the namespace"):
                typ, data = self.box.client.namespace()
            found = _PERSONAL_NAMESPACE.match(data[0] or b"") if typ == "OK" and data and isinstance(data[0], bytes) else None
            if found:
                prefix, separator = (_unquote(part) for part in found.groups())
                return utf7_decode(prefix.encode()), separator
        with _operation("ask for the folder separator"):
            root = self.box.folder.list("", "")  # LIST "" "" answers with the separator alone
        return "", root[0].delim if root else "/"

    def _capable(self, extension: str) -> bool:
        """Whether the server offers an extension, as it says once logged in: the greeting's list is often shorter."""
        if self._capabilities is None:
            with _operation("ask for the server's capabilities"):
                typ, data = self.box.client.capability()
            said = data[0] if typ == "OK" and data and isinstance(data[0], bytes) else b""
            self._capabilities = frozenset(said.decode(errors="replace").upper().split()) or frozenset(self.box.client.capabilities)
        return extension in self._capabilities

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


# NAMESPACE's answer starts with the personal namespaces, e.g. (("INBOX." ".")) or (("" "/")): the first one's prefix and separator.
_PERSONAL_NAMESPACE = re.compile(rb'^\(\("((?:[^"\\]|\\.)*)" (NIL|"(?:[^"\\]|\\.)*")\)')


def _unquote(value: bytes) -> str:
    """An IMAP quoted string's text ("" for NIL)."""
    text = value.decode("ascii", errors="replace")
    if text == "NIL":
        return ""
    return text.strip('"').replace('\\"', '"').replace("\\\\", "\\")


# Untagged responses that mean new mail (flag changes and expunges need no pass).
_CHANGES = ("EXISTS", "RECENT")


def _login(box: BaseMailBox, settings: ImapSettings, credentials: str | BearerTokens) -> None:
    if isinstance(credentials, str):
        box.login(settings.username, credentials, initial_folder=None)
    else:
        _login_oauth2(box, settings, credentials)


def _login_oauth2(box: BaseMailBox, settings: ImapSettings, tokens: BearerTokens) -> None:
    """AUTHENTICATE with a bearer token; once more with a refreshed one if the server refuses it."""
    from agent.oauth.bearer import SaslResponder, oauthbearer, xoauth2

    caps = box.client.capabilities
    # XOAUTH2 first: Microsoft offers nothing else, Google both; OAUTHBEARER is the standard one.
    mechanism = "XOAUTH2" if "AUTH=XOAUTH2" in caps else "OAUTHBEARER" if "AUTH=OAUTHBEARER" in caps else None
    where = f"log in to {settings.host} as {settings.username}"
    if mechanism is None:
        raise AuthError(f'{where}: the server offers no OAuth2 login (AUTH=XOAUTH2 or AUTH=OAUTHBEARER); use [imap] auth = "password"')
    token = tokens.access_token()
    for attempt in (1, 2):
        initial = (
            xoauth2(settings.username, token)
            if mechanism == "XOAUTH2"
            else oauthbearer(settings.username, token, settings.host, settings.effective_port)
        )
        try:
            box.client.authenticate(mechanism, SaslResponder(mechanism, initial).as_bytes)
            return
        except imaplib.IMAP4.abort:
            raise  # the connection is gone: that is no verdict on the token
        except imaplib.IMAP4.error as exc:
            if attempt == 2:
                raise AuthError(
                    f"{where}: the server refused the OAuth2 token, even a freshly refreshed one ({exc}); "
                    "check that IMAP is enabled for the account and that the app has the IMAP scope"
                ) from None
            log.info("%s: %s refused the access token; refreshing it once", where, mechanism)
            token = tokens.refreshed_token(token)


@dataclass(frozen=True)
class Folder:
    """A folder as LIST shows it."""

    name: str
    flags: tuple[str, ...]
    delimiter: str

    def has(self, flag: str) -> bool:
        """Whether LIST gave it this attribute. IMAP atoms are case-insensitive: Cyrus lists \\drafts and \\sent."""
        return flag.casefold() in {f.casefold() for f in self.flags}

    @property
    def leaf(self) -> str:
        """The last part of the name: "Drafts" in "INBOX.Drafts" and "[Gmail]/Drafts"."""
        return self.name.rsplit(self.delimiter, 1)[-1] if self.delimiter else self.name


def special_folder(folders: Sequence[Folder], flag: str, names: Sequence[str]) -> str | None:
    """The folder flagged `flag` (RFC 6154), else the one named like a common name, else None.

    By name: the whole name first, then its last part (a localised "INBOX.Entwürfe" on a server
    without SPECIAL-USE), the shallowest folder first; never a \\Noselect placeholder like "[Gmail]".
    """
    for folder in folders:
        if folder.has(flag) and not folder.has("\\Noselect"):
            return folder.name
    usable = sorted((f for f in folders if not f.has("\\Noselect")), key=lambda f: f.name.count(f.delimiter) if f.delimiter else 0)
    by_name = {f.name.casefold(): f.name for f in reversed(usable)}
    by_leaf = {f.leaf.casefold(): f.name for f in reversed(usable)}
    for table in (by_name, by_leaf):
        for candidate in names:
            if candidate.casefold() in table:
                return table[candidate.casefold()]
    return None


def fetch_batches(uids: Sequence[int], sizes: dict[int, int], cap: int, budget: int) -> Iterator[tuple[bool, list[int]]]:
    """Split UIDs, in order, into whole-message FETCHes of at most `budget` bytes; each message over `cap` alone, in part.

    Yields (whole, uids): whole=False for a message over the cap, fetched in part.
    """
    batch: list[int] = []
    used = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if size > cap or (batch and used + size > budget):
            if batch:
                yield True, batch
            batch, used = [], 0
        if size > cap:
            yield False, [uid]
            continue
        batch.append(uid)
        used += size
    if batch:
        yield True, batch


_UID = re.compile(rb"\bUID (\d+)", re.IGNORECASE)


def fetched_literals(data: Sequence[object], name: bytes) -> dict[int, bytes]:
    """UID → the literal named `name` (b"BODY[]", b"BODY[HEADER]") in imaplib's answer to a UID FETCH.

    Only responses that carry that literal count. A server may send "* n FETCH (UID x FLAGS (...))"
    in the middle of the answer when another client changes a flag (RFC 3501, 7.4.2); imap-tools
    paired the items two by two and took such a response for a message with an empty body.
    """
    out: dict[int, bytes] = {}
    for i, item in enumerate(data):
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], bytes) and isinstance(item[1], bytes)):
            continue
        meta, literal = item
        if name not in meta.upper():
            continue
        uid = _UID.search(meta)
        after = data[i + 1] if i + 1 < len(data) else b""
        if uid is None and isinstance(after, bytes):
            uid = _UID.search(after)  # "BODY[] {n}" first, "UID x)" after the literal
        if uid is not None:
            out[int(uid.group(1))] = literal
    return out


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
