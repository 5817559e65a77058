"""Property-based tests (Hypothesis) over the parser and the draft writer.

Whatever bytes, MIME trees and header values arrive: parse_email never raises and gives header
fields without line breaks or control characters, and a rejection's draft has clean headers and
exactly one To with one address (or no draft, with a reason). Runs are bounded and derandomised
(fixed examples, no deadline) so the suite stays fast and a failure replays the same way.
"""

from __future__ import annotations

import base64
import email.policy
import quopri
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import getaddresses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.config import DraftSettings, ProfileSettings
from agent.domain import Classification, DraftKind, Extraction, IncomingEmail, Label, Situation, Stage
from agent.drafts import DraftWriter
from agent.parse import MAX_TEXT_CHARS, parse_email

BOUNDED = settings(max_examples=150, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
WRITER = DraftWriter(ProfileSettings(name="Alex Morgan", email="alex.morgan@example.org"), DraftSettings())
REJECTION = Classification(
    label=Label.REJECTION,
    confidence=0.95,
    extraction=Extraction(company="Acme", role="Analyst", stage=Stage.INTERVIEW, situation=Situation.AFTER_INTERVIEW, situation_sure=True),
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
HEADER_FIELDS = ("message_id", "subject", "from_name", "from_addr", "reply_to", "to", "in_reply_to", "mailing_list")


def fields_are_one_clean_line(mail: IncomingEmail) -> None:
    for name in HEADER_FIELDS:
        value = getattr(mail, name)
        assert not _CONTROL.search(value), (name, value)
    for ref in mail.references:
        assert not _CONTROL.search(ref), ref
    assert len(mail.text) <= MAX_TEXT_CHARS


def draft_is_well_formed(raw: bytes) -> None:
    head = raw.split(b"\r\n\r\n", 1)[0]
    lines = head.split(b"\r\n")
    assert all(b"\r" not in line and b"\n" not in line for line in lines), head
    assert not any(re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", line) for line in lines), head
    # Unfold, then read each header as a UTF-8 mail client does.
    unfolded = re.sub(rb"\r\n[ \t]", b" ", head).decode("utf-8").split("\r\n")
    to = [line[3:] for line in unfolded if line.lower().startswith("to:")]
    assert len(to) == 1, head
    assert not any(line.lower().startswith(("cc:", "bcc:")) for line in unfolded), head
    addresses = [addr for _, addr in getaddresses(to) if addr]
    assert len(addresses) == 1, to
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert len(parsed.get_all("To") or []) == 1


def drafts_of(mail: IncomingEmail) -> None:
    kinds, reason = WRITER.kinds_for(mail, REJECTION, NOW)
    if not kinds:
        assert reason, mail
        return
    for plan in WRITER.plan(kinds, mail, REJECTION, NOW):
        draft_is_well_formed(plan.raw)


# --- strategies -----------------------------------------------------------------------------

# Header text the way hostile mail carries it: any character, line breaks and controls included,
# sometimes hidden in an RFC 2047 encoded word.
_any_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)


def _encoded_word(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


# ...and text that is itself an encoded word (double-encoded in the raw header), which the email
# package would decode a second time when a draft is built.
_raw_text = st.one_of(_any_text, _any_text.map(_encoded_word), st.builds(lambda a, b: a + " " + _encoded_word(b), _any_text, _any_text))


@st.composite
def header_values(draw: st.DrawFn) -> bytes:
    text = draw(_raw_text)
    how = draw(st.sampled_from(["raw", "q", "b", "bytes"]))
    if how == "raw":
        return text.encode("utf-8")
    if how == "bytes":
        return draw(st.binary(max_size=60)).replace(b"\r\n", b" ")
    if how == "b":
        return _encoded_word(text).encode()
    return b"=?utf-8?q?" + quopri.encodestring(text.encode(), header=True).replace(b"\n", b"") + b"?="


_addresses = st.one_of(
    st.emails().map(lambda a: a.encode()),
    st.builds(lambda n, a: n + b" <" + a.encode() + b">", header_values(), st.emails()),
    header_values(),
)
_HEADER_NAMES = ["Subject", "From", "Reply-To", "To", "Message-ID", "In-Reply-To", "References", "List-Id", "Precedence", "Date"]


@st.composite
def messages_with_random_headers(draw: st.DrawFn) -> bytes:
    lines = [b"From: " + draw(_addresses)]
    for name in draw(st.lists(st.sampled_from(_HEADER_NAMES), max_size=8)):
        value = draw(_addresses) if name in ("From", "Reply-To", "To") else draw(header_values())
        # Values with bare line breaks: some become continuation lines, some new "headers".
        lines.append(name.encode() + b": " + value)
    body = draw(st.binary(max_size=200))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


@st.composite
def mime_trees(draw: st.DrawFn, depth: int = 0) -> EmailMessage:
    msg = EmailMessage()
    if depth < 4 and draw(st.booleans()):
        msg.make_mixed() if draw(st.booleans()) else msg.make_alternative()
        msg.set_boundary(f"b{depth}-{draw(st.integers(0, 10**6))}")  # not the email package's random one
        for _ in range(draw(st.integers(0, 3))):
            msg.attach(draw(mime_trees(depth=depth + 1)))
        return msg
    kind = draw(st.sampled_from(["plain", "html", "attachment", "bytes"]))
    if kind == "bytes":
        msg.set_content(draw(st.binary(max_size=200)), maintype="application", subtype="octet-stream")
        return msg
    text = draw(st.text(max_size=300))
    cte = draw(st.sampled_from(["base64", "quoted-printable", "8bit"]))
    msg.set_content(text, subtype="html" if kind == "html" else "plain", cte=cte)
    if kind == "attachment":
        msg.add_header("Content-Disposition", "attachment", filename="a.txt")
    # A charset no codec knows, or one that lies about the bytes.
    msg.set_param("charset", draw(st.sampled_from(["utf-8", "latin-1", "x-unknown", "utf-16", "ascii"])))
    return msg


@st.composite
def mime_messages(draw: st.DrawFn) -> bytes:
    msg = draw(mime_trees())
    raw = msg.as_bytes(policy=email.policy.SMTP)
    head = b"From: Dana Whitfield <dana@acme.example>\r\nSubject: " + draw(header_values()) + b"\r\nMessage-ID: <t@acme.example>\r\n"
    if draw(st.booleans()):  # cut the message anywhere: a truncated download
        raw = raw[: draw(st.integers(0, len(raw)))]
    return head + raw


# --- properties -----------------------------------------------------------------------------


@BOUNDED
@given(st.binary(max_size=2000))
def test_random_bytes(raw: bytes) -> None:
    fields_are_one_clean_line(parse_email(raw))


@BOUNDED
@given(messages_with_random_headers())
def test_random_header_values(raw: bytes) -> None:
    mail = parse_email(raw)
    fields_are_one_clean_line(mail)
    drafts_of(mail)


@BOUNDED
@given(mime_messages())
def test_random_mime_trees(raw: bytes) -> None:
    mail = parse_email(raw)
    fields_are_one_clean_line(mail)
    drafts_of(mail)


@BOUNDED
@given(
    subject=_raw_text,
    from_name=_raw_text,
    from_addr=st.one_of(st.emails(), _raw_text),
    reply_to=st.one_of(st.just(""), st.emails(), _raw_text),
    message_id=_raw_text,
    references=st.lists(_raw_text, max_size=4),
)
def test_the_writer_alone_with_unparsed_values(
    subject: str, from_name: str, from_addr: str, reply_to: str, message_id: str, references: list[str]
) -> None:
    # A source other than parse.py (the Maildir demo, a future one) may hand over anything.
    mail = IncomingEmail("INBOX", 1, message_id, subject, from_name, from_addr, reply_to, "", NOW, "We regret.", references=tuple(references))
    kinds, reason = WRITER.kinds_for(mail, REJECTION, NOW)
    if not kinds:
        assert reason
        return
    for plan in WRITER.plan([DraftKind.REPLY], mail, REJECTION, NOW):
        draft_is_well_formed(plan.raw)
