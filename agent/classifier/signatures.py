"""Where a message's own words end: footers, the sign-off, and the name and organisation under it.

'Best regards,' / 'Mit freundlichen Grüßen' start the signature block; 'Sent from my iPhone' and
'This email was sent from an unmonitored mailbox' are footers; the organisation line comes after
the writer's name and title ('Talent Partner | Nordhavn Bank'). The phrases are data:
patterns/<lang>.toml [mail], patterns/README.md. Lines are read once each, word by word.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import islice

from agent.classifier.lexicon import WordTable, phrases, word_list, words
from agent.classifier.orgs import ascii_forms, clean_org_name, is_department, is_greeting, looks_like_org, squash, valid_org_name
from agent.classifier.senders import person_first_name
from agent.classifier.titles import is_title

# Between a name, a title and an organisation on one line: '|', '·', ' – ', ' @ ', 'at'. No quantifier: the
# spaces around a separator are stripped from the pieces (split_line), so a run of them cannot make it backtrack.
SEPARATORS = re.compile(r"[|·•/,–—]|\s-\s|\s@\s|\bat\b")
_ADDRESS_WORDS = words("names.address_words")
_SAINTS = words("names.saints")
_SIGN_OFFS = WordTable.of("mail.sign_offs")
_INLINE_SIGN_OFFS = phrases("mail.inline_sign_offs")
_ON_BEHALF = phrases("mail.on_behalf")
_FOOTER_CONTAINS = phrases("mail.footer_contains")
_FOOTER_STARTS = tuple(p for p in phrases("mail.footer_starts") if " ... " not in p)
_FOOTER_BETWEEN = tuple(tuple(p.split(" ... ")) for p in phrases("mail.footer_starts") if " ... " in p)
_WORD_RUN = re.compile(r"\w+")
# A sign-off line holds at most this much after its phrase ('Best regards, Dana Whitfield').
_MAX_SIGN_OFF_TAIL = 40
# A name after a sign-off run into the last line: at most this long ('Dana Patel, Lumio Labs').
_MAX_INLINE_SIGNATURE = 61


def _address_line(line: str) -> bool:
    """A street, a phone number or a web address: never the organisation line of a signature."""
    low = line.lower()
    if any(map(str.isdigit, line)) or "@" in line or "www." in low or "http:" in low or "https:" in low:
        return True
    ws = word_list(line)
    if ws and ws[0] in _SAINTS:
        ws = ws[1:]  # 'St Aidan's Primary': a saint opens a name, where a street's 'St' closes an address ('12 Quay St')
    return not _ADDRESS_WORDS.isdisjoint(ws) or (len(line) == 2 and line.isascii() and line.isalpha() and line.isupper())


def split_line(line: str, maxsplit: int = 0) -> list[str]:
    """A line's pieces between separators, trimmed: 'Dana Patel | Talent Partner - Nordhavn Bank' → three."""
    return [p.strip() for p in SEPARATORS.split(line, maxsplit)]


def org_in_line(line: str) -> str:
    """The organisation in a signature or display-name line: 'Talent Partner | Nordhavn Bank' -> 'Nordhavn Bank'."""
    raw = [p for p in split_line(line) if p]
    after_title = len(raw) > 1 and is_title(raw[0])  # 'Metro Editor | The Coastline Courier'
    pieces = [p for p in raw if valid_org_name(clean_org_name(p), after_title and p == raw[-1]) and not _address_line(p)]
    pieces = sorted(pieces, key=lambda p: is_department(clean_org_name(p)))  # stable: departments only when nothing else
    orgs = [p for p in pieces if looks_like_org(p) and not is_department(clean_org_name(p))]
    return orgs[0] if orgs else (pieces[0] if pieces and is_department(clean_org_name(pieces[0])) else pieces[-1] if pieces else "")


def is_footer(text: str) -> bool:
    """A footer paragraph or line: 'Sent from my iPhone', 'Please do not reply', 'On Tue, Sam wrote:'."""
    low = text.lower()
    if any(p in low for p in _FOOTER_CONTAINS) or low.startswith(_FOOTER_STARTS):
        return True
    first = low.partition("\n")[0]
    return any(first.startswith(head + " ") and " " + tail in first[len(head) :] for head, tail in _FOOTER_BETWEEN)


def trim_footer(text: str) -> str:
    """The text without trailing footers ('Sent from my iPhone', 'This email was sent from an unmonitored mailbox')."""
    paras = text.rstrip().split("\n\n")
    while len(paras) > 1 and is_footer(paras[-1]) and len(paras[-1]) < 400:
        kept = _above_footer_line(paras[-1])
        if kept:  # 'Acme GmbH' on the line above 'Dies ist eine automatische Nachricht': the organisation stays
            paras[-1] = kept
            break
        paras.pop()
    return "\n\n".join(paras)


