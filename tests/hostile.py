"""A hostile mailbox: malformed, huge and malicious mail, with four genuine rejections among it.

Each builder returns raw bytes as they would arrive over SMTP. The rejections are written the
way recruiters write them, so whether they are rejections is the classifier's call, not ours.
"""

from __future__ import annotations

import base64
import quopri
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

CRLF = b"\r\n"
NESTING = 2_000
BIG_ATTACHMENT_BYTES = 20 * 1024 * 1024
LONG_HEADER_BYTES = 20 * 1024
ATTACKER = "attacker@evil.example"


@dataclass(frozen=True)
class Hostile:
    name: str
    raw: bytes
    message_id: str | None  # None: the message has no (usable) Message-ID
    rejection: bool  # a genuine rejection, which must be drafted


def _head(message_id: str, sender: str, subject: str, when: datetime, extra: str = "") -> bytes:
    lines = [
        f"From: {sender}",
        "To: Alex Morgan <alex.morgan@example.com>",
        f"Subject: {subject}",
        f"Date: {format_datetime(when)}",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
    ]
    if extra:
        lines.append(extra)
    return CRLF.join(line.encode() for line in lines) + CRLF


def _crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


HTML_REJECTION = """\
<html><body style="font-family: Helvetica, Arial, sans-serif">
<p>Hi Alex,</p>
<p>Thank you for interviewing with us for the <b>Data Platform Engineer</b> role at Corvane Systems,
and for the time you spent with the panel last Thursday.</p>
<p>After a lot of discussion we have decided not to move forward with your application.
It was a close call, and the team enjoyed talking through the ingestion design with you.</p>
<p>We will keep your details on file and hope our paths cross again.</p>
<p>Best regards,<br>Priya Raman<br>Engineering Recruiter, Corvane Systems</p>
</body></html>
"""

BIG_REJECTION = """\
Dear Alex,

Thank you for taking the time to meet with us about the Senior Product Analyst position at
Lindqvist & Berg. We appreciated the chance to learn more about your work.

Unfortunately, we have decided to proceed with another candidate whose experience more closely
matches our current needs. This was not an easy decision.

I have attached the interview pack you asked about for your records. We wish you every success
in your search.

Kind regards,
Maren Holt
Talent Partner, Lindqvist & Berg
"""

SMUGGLED_REJECTION = """\
Hello Alex,

Thanks again for applying for the Backend Developer role at Oakridge Analytics and for completing
the technical screen with our team.

I'm sorry to let you know that we won't be progressing your application to the next stage. We
had a very strong pool of candidates and have chosen to move ahead with others.

Thank you for your interest in Oakridge, and good luck with your job search.

Best,
Tomas Lindgren
Recruiting Coordinator, Oakridge Analytics
"""

PLAIN_REJECTION = """\
Hi Alex,

Thank you for your interest in the UX Researcher position at Halberd Health and for the
conversations with our design team over the last few weeks.

After careful consideration, we regret to inform you that we will not be offering you the
position. We were impressed by your portfolio, but we have decided to go with a candidate
whose background is a closer fit for this role.

We'd be glad to hear from you again if a suitable opening comes up.

Warm regards,
Jenna Okafor
People Team, Halberd Health
"""


