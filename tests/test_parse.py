"""agent/parse.py: raw bytes → IncomingEmail, whatever the bytes are."""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.domain import IncomingEmail
from agent.parse import MAX_HEADER_CHARS, MAX_TEXT_CHARS, fold, format_address, html_to_text, parse_email, synthetic_message_id
from agent.resources import demo_mail_dir


def b64word(text: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(text.encode()).decode()}?="


def message(headers: str, body: bytes = b"hello\r\n") -> bytes:
    return headers.replace("\n", "\r\n").encode() + b"\r\n" + body


def assert_single_line(mail: IncomingEmail) -> None:
    for name in ("subject", "from_name", "from_addr", "reply_to", "to", "message_id", "in_reply_to"):
        value = getattr(mail, name)
        assert "\n" not in value and "\r" not in value, (name, value)


# --- headers ------------------------------------------------------------------------------


def test_encoded_newline_in_subject_is_folded() -> None:
    raw = message(f"From: a@example.org\nSubject: {b64word('x' + chr(10) + 'Bcc: y')}\nMessage-ID: <1@example.org>\n")
    mail = parse_email(raw)
    assert mail.subject == "x Bcc: y"
    assert_single_line(mail)


def test_encoded_crlf_in_display_name_is_folded() -> None:
    raw = message(f"From: {b64word('Eve' + chr(13) + chr(10) + 'Bcc: victim@evil.example')} <eve@corp.example>\nSubject: s\n")
    mail = parse_email(raw)
    assert mail.from_addr == "eve@corp.example"
    assert_single_line(mail)


def test_rfc5322_folded_header_is_unfolded() -> None:
    raw = message("From: a@example.org\nSubject: Your application\n  to Acme\n\t(Data Analyst)\n")
    assert parse_email(raw).subject == "Your application to Acme (Data Analyst)"


def test_rfc2047_subject_and_name_decoded() -> None:
    raw = message("From: =?utf-8?q?Zo=C3=AB_Achterberg?= <Zoe@Example.ORG>\nSubject: =?iso-8859-1?q?R=E9ponse?=\n")
    mail = parse_email(raw)
    assert mail.from_name == "Zoë Achterberg"
    assert mail.from_addr == "zoe@example.org"
    assert mail.subject == "Réponse"


def test_reply_to_and_threading_headers() -> None:
    raw = message(
        "From: A <a@example.org>\nReply-To: B <B@Example.org>\nSubject: s\n"
        "Message-ID: junk <m1@example.org> more\nIn-Reply-To: <p@example.org>\n"
        "References: <r1@example.org>\n <r2@example.org> <p@example.org>\n"
    )
    mail = parse_email(raw)
    assert mail.reply_to == "b@example.org"
    assert mail.message_id == "<m1@example.org>"
    assert mail.in_reply_to == "<p@example.org>"
    assert mail.references == ("<r1@example.org>", "<r2@example.org>", "<p@example.org>")


def test_date_parsed_and_zone_kept() -> None:
    mail = parse_email(message("From: a@example.org\nDate: Tue, 17 Nov 2026 16:30:54 -0500\n"))
    assert mail.date == datetime(2026, 11, 17, 21, 30, 54, tzinfo=UTC)


@pytest.mark.parametrize("value", ["Tue, 17 Nov 2026 16:30:54 -0000", "Tue, 17 Nov 2026 16:30:54"])
def test_date_without_zone_is_aware_utc(value: str) -> None:
    # A naive datetime cannot be compared with the aware clock the draft policy uses.
    mail = parse_email(message(f"From: a@example.org\nDate: {value}\n"))
    assert mail.date is not None and mail.date.tzinfo is not None
    assert mail.date.utcoffset() == timedelta(0)
    assert datetime(2026, 11, 18, tzinfo=UTC) - mail.date == timedelta(hours=7, minutes=29, seconds=6)


def test_garbage_date_is_none() -> None:
    assert parse_email(message("From: a@example.org\nDate: yesterday-ish\n")).date is None


# --- bodies -------------------------------------------------------------------------------


def test_unknown_charset_falls_back_to_utf8() -> None:
    raw = message(
        "From: a@example.org\nSubject: =?x-klingon?q?hello_there?=\nContent-Type: text/plain; charset=x-klingon\n",
        "Dear Alex, we regret – no.\r\n".encode(),
    )
    mail = parse_email(raw)
    assert "Dear Alex, we regret – no." in mail.text
    assert "hello" in mail.subject


def test_unknown_charset_that_is_not_utf8_reads_as_cp1252() -> None:
    raw = message("From: a@example.org\nContent-Type: text/plain; charset=x-rebound-martian\n", "Café and crêpes after the AGM\r\n".encode("cp1252"))
    assert parse_email(raw).text.startswith("Café and crêpes after the AGM")