def _above_footer_line(para: str) -> str:
    """The short lines of a paragraph above its first footer line, when none is a sentence or an address ('Acme GmbH');
    else the lines under its last footer line when each is an organisation's name ('Please do not reply.' / 'Harlowford City Council')."""
    lines = para.split("\n")
    for k, line in enumerate(lines):
        if is_footer(line):
            above = lines[:k]
            if above:
                return "\n".join(above) if all(
                    len(ln) <= 70 and not ln.rstrip().endswith((".", "!", "?")) and not _address_line(ln) for ln in above) else ""
            last = max(i for i, ln in enumerate(lines) if is_footer(ln))
            below = [ln.strip() for ln in lines[last + 1 :] if ln.strip()]
            return "\n".join(below) if below and all(
                len(ln) <= 70 and valid_org_name(clean_org_name(ln)) and not _address_line(ln) for ln in below) else ""
    return ""


def _sign_off_end(line: str) -> int:
    """Where the sign-off phrase a line opens with ends ('Gruß' in 'Gruß Uwe'), -1 when it opens with none or goes on too long."""
    start = 0
    while start < len(line) and not (line[start].isalnum() or line[start] == "_"):
        start += 1
    first = _WORD_RUN.match(line, start)
    if first is not None and first.group(0).lower() in _SIGN_OFFS.firsts:  # a line whose first word opens no sign-off needs no more words
        found = [(m.group(0).lower(), m.end()) for _, m in zip(range(_SIGN_OFFS.longest), _WORD_RUN.finditer(line[start:]), strict=False)]
        ws = [w for w, _ in found]
        for n in range(len(ws), 0, -1):
            if tuple(ws[:n]) in _SIGN_OFFS.exact:
                end = start + found[n - 1][1]
                return end if len(line) - end <= _MAX_SIGN_OFF_TAIL else -1
    return -1


def _is_sign_off(line: str) -> bool:
    """'Best regards,', 'Mit freundlichen Grüßen', 'Cheers, Dana', or any short closing line ending in a comma."""
    if _sign_off_end(line) >= 0:
        return True
    closing = line.rstrip(" \t")
    return closing.endswith(",") and 2 <= len(closing) - 1 <= 40 and not any(c in ".?:;" for c in closing)


def signature_start(text: str) -> int:
    """Where the sign-off block starts: after 'Best regards,' or any short closing line ending in a comma, else the last short paragraph.

    A name on the sign-off's own line ('Gruß Uwe', 'LG Alina', 'Best regards, Dana Whitfield') opens the block.
    """
    third, at, found = len(text) // 3, 0, -1
    for line in text.split("\n"):
        # 'Liebe Grüße' opens like a greeting ('Liebe Jana,') but says nothing else: a sign-off.
        if at >= third and _is_sign_off(line) and (not is_greeting(line.strip()) or tuple(word_list(line)) in _SIGN_OFFS.exact):
            end = _sign_off_end(line)
            found = at + (end if end >= 0 and _opens_name(line[end:]) else len(line))
        at += len(line) + 1
    if found >= 0:
        return found
    tail = text.rstrip()
    cut = tail.rfind("\n\n")
    return cut + 2 if cut > len(text) // 3 and len(tail) - cut < 200 else len(text)


def _opens_name(tail: str) -> bool:
    """Whether what follows a sign-off on its line is a name ('Uwe', ', Dana Whitfield | Acme'), not more of the closing."""
    piece = split_line(tail.strip(" \t,;:!.-–—"), maxsplit=1)[0]
    return bool(piece) and bool(person_first_name(piece))


def _inline_signature(text: str) -> str:
    """The writer after a sign-off run into the last line: '... another candidate. Best, Dana Patel, Lumio Labs'."""
    tail_from = max(text.rfind(c) for c in ".!?\n") + 1
    for s in range(max(tail_from, len(text) - _MAX_INLINE_SIGNATURE), len(text)):
        if not ("A" <= text[s] <= "Z" and s and text[s - 1].isspace()):
            continue
        end = s
        while end and text[end - 1].isspace():
            end -= 1
        if end and text[end - 1] in ",!":
            end -= 1
        head = text[:end].lower()
        for phrase in _INLINE_SIGN_OFFS:
            begin = end - len(phrase)
            if head.endswith(phrase) and (begin == 0 or (text[begin - 1].isspace() and text[:begin].rstrip()[-1:] in (".", "!", "?"))):
                return text[s:]
    return ""


