"""Raw RFC 5322 bytes → IncomingEmail, tolerant of everything real mail gets wrong."""

from __future__ import annotations

import email
import email.parser
import email.policy
import hashlib
import html
import re
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from html.parser import HTMLParser
from typing import ClassVar

from agent.domain import IncomingEmail, ServerDraft

# Enough for any real MIME tree; a 2,000-deep hostile one is cut here instead of recursing.
MAX_MIME_DEPTH = 50
MAX_PARTS = 500
# Text beyond this carries no signal for classification and only costs time.
MAX_TEXT_CHARS = 20_000
# RFC 5322 caps a line at 998 characters. A longer Subject (or Message-ID, or name) is an attack or
# a broken generator: a megabyte Subject would fail classification (spaCy refuses texts over a
# million characters), so a genuine rejection under it would never be drafted, and be copied into
# the draft's own Subject.
MAX_HEADER_CHARS = 998
# Threading needs only the newest few References (drafts keep 20).
MAX_REFERENCES = 100

_WS = re.compile(r"\s+")


def fold(value: object) -> str:
    """Collapse every run of whitespace, line breaks included, into one space.

    Every header value copied from incoming mail goes through here, so a Subject that
    decodes to "Hi\\nBcc: x" can never become a header of its own in a draft.
    """
    return _WS.sub(" ", str(value or "")).strip()


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 - a malformed header must not stop the message
        value = msg.get_all(name, failobj=[""])[0] if hasattr(msg, "get_all") else ""
    if value is None:
        return ""
    try:
        return fold(str(value))
    except Exception:  # noqa: BLE001
        return fold(repr(value))


def _msgid(value: str) -> str:
    match = re.search(r"<[^<>\s]+>", value)
    return match.group(0) if match else fold(value)


def _msgids(value: str) -> tuple[str, ...]:
    return tuple(re.findall(r"<[^<>\s]+>", value))


def _addresses(value: str) -> list[tuple[str, str]]:
    try:
        return [(fold(n), fold(a)) for n, a in getaddresses([value]) if a]
    except Exception:  # noqa: BLE001
        name, addr = parseaddr(value)
        return [(fold(name), fold(addr))] if addr else []


class _TextFromHtml(HTMLParser):
    """Visible text of an HTML body: enough for classification, no rendering."""

    _BLOCK: ClassVar[set[str]] = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "td", "blockquote"}
    _SKIP: ClassVar[set[str]] = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self._BLOCK:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.chunks.append(data)


