"""What the classifier reads: the subject and the part of the body that carries the message.

Quoted history and footers carry no signal (or the wrong one: a quoted interview invitation under
a rejection), and cutting them is most of what makes classification fast.
"""

from __future__ import annotations

import re

# Past this many characters a recruiter email has said what it came to say.
MAX_BODY_CHARS = 2500

# Every pattern here runs over a whole body, and every line-anchored one starts again at each
# line: whitespace at a line start is [^\S\n] (spaces and tabs, not line breaks), so no attempt
# runs on past its own line. With \s a run of 20,000 blank lines was read 20,000 times over
# (13 s for one message); tests/test_text.py checks the shapes.
# Each pattern with the words one of which it cannot match without (lowercased): a search of the
# lowercased body for them costs a fraction of a pattern's own search, which tries every position
# of every body, and most mail holds none of them. (A pattern with no words is always searched.)
_QUOTE_HEADERS: list[tuple[tuple[str, ...], re.Pattern[str]]] = [
    # Clients wrap long attribution lines: "On Tue, 17 Nov 2026 at 10:22, Tom <tom@x.io>\nwrote:".
    (
        ("wrote", "schrieb", "a écrit", "schreef", "escribió"),
        re.compile(
            r"^[^\S\n]*On [^\n]{4,200}(\n[^\n]{0,80})?(wrote|schrieb|a écrit|schreef|escribió)[^\S\n]*:[^\S\n]*$",
            re.IGNORECASE | re.MULTILINE,
        ),
    ),
    ((" schrieb ",), re.compile(r"^[^\S\n]*Am .{4,200} schrieb .{0,200}:[^\S\n]*$", re.MULTILINE)),
    ((" a écrit",), re.compile(r"^[^\S\n]*Le .{4,200} a écrit[^\S\n]*:[^\S\n]*$", re.MULTILINE)),
    ((" schreef ",), re.compile(r"^[^\S\n]*Op .{4,200} schreef .{0,200}:[^\S\n]*$", re.MULTILINE)),
    ((" escribió",), re.compile(r"^[^\S\n]*El .{4,200} escribió[^\S\n]*:[^\S\n]*$", re.MULTILINE)),
    (
        ("--",),
        re.compile(
            r"^[^\S\n]*-{2,}[^\S\n]*(Original Message|Forwarded message|Ursprüngliche Nachricht|Weitergeleitete Nachricht|Message d'origine"
            r"|Message transféré|Oorspronkelijk bericht|Doorgestuurd bericht|Mensaje original|Mensaje reenviado)[^\S\n]*-{2,}",
            re.IGNORECASE | re.MULTILINE,
        ),
    ),
    # Outlook's quoted header block: "From: …" with "Sent:" or "Date:" on the next line (or the one
    # after), in each language's client: Von/Gesendet, De/Envoyé (French puts a space before the
    # colon), Van/Verzonden, De/Enviado (el).
    (
        ("from:", "von:", "de:", "de :", "van:"),
        re.compile(
            r"^[^\S\n]*(From|Von|De|Van)[^\S\n]?:[^\S\n].+\n(?:[^\S\n]*\n)?[^\S\n]*"
            r"(Sent|Date|Gesendet|Datum|Envoyé|Verzonden|Enviado(?: el)?|Fecha)[^\S\n]?:\s",
            re.IGNORECASE | re.MULTILINE,
        ),
    ),
    (("________",), re.compile(r"^_{8,}[^\S\n]*$", re.MULTILINE)),
]
_FOOTERS: list[tuple[tuple[str, ...], re.Pattern[str]]] = [
    (
        ("confidentiality", "disclaimer", "this e", "this message"),
        re.compile(
            r"^[^\S\n]*(CONFIDENTIALITY|DISCLAIMER|This (e-?mail|message) (and any attachments )?(is|may be) confidential)",
            re.IGNORECASE | re.MULTILINE,
        ),
    ),
    (("unsubscribe",), re.compile(r"^.{0,40}\bunsubscribe\b", re.IGNORECASE | re.MULTILINE)),
    (
        ("you are receiving this", "you received this", "to stop receiving"),
        re.compile(r"^[^\S\n]*(You are receiving this|You received this (e-?mail|message)|To stop receiving)", re.IGNORECASE | re.MULTILINE),
    ),
]
# The letters re.IGNORECASE takes for a letter of those words that str.lower() does not turn into it
# (dotless 'ı' for 'i', long 'ſ' for 's'; tests/test_text.py finds them all): a body holding one is searched in full.
_ODD_CASE = ("ı", "ſ")
_QUOTED_LINE = re.compile(r"^[^\S\n]*>.*\n?", re.MULTILINE)
# Three or more line breaks with only whitespace between them: one blank line.
_BLANKS = re.compile(r"\n(?:[^\S\n]*\n){2,}")


def strip_history(body: str) -> str:
    """The new part of a message: quoted replies, forwarded history and footers removed."""
    low = "" if any(map(body.__contains__, _ODD_CASE)) else body.lower()
    cut = len(body)
    for triggers, pattern in _QUOTE_HEADERS:
        m = pattern.search(body) if _may_hold(low, triggers) else None
        # A "quote header" in the first lines is more likely the message itself (a forward).
        if m and m.start() > 40:
            cut = min(cut, m.start())
    body = body[:cut]
    for triggers, pattern in _FOOTERS:
        m = pattern.search(body) if _may_hold(low, triggers) else None
        if m and m.start() > 200:
            body = body[: m.start()]
    if ">" in body:
        body = _QUOTED_LINE.sub("", body)
    return _BLANKS.sub("\n\n", body).strip()


def _may_hold(low: str, triggers: tuple[str, ...]) -> bool:
    """Whether the lowercased body holds one of a pattern's words (always, for a body with odd letters: low is then '')."""
    return not low or any(map(low.__contains__, triggers))


def compose(subject: str, body: str) -> str:
    """The text the pipeline sees: subject line, blank line, the trimmed body."""
    body = strip_history(body.replace("\r\n", "\n"))[:MAX_BODY_CHARS]
    subject = " ".join(subject.split())
    return f"{subject}\n\n{body}" if subject else body