def _trailing_name(text: str) -> str:
    """'Appreciate it. Vince' or '... – Cobblestone Bakery': up to four capitalised words closing the text."""
    spans: list[tuple[int, int]] = []
    end = len(text)
    while len(spans) < 4 and end:
        start = end
        while start and not text[start - 1].isspace():
            start -= 1
        spans.insert(0, (start, end))
        if not (start >= 2 and text[start - 1] == " " and not text[start - 2].isspace()):
            break
        end = start - 1
    for k in range(len(spans)):
        (first_start, first_end), rest = spans[k], spans[k + 1 :]
        first = text[first_start:first_end]
        if not ("A" <= first[:1] <= "Z" and len(first) > 1 and not any(c in ".!?" for c in first)):
            continue
        if not all(("A" <= text[a] <= "Z" or text[a] == "&") and not any(c in ".!?" for c in text[a:b]) for a, b in rest):
            continue
        before = text[:first_start]
        if not before[-1:].isspace():
            continue
        before = before.rstrip()
        if before[-1:] in (".", "!", "?") or (before[-1:] in ("–", "—", "-") and before[-2:-1].isspace()):
            return text[first_start:]
    return ""


def signature(text: str, known_company: Callable[[str], bool], start: int | None = None, domain: str = "") -> tuple[str, str]:
    """(writer's name, organisation) from the lines under the sign-off, or from the last short lines.

    known_company tells a one-word company ('Quillfeather') from a first name when the rest of the text has named it;
    start is where the sign-off block starts, when the caller has it (signature_start); domain is the sender's domain
    word, which picks the organisation out of a line that also names a town ('Parry's Garden Centre, Llandeilo').
    """
    start = signature_start(text) if start is None else start
    # A block that opens on the sign-off's line opens with what followed the phrase: ', Dana Whitfield'.
    stripped = (ln for ln in (ln.strip(" \t-–—*>").lstrip(", \t") for ln in text[start:].split("\n")) if ln and not is_footer(ln))
    block = [ln for ln in islice(stripped, 7) if len(ln) <= 70]  # the first seven: the rest need not be read
    while len(block) > 1 and block[0].endswith((".", "!", "?", ",")):  # a closing sentence ('I'm so sorry.') above the name
        block = block[1:]
    if not block:  # 'Appreciate it. Vince', '... – Cobblestone Bakery' or '... Best, Dana' at the end of the last sentence
        last = text.rstrip()
        sig = _inline_signature(last) or _trailing_name(last)
        block = [sig] if sig else []
    name = ""
    first = split_line(block[0], maxsplit=1) if block else [""]
    if len(first) > 1 and tuple(word_list(first[0])) in _SIGN_OFFS.exact:  # 'Groet, Rick'
        first = split_line(first[1], maxsplit=1)
    first[0] = _without_on_behalf(first[0])
    head = clean_org_name(first[0]) if first[0].lower().startswith(("the ", "team ")) else first[0]
    if person_first_name(head) and not looks_like_org(head) and not known_company(head):
        name, block = head, first[1:] + block[1:]
    company = ""
    lines = [ln for ln in reversed(block) if not _address_line(ln) or SEPARATORS.search(ln)]
    for line in lines:  # the organisation line comes after name and title, before nothing but address and phone
        if company := org_in_line(line):
            break
    if domain and company and not _spelled_by(company, domain):  # a town under the organisation: the domain tells which is which
        below_name = lines[:-1] if not name and len(block) > 1 and block[0] == lines[-1] else lines  # the first line names the writer
        company = next((p for ln in below_name for p in split_line(ln) if _spelled_by(p, domain) and not _address_line(p) and valid_org_name(
            clean_org_name(p))), company)
    return name, company


def _without_on_behalf(line: str) -> str:
    """The line without a leading 'i. A.', 'ppa.' or 'P.O.': who signs for someone else is still the writer."""
    low = line.lower()
    return next((line[len(p) :].strip() for p in _ON_BEHALF if low.startswith(p + " ")), line)


def line_under(text: str, name: str, start: int) -> str:
    """The line right under the writer's name in the sign-off ('Personalreferentin' under 'Anna Weber'), or ''."""
    lines = [ln.strip(" \t-–—*>,") for ln in text[start:].split("\n")]
    for i, line in enumerate(lines[:-1]):
        if line == name or line.endswith(" " + name):  # 'Anna Weber', 'i. A. Anna Weber'
            return lines[i + 1]
    return ""


def _spelled_by(name: str, domain: str) -> bool:
    """The name's first word opens the sender's domain word ('Wildwuchs' at wildwuchs-agentur.de), or the whole name is it."""
    first = squash(name.split()[0]) if name.split() else ""
    whole = squash(name)  # "The Tanner's Arms" at thetannersarms.ie: a first word of three letters says nothing alone
    return (len(first) > 3 and any(domain.startswith(f) for f in ascii_forms(first))) or (
        len(domain) >= 6 and any(f.startswith(domain) or domain.startswith(f) for f in ascii_forms(whole) if len(f) >= 6))