def test_a_megabyte_subject_is_cut_to_one_line() -> None:
    raw = message(f"From: Jenna <jenna@halberd.example>\nSubject: UX Researcher role {'x' * 1_200_000}\n", b"We regret...\r\n")
    mail = parse_email(raw)
    assert mail.subject.startswith("UX Researcher role xxx")
    assert len(mail.subject) == MAX_HEADER_CHARS


def test_undecodable_bytes_in_declared_charset_replaced() -> None:
    raw = message("From: a@example.org\nContent-Type: text/plain; charset=utf-8\n", b"caf\xe9 and more\r\n")
    mail = parse_email(raw)
    assert mail.text.startswith("caf\ufffd and more")


def test_broken_base64_does_not_raise_and_keeps_other_parts() -> None:
    raw = message(
        'From: a@example.org\nSubject: s\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="B"\n',
        b"--B\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not*base64@@@=\r\nSGVsbG8=\r\n"
        b"--B\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(b"the readable part")
        + b"\r\n--B--\r\n",
    )
    mail = parse_email(raw)
    assert isinstance(mail.text, str)
    assert "the readable part" in mail.text


def test_unpadded_base64_still_decoded() -> None:
    raw = message("From: a@example.org\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n", b"SGVsbG8gd29ybGQ\r\n")
    assert parse_email(raw).text == "Hello world"


def test_html_only_body_becomes_text() -> None:
    html_body = (
        b"<html><head><title>TITLE</title><style>p{color:red}</style></head><body>"
        b"<p>Dear&nbsp;Alex,</p><div>We regret to tell you &amp; <b>sorry</b>.</div>"
        b"<script>alert('SCRIPT')</script><p>Best,<br>Rachel</p></body></html>"
    )
    mail = parse_email(message("From: a@example.org\nContent-Type: text/html; charset=utf-8\n", html_body))
    assert "<" not in mail.text and ">" not in mail.text
    assert "Dear Alex," in mail.text
    assert "We regret to tell you & sorry." in mail.text
    assert "TITLE" not in mail.text and "SCRIPT" not in mail.text and "color" not in mail.text
    # Block elements keep the paragraphs apart.
    assert mail.text.index("Dear Alex,") < mail.text.index("We regret") < mail.text.index("Rachel")
    assert "\n" in mail.text.split("We regret")[0]


def test_plain_part_preferred_over_html() -> None:
    raw = message(
        'From: a@example.org\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="B"\n',
        b"--B\r\nContent-Type: text/plain\r\n\r\nPLAIN VERSION\r\n--B\r\nContent-Type: text/html\r\n\r\n<p>HTML VERSION</p>\r\n--B--\r\n",
    )
    mail = parse_email(raw)
    assert "PLAIN VERSION" in mail.text and "HTML VERSION" not in mail.text


def test_broken_html_yields_what_was_read() -> None:
    assert "We regret" in html_to_text("<p>We regret<div <<<>>> &bogus; <b")


def test_text_is_capped() -> None:
    raw = message("From: a@example.org\n", b"x" * (MAX_TEXT_CHARS * 3))
    assert len(parse_email(raw).text) == MAX_TEXT_CHARS


def nested(depth: int, inner: bytes) -> bytes:
    part = inner
    for level in range(depth):
        boundary = f"b{level}".encode()
        part = (
            b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n'
            b"--" + boundary + b"\r\n" + part + b"\r\n--" + boundary + b"--\r\n"
        )
    return b"From: deep@example.org\r\nSubject: deep\r\nMessage-ID: <deep@example.org>\r\nMIME-Version: 1.0\r\n" + part


DEEP_INNER = (
    b'Content-Type: multipart/mixed; boundary="leaf"\r\n\r\n'
    b"--leaf\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=cv.txt\r\n\r\nATTACHED CV\r\n"
    b"--leaf\r\nContent-Type: text/plain\r\n\r\nTHE DEEP TEXT\r\n"
    b"--leaf--\r\n"
)


@pytest.mark.parametrize("depth", [3, 60, 2000])
def test_deep_mime_nesting_yields_the_text_part(depth: int) -> None:
    mail = parse_email(nested(depth, DEEP_INNER))
    assert mail.text.strip() == "THE DEEP TEXT"  # and never the attachment beside it
    assert mail.subject == "deep" and mail.message_id == "<deep@example.org>"


def test_missing_message_id_gets_stable_synthetic_id() -> None:
    raw = message("From: a@example.org\nSubject: no id\n", b"body one\r\n")
    first, second = parse_email(raw), parse_email(raw)
    assert first.message_id == second.message_id == synthetic_message_id(raw)
    assert first.message_id.startswith("<") and first.message_id.endswith(">") and "@" in first.message_id
    other = parse_email(message("From: a@example.org\nSubject: no id\n", b"body two\r\n"))
    assert other.message_id != first.message_id


