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

from agent.addresses import needs_utf8
from agent.domain import IncomingEmail, RawEmail, ServerDraft

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

# C0 and C1 control characters (NUL, ESC, DEL, NEL, ...) read as spaces: a decoded Subject may
# carry them, and in a draft's headers they reach the user's mail client and terminal.
_CONTROLS = dict.fromkeys([*range(0x20), *range(0x7F, 0xA0)], " ")


def fold(value: object) -> str:
    """Collapse every run of whitespace, line breaks and control characters included, into one space.

    Every header value Rebound writes goes through here, so a Subject that decodes to
    "Hi\\nBcc: x" can never become a header of its own in a draft, nor "\\x1b[2J" clear a screen; NUL goes too
    (RFC 5322 forbids it in a header, and PostgreSQL's text columns refuse it).
    """
    return " ".join(str(value or "").translate(_CONTROLS).split())


def header_text(value: object) -> str:
    """A value from incoming mail as Rebound writes it into a header: folded, and never decoded twice.

    Text that still reads "=?utf-8?b?...?=" after parse.py decoded it once (a double-encoded
    Subject) would be decoded again by the email package when the draft is built, and a "\\n" in
    it written raw: "Re: \\nBcc: victim@evil.example" (found by tests/test_properties.py). Breaking
    the "=?" keeps it text.
    """
    return fold(value).replace("=?", "= ?")


def _first_values(msg: Message) -> dict[str, str] | None:
    """Each header's first raw value, by lower-case name: one walk over the headers instead of one per header read."""
    try:
        index: dict[str, str] = {}
        for key, raw in msg.raw_items():
            if isinstance(raw, str):
                index.setdefault(key.lower(), raw)
        return index
    except Exception:  # noqa: BLE001 - each header is then looked for the slow way
        return None


def _header(msg: Message, name: str, index: dict[str, str] | None = None) -> str:
    if index is not None:
        raw = index.get(name.lower())
        if raw is None:
            return ""
        return fold(raw.encode("ascii", "surrogateescape").decode("utf-8", "replace"))
    try:
        for key, raw in msg.raw_items():
            if key.lower() == name.lower() and isinstance(raw, str):
                # 8-bit bytes arrive as surrogate escapes. RFC 6532 allows UTF-8 in any header, a
                # Message-ID included, and servers decode them that way when they SEARCH (Dovecot:
                # UTF-8, else U+FFFD per bad byte, as here), so the ID Rebound keeps is the one it can find.
                return fold(raw.encode("ascii", "surrogateescape").decode("utf-8", "replace"))
    except Exception:  # noqa: BLE001 - fall back to what the message object makes of it
        pass
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


# Elements whose tags break a line, and elements never shown (skipped with their content).
_BLOCK = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "td", "blockquote"})
# One pass over the markup, each construct matched once: a comment or a hidden element runs to its
# end (or to the end of the markup), a tag to its ">" (or to the next "<"), so no "<" is read twice.
# html.parser rescans to the end of the markup for every unterminated "<!--", "</" or "<?":
# 200 KB of "<!--x" took 13 s, and a message may hold 10 MB of it.
_MARKUP = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<(script|style|head|title)\b.*?(?:</\1[^\S\n]*>|\Z)"
    r"""|</?([a-z][^\s/<>]*)(?:[^<>"']|"[^"<]*"|'[^'<]*')*>?"""
    r"|<[!?][^<>]*>?",
    re.IGNORECASE | re.DOTALL,
)


def _markup_to_text(match: re.Match[str]) -> str:
    name = match.group(2)
    return "\n" if name and name.lower() in _BLOCK else ""


def html_to_text(markup: str) -> str:
    """Strip tags, keep paragraph breaks; linear in the length of the markup, whatever it holds."""
    text = html.unescape(_MARKUP.sub(_markup_to_text, markup))
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


# Precedence values that mark mail sent to many (RFC 2076; what list managers and bulk senders set).
_BULK_PRECEDENCE = frozenset({"list", "bulk", "junk"})