def hostile_mailbox(now: datetime | None = None, seed: int = 5) -> list[Hostile]:
    """The hostile messages, in delivery order: the plain rejection comes after all the rest."""
    now = now or datetime.now(UTC)
    rng = random.Random(seed)

    def at(i: int) -> datetime:
        return now - timedelta(minutes=30 - i)

    out: list[Hostile] = []

    # 1. 2,000 levels of multipart/mixed, a short note at the bottom.
    mid = "<deep-nesting@bulkmail.example>"
    opening = b"".join(f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode() for i in range(1, NESTING))
    closing = b"".join(f"\r\n--b{i}--\r\n".encode() for i in reversed(range(1, NESTING)))
    inner = b"Content-Type: text/plain; charset=us-ascii\r\n\r\nOur spring catalogue is out: thirty new garden chairs.\r\n"
    head = _head(mid, "Garden Depot <news@bulkmail.example>", "Spring catalogue", at(1), 'Content-Type: multipart/mixed; boundary="b0"')
    out.append(Hostile("deep-nesting", head + CRLF + b"--b0\r\n" + opening + inner + closing + b"\r\n--b0--\r\n", mid, False))

    # 2. A charset no codec knows.
    mid = "<unknown-charset@lists.example>"
    head = _head(
        mid,
        "Allotment Society <committee@lists.example>",
        "Minutes of the March meeting",
        at(2),
        'Content-Type: text/plain; charset="x-rebound-martian"\r\nContent-Transfer-Encoding: 8bit',
    )
    # Western European text in a legacy 8-bit encoding, under a charset name nobody registered.
    body = _crlf("The committee agreed to repaint the shed. Café and crêpes after the AGM, the tea rota is attached.\n").decode()
    body = body.encode("cp1252") + bytes([0x81, 0x8D, 0x9D]) * 4
    out.append(Hostile("unknown-charset", head + CRLF + body + CRLF, mid, False))

    # 3. base64 that is not base64: bad characters, a broken quantum, no padding.
    mid = "<broken-base64@billing.example>"
    head = _head(
        mid,
        "Billing <billing@billing.example>",
        "Your invoice",
        at(3),
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64",
    )
    good = base64.b64encode(b"Your invoice for March is ready. Amount due: 12.00 EUR.").decode()
    body = f"{good[:30]}!!**@@##\r\n{good[30:]}A\r\n====QQ=\r\n%%%\r\n".encode()
    out.append(Hostile("broken-base64", head + CRLF + body, mid, False))

    # 4. A rejection in HTML only.
    mid = "<html-only-rejection@corvane.example>"
    head = _head(
        mid,
        "Priya Raman <priya.raman@corvane.example>",
        "Your application - Data Platform Engineer",
        at(4),
        "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable",
    )
    out.append(Hostile("html-only-rejection", head + CRLF + quopri.encodestring(_crlf(HTML_REJECTION)), mid, True))

    # 5. 20 MB: the rejection in the text part, then a big attachment (above the 10 MB cap).
    mid = "<big-rejection@lindqvistberg.example>"
    head = _head(
        mid,
        "Maren Holt <maren.holt@lindqvistberg.example>",
        "Senior Product Analyst - update",
        at(5),
        'Content-Type: multipart/mixed; boundary="big-boundary"',
    )
    blob = base64.encodebytes(rng.randbytes(BIG_ATTACHMENT_BYTES * 3 // 4)).replace(b"\n", CRLF)
    body = (
        b"--big-boundary\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + _crlf(BIG_REJECTION)
        + b"\r\n--big-boundary\r\nContent-Type: application/zip\r\n"
        + b'Content-Disposition: attachment; filename="interview-pack.zip"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        + blob
        + b"\r\n--big-boundary--\r\n"
    )
    out.append(Hostile("20mb-rejection", head + CRLF + body, mid, True))

    # 6. Headers and nothing else: no blank line, no body.
    mid = "<header-only@notify.example>"
    out.append(Hostile("header-only", _head(mid, "Notifier <bot@notify.example>", "ping", at(6)), mid, False))

    # 7. A 20 KB header: a References line of a thousand Message-IDs, folded, plus one unfolded line.
    mid = "<long-header@forum.example>"
    refs = "\r\n ".join(f"<thread-{i:05d}@forum.example>" for i in range(LONG_HEADER_BYTES // 26))
    tracking = "X-Tracking: " + "z" * LONG_HEADER_BYTES
    head = _head(mid, "Forum Digest <digest@forum.example>", "Re: weekly digest", at(7), f"References: {refs}\r\n{tracking}")
    out.append(Hostile("20kb-header", head + CRLF + b"Twelve new posts in the woodworking forum this week.\r\n", mid, False))

    # 8. Random bytes (IMAP literals may not carry NUL, so those become 0x01).
    out.append(Hostile("random-bytes", rng.randbytes(16 * 1024).replace(b"\0", b"\1"), None, False))

    # 9. A Subject that decodes to a line break followed by a Bcc header, on a genuine rejection.
    mid = "<smuggled-subject@oakridge.example>"
    subject = "=?utf-8?q?Your_application_at_Oakridge=0D=0ABcc:_" + ATTACKER.replace("@", "=40") + "?="
    head = _head(mid, "Tomas Lindgren <tomas.lindgren@oakridge.example>", subject, at(9), "Content-Type: text/plain; charset=utf-8")
    out.append(Hostile("smuggling-subject", head + CRLF + _crlf(SMUGGLED_REJECTION), mid, True))

    # 10. A plain rejection after all the rest: it must still be reached.
    mid = "<plain-rejection@halberdhealth.example>"
    head = _head(
        mid, "Jenna Okafor <jenna.okafor@halberdhealth.example>", "UX Researcher role", at(10), "Content-Type: text/plain; charset=utf-8"
    )
    out.append(Hostile("plain-rejection", head + CRLF + _crlf(PLAIN_REJECTION), mid, True))
    return out