def test_empty_message_id_header_gets_synthetic_id() -> None:
    raw = message("From: a@example.org\nMessage-ID: \n")
    assert parse_email(raw).message_id == synthetic_message_id(raw)


def test_attachments_never_read_as_text() -> None:
    raw = message(
        'From: a@example.org\nSubject: s\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="XX"\n',
        b"--XX\r\nContent-Type: text/plain\r\n\r\nthe body\r\n"
        b"--XX\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=notes.txt\r\n\r\nATTACHED NOTES\r\n"
        b"--XX\r\nContent-Type: text/html\r\nContent-Disposition: ATTACHMENT; filename=page.html\r\n\r\n<p>ATTACHED PAGE</p>\r\n"
        b"--XX\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=fwd.eml\r\n\r\n"
        b"From: x@example.net\r\nSubject: inner\r\n\r\nATTACHED MESSAGE\r\n"
        b"--XX\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=cv.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(b"%PDF ATTACHED PDF") + b"\r\n--XX--\r\n",
    )
    mail = parse_email(raw)
    assert mail.text.strip() == "the body"


def test_html_attachment_not_used_when_no_plain_body() -> None:
    raw = message(
        'From: a@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="XX"\n',
        b"--XX\r\nContent-Type: text/html\r\nContent-Disposition: attachment; filename=a.html\r\n\r\n<p>ATTACHED</p>\r\n--XX--\r\n",
    )
    assert parse_email(raw).text == ""


def test_size_and_location_recorded() -> None:
    raw = message("From: a@example.org\n")
    mail = parse_email(raw, folder="INBOX", uid=42, truncated=True)
    assert (mail.folder, mail.uid, mail.size, mail.truncated) == ("INBOX", 42, len(raw), True)


# --- hostile input never raises ---------------------------------------------------------


def test_random_bytes_do_not_raise() -> None:
    rng = random.Random(20261125)
    for _ in range(300):
        raw = rng.randbytes(rng.randint(0, 4000))
        mail = parse_email(raw)
        assert isinstance(mail, IncomingEmail)
        assert mail.message_id
        assert_single_line(mail)


def test_mutated_real_mail_does_not_raise() -> None:
    rng = random.Random(7)
    samples = [p.read_bytes() for p in sorted(demo_mail_dir().glob("*.eml"))]
    assert samples
    junk = [
        b"\r\n",
        b"\n ",
        b"=?",
        b"?=",
        b"=?utf-8?b?",
        b"--",
        b":",
        b"<",
        b">",
        b"\x00",
        b"\xff",
        b"boundary=",
        b"Content-Type: multipart/mixed",
    ]
    for _ in range(300):
        data = bytearray(rng.choice(samples))
        for _ in range(rng.randint(1, 12)):
            pos = rng.randrange(len(data))
            if rng.random() < 0.5:
                data[pos : pos + rng.randint(0, 8)] = rng.choice(junk)
            else:
                data[pos] = rng.randrange(256)
        mail = parse_email(bytes(data))
        assert isinstance(mail.text, str)
        assert_single_line(mail)


def test_empty_input() -> None:
    mail = parse_email(b"")
    assert mail.text == "" and mail.subject == "" and mail.from_addr == ""
    assert mail.message_id == synthetic_message_id(b"")


# --- helpers ------------------------------------------------------------------------------


def test_fold_collapses_all_whitespace() -> None:
    assert fold("a\r\n b\t\tc\n\nBcc: d ") == "a b c Bcc: d"
    assert fold(None) == ""


def test_format_address_quotes_and_folds() -> None:
    assert format_address("", "a@example.org") == "a@example.org"
    assert format_address("Morgan, Alex", "a@example.org") == '"Morgan, Alex" <a@example.org>'
    folded = format_address("Eve\r\nBcc: x@evil.example", "eve@example.org")
    assert "\n" not in folded and folded.endswith("<eve@example.org>")


def test_demo_mail_parses(tmp_path: Path) -> None:
    for path in sorted(demo_mail_dir().glob("*.eml")):
        mail = parse_email(path.read_bytes())
        assert mail.from_addr and "@" in mail.from_addr, path.name
        assert mail.message_id.startswith("<demo-"), path.name
        assert mail.date is not None and mail.date.tzinfo is not None, path.name
        assert len(mail.text) > 50, path.name


def test_single_part_attachment_is_not_text() -> None:
    raw = message("From: a@example.org\nContent-Type: text/plain\nContent-Disposition: attachment; filename=cv.txt\n", b"CV TEXT\r\n")
    assert parse_email(raw).text == ""