def html_to_text(markup: str) -> str:
    """Strip tags, keep paragraph breaks."""
    parser = _TextFromHtml()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # noqa: BLE001 - broken HTML still yields what was read so far
        pass
    text = html.unescape("".join(parser.chunks))
    text = re.sub(r"[ \t\xa0]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


def _decode(part: Message) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - broken transfer encoding
        payload = None
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # a charset Python has never heard of
        # Usually UTF-8 under a private name, else a legacy 8-bit Western encoding. Decoding the
        # latter as UTF-8 gives runs of U+FFFD, which carry nothing and pull the classifier towards
        # "rejection" (seen with the hostile-mailbox test); cp1252 keeps the words readable.
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            return payload.decode("cp1252", errors="replace")


def _is_attachment(part: Message) -> bool:
    return str(part.get("Content-Disposition") or "").strip().lower().startswith("attachment")


def _text_parts(msg: Message) -> tuple[list[str], list[str], bool]:
    """Plain and HTML bodies, walked iteratively so nesting depth cannot blow the stack.

    The third value says whether the walk was cut short (too deep or too many parts).
    """
    plain: list[str] = []
    htmls: list[str] = []
    stack: list[tuple[Message, int]] = [(msg, 0)]
    seen = 0
    cut = False
    while stack:
        if seen >= MAX_PARTS:
            cut = True
            break
        part, depth = stack.pop()
        seen += 1
        if _is_attachment(part) and (depth > 0 or not part.is_multipart()):
            continue  # attachments are never unpacked, an attached message/rfc822 included
        if part.is_multipart():
            if depth >= MAX_MIME_DEPTH:
                cut = True
                continue
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend((c, depth + 1) for c in reversed(children) if isinstance(c, Message))
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain":
            plain.append(_decode(part))
        elif ctype == "text/html":
            htmls.append(_decode(part))
    return plain, htmls, cut


def body_text(msg: Message) -> str:
    """The readable text of a message: its plain parts, else its HTML parts as text."""
    return _body_text(msg)[0]


def _body_text(msg: Message) -> tuple[str, bool]:
    plain, htmls, cut = _text_parts(msg)
    text = "\n\n".join(p for p in plain if p.strip())
    if not text.strip() and htmls:
        text = "\n\n".join(html_to_text(h) for h in htmls)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text[:MAX_TEXT_CHARS], cut


_MULTIPART_HEADER = re.compile(rb"^content-type:[ \t]*multipart/", re.IGNORECASE | re.MULTILINE)


def _flat_body_text(raw: bytes) -> str:
    """Text parts found by scanning boundaries, for MIME trees too deep to parse as a tree."""
    plain: list[str] = []
    htmls: list[str] = []
    leaves = 0
    for chunk in re.split(rb"\r?\n--[^\r\n]*\r?\n", raw)[1:]:
        head = re.split(rb"\r?\n\r?\n", chunk, maxsplit=1)[0]
        if _MULTIPART_HEADER.search(head):
            continue  # a container: its children are chunks of their own, so only leaves count
        leaves += 1
        if leaves > MAX_PARTS:
            break
        part = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(chunk)
        if _is_attachment(part):
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain":
            plain.append(_decode(part))
        elif ctype == "text/html":
            htmls.append(_decode(part))
    text = "\n\n".join(p for p in plain if p.strip()) or "\n\n".join(html_to_text(h) for h in htmls)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text[:MAX_TEXT_CHARS]


def synthetic_message_id(raw: bytes) -> str:
    """A stable stand-in for mail that arrives without a Message-ID."""
    return f"<rebound-{hashlib.sha256(raw).hexdigest()[:32]}@local.invalid>"


def parse_email(
    raw: bytes, *, folder: str = "", uid: int = 0, size: int = 0, truncated: bool = False, received: datetime | None = None
) -> IncomingEmail:
    """Parse raw bytes; never raises on malformed content, only degrades."""
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        text, cut = _body_text(msg)
        if cut and not text.strip():
            # The tree is deeper (or wider) than the walk goes: find the text parts by their boundaries.
            text = _flat_body_text(raw)
    except RecursionError:  # the stdlib parser recurses once per MIME level
        msg = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw, headersonly=True)
        text = _flat_body_text(raw)
    decoded: Message
    try:
        decoded = email.parser.BytesParser(policy=email.policy.default).parsebytes(raw, headersonly=True)
    except Exception:  # noqa: BLE001
        decoded = msg
    subject = _decoded_header(decoded, msg, "Subject")
    from_value = _decoded_header(decoded, msg, "From")
    senders = _addresses(from_value)
    from_name, from_addr = senders[0] if senders else ("", "")
    reply_to = _addresses(_decoded_header(decoded, msg, "Reply-To"))
    to = _decoded_header(decoded, msg, "To")
    date: datetime | None
    try:
        date = parsedate_to_datetime(_header(msg, "Date"))
    except (TypeError, ValueError, IndexError):
        date = None
    if date is not None and date.tzinfo is None:
        # "-0000" or no zone at all: read as UTC, so it compares with the aware clock (draft age).
        date = date.replace(tzinfo=UTC)
    message_id = _msgid(_header(msg, "Message-ID")) or synthetic_message_id(raw)
    cap = MAX_HEADER_CHARS
    return IncomingEmail(
        folder=folder,
        uid=uid,
        message_id=message_id[:cap],
        subject=subject[:cap],
        from_name=from_name[:cap],
        from_addr=from_addr.lower()[:cap],
        reply_to=reply_to[0][1].lower()[:cap] if reply_to else "",
        to=to[:cap],
        date=date,
        text=text,
        in_reply_to=_msgid(_header(msg, "In-Reply-To"))[:cap],
        references=tuple(r for r in _msgids(_header(msg, "References")) if len(r) <= cap)[-MAX_REFERENCES:],
        size=size or len(raw),
        truncated=truncated,
        received=received,
    )


def _decoded_header(decoded: Message, raw: Message, name: str) -> str:
    """A header with RFC 2047 words decoded, falling back to the raw value when decoding fails."""
    try:
        value = decoded.get(name)
        return fold(value) if value is not None else ""
    except Exception:  # noqa: BLE001
        return _header(raw, name)


def format_address(name: str, addr: str) -> str:
    """'Name <addr>' with correct quoting, or the bare address."""
    if not name:
        return addr
    try:
        return str(Address(display_name=fold(name), addr_spec=addr))
    except (ValueError, IndexError):
        return addr


def server_draft(uid: int, raw: bytes) -> ServerDraft | None:
    """The draft in these bytes when Rebound wrote it (its X-Rebound-Draft header says which kind), else None."""
    try:
        headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
        kind = fold(headers.get("X-Rebound-Draft"))
    except Exception:  # noqa: BLE001 - a header this broken is not one Rebound wrote
        return None
    return ServerDraft(uid, parse_email(raw).message_id, kind) if kind else None