def _mailing_list(msg: Message, index: dict[str, str] | None = None) -> str:
    """What shows the message came through a mailing list or a bulk send ('' when nothing does)."""
    for name in ("List-Id", "List-Post"):
        if value := _header(msg, name, index):
            return f"{name}: {value}"[:200]
    precedence = _header(msg, "Precedence", index).lower()
    return f"Precedence: {precedence}" if precedence in _BULK_PRECEDENCE else ""


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
    index = _first_values(msg)
    headers = _Headers(raw, msg, index)
    subject = headers.decoded("Subject")
    senders = _addresses(headers.decoded("From"))
    from_name, from_addr = senders[0] if senders else ("", "")
    reply_to = _addresses(headers.decoded("Reply-To"))
    to = headers.decoded("To")
    date: datetime | None
    try:
        date = parsedate_to_datetime(_header(msg, "Date", index))
    except (TypeError, ValueError, IndexError):
        date = None
    if date is not None and date.tzinfo is None:
        # "-0000" or no zone at all: read as UTC, so it compares with the aware clock (draft age).
        date = date.replace(tzinfo=UTC)
    message_id = _msgid(_header(msg, "Message-ID", index)) or synthetic_message_id(raw)
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
        text=text.replace("\x00", ""),  # a body may decode to NUL, which PostgreSQL's text refuses
        in_reply_to=_msgid(_header(msg, "In-Reply-To", index))[:cap],
        references=tuple(r for r in _msgids(_header(msg, "References", index)) if len(r) <= cap)[-MAX_REFERENCES:],
        size=size or len(raw),
        truncated=truncated,
        received=received,
        mailing_list=_mailing_list(msg, index),
    )


def parse_raw(mail: RawEmail) -> IncomingEmail:
    """A fetched message, parsed."""
    return parse_email(mail.raw, folder=mail.folder, uid=mail.uid, size=mail.size, truncated=mail.truncated, received=mail.received)


# In a value with these, the modern parser reads comments and quoted strings its own way (a comment
# is no display name to it): such values go through it, as do encoded words and 8-bit bytes.
_PARSER_ONLY = frozenset('()"\\')


_ADDRESS_HEADERS = frozenset({"from", "reply-to", "to", "cc", "sender"})


def _one_plain_address(value: str) -> bool:
    """Whether a header holds one address as "Name <local@domain>" or "local@domain" (anything else goes through the parser)."""
    value = value.strip()
    if any(c in value for c in ",;:[]"):  # several addresses, a group, a domain literal
        return False
    name, bracket, address = value.rpartition("<")
    if bracket:
        address = address.removesuffix(">")
        if "@" in name or "<" in name or ">" in address:
            return False
    else:
        address = value
    local, at, domain = address.partition("@")
    return bool(at and local and domain) and "@" not in domain and " " not in address and ">" not in address and value.endswith(">") == bool(bracket)


class _Headers:
    """The headers a pass reads, RFC 2047 words decoded; the email package's modern parser only where it changes something.

    That parser builds a tree per header (a third of the time a message took to read, measured on
    the team's mail); a header in plain ASCII, with no encoded word, comment or quoted string,
    reads the same without it.
    """

    def __init__(self, raw: bytes, msg: Message, index: dict[str, str] | None) -> None:
        self.raw = raw
        self.msg = msg
        self.index = index
        self._decoded: Message | None = None

    def decoded(self, name: str) -> str:
        """A header with RFC 2047 words decoded, falling back to the raw value when decoding fails."""
        value = self.index.get(name.lower()) if self.index is not None else self.msg.get(name)
        if value is None:
            return ""
        plain = isinstance(value, str) and value.isascii() and "=?" not in value and _PARSER_ONLY.isdisjoint(value)
        if plain and (name.lower() not in _ADDRESS_HEADERS or _one_plain_address(value)):
            return fold(value)
        try:
            if isinstance(value, str):
                # The modern policy's reading of this one header, as its parser would store and read it back:
                # parsing the whole header block that way also builds a Content-Type object (a third of the cost).
                return fold(email.policy.default.header_fetch_parse(name, value))
            if self._decoded is None:
                self._decoded = email.parser.BytesParser(policy=email.policy.default).parsebytes(self.raw, headersonly=True)
            decoded = self._decoded.get(name)
            return fold(decoded) if decoded is not None else ""
        except Exception:  # noqa: BLE001
            return _header(self.msg, name)


_SPECIALS = frozenset('()<>[]:;@\\,."')


def format_address(name: str, addr: str) -> str:
    """'Name <addr>' with correct quoting, or the bare address."""
    if not name:
        return addr
    name = fold(name)
    try:
        return str(Address(display_name=name, addr_spec=addr))
    except (ValueError, IndexError):
        # The stdlib refuses a non-ASCII local part (RFC 6532 allows it): quote the name ourselves.
        if not needs_utf8(addr) or "<" in addr or ">" in addr:
            return addr
        if any(c in _SPECIALS for c in name):
            name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return f"{name} <{addr}>"


def server_draft(uid: int, raw: bytes) -> ServerDraft | None:
    """The draft in these bytes when Rebound wrote it (its X-Rebound-Draft header says which kind), else None."""
    try:
        headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
        kind = fold(headers.get("X-Rebound-Draft"))
    except Exception:  # noqa: BLE001 - a header this broken is not one Rebound wrote
        return None
    return ServerDraft(uid, parse_email(raw).message_id, kind) if kind else None
