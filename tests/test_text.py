"""agent/classifier/text.py and the text side of agent/parse.py: what they keep, and that no email can make them slow.

Speed is measured in benchmarks/trim_speed.py; here the tests check the shapes that make the
patterns linear, and that the worst bodies found still give the right text.
"""

from __future__ import annotations

import re
import re._constants as sre  # the parsed form of a pattern: the only way to read its shape
import re._parser as sre_parse
from types import ModuleType

import pytest

from agent import parse
from agent.classifier import text
from agent.classifier.text import compose, strip_history
from agent.parse import html_to_text

# Bodies that made the old patterns quadratic (20,000 characters: the parser's cap on a body).
N = 20_000
BLANK_RUNS = {
    "blank lines": "\n" * N,
    "lines of spaces": " \n" * (N // 2),
    "tabs and blank lines": "\t\n\n" * (N // 3),
    "form feeds": "\f\n" * (N // 2),
}


def _can_match_newline(items: list[tuple[object, object]], dotall: bool) -> bool:
    """Whether any of these parsed pattern items can match '\\n' (a conservative reading)."""
    for op, arg in items:
        if op is sre.LITERAL and arg == 10:
            return True
        if op is sre.NOT_LITERAL and arg != 10:
            return True
        if op is sre.ANY and dotall:
            return True
        if op is sre.IN and _set_has_newline(arg):  # type: ignore[arg-type]
            return True
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and _can_match_newline(list(arg[2]), dotall):  # type: ignore[index]
            return True
        if op is sre.SUBPATTERN and _can_match_newline(list(arg[3]), dotall):  # type: ignore[index]
            return True
        if op is sre.BRANCH and any(_can_match_newline(list(b), dotall) for b in arg[1]):  # type: ignore[index]
            return True
    return False


_NEWLINE_CATEGORIES = {sre.CATEGORY_SPACE, sre.CATEGORY_NOT_DIGIT, sre.CATEGORY_NOT_WORD, sre.CATEGORY_LINEBREAK}


def _set_has_newline(items: list[tuple[object, object]]) -> bool:
    negate = bool(items) and items[0][0] is sre.NEGATE
    found = False
    for op, arg in items[1:] if negate else items:
        if (
            (op is sre.LITERAL and arg == 10)
            or (op is sre.RANGE and arg[0] <= 10 <= arg[1])  # type: ignore[index]
            or (op is sre.CATEGORY and arg in _NEWLINE_CATEGORIES)
        ):
            found = True
    return found != negate


def line_crossing_repeats(pattern: re.Pattern[str] | re.Pattern[bytes]) -> list[str]:
    """Unbounded repeats that can run over a line break, in a pattern tried afresh at every line.

    A MULTILINE pattern's "^" starts an attempt at each line; a repeat such as \\s* there reads on
    through every following blank line, so n blank lines cost n * n steps.
    """
    parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    if not parsed.state.flags & re.MULTILINE:
        return []
    dotall = bool(parsed.state.flags & re.DOTALL)
    found: list[str] = []

    def walk(items: list[tuple[object, object]]) -> None:
        for op, arg in items:
            if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
                _low, high, body = arg  # type: ignore[misc]
                if high == sre.MAXREPEAT and _can_match_newline(list(body), dotall):
                    found.append(str(list(body))[:80])
                walk(list(body))
            elif op is sre.SUBPATTERN:
                walk(list(arg[3]))  # type: ignore[index]
            elif op is sre.BRANCH:
                for branch in arg[1]:  # type: ignore[index]
                    walk(list(branch))

    walk(list(parsed))
    return found


def module_patterns(module: ModuleType) -> list[re.Pattern[str] | re.Pattern[bytes]]:
    """Every compiled pattern a module keeps at its top level, alone or in a list."""
    out: list[re.Pattern[str] | re.Pattern[bytes]] = []
    for value in vars(module).values():
        if isinstance(value, re.Pattern):
            out.append(value)
        elif isinstance(value, list | tuple):
            out += [v for v in value if isinstance(v, re.Pattern)]
            out += [v for pair in value if isinstance(pair, tuple) for v in pair if isinstance(v, re.Pattern)]  # (words, pattern)
    return out


def test_the_shape_check_finds_the_patterns_that_were_quadratic() -> None:
    assert line_crossing_repeats(re.compile(r"^\s*>.*$\n?", re.MULTILINE))
    assert line_crossing_repeats(re.compile(r"^\s*On .{4,200}\s*:\s*$", re.MULTILINE))
    assert not line_crossing_repeats(re.compile(r"^[^\S\n]*>.*\n?", re.MULTILINE))
    assert not line_crossing_repeats(re.compile(r"\n\s*\n"))  # not tried at every line


@pytest.mark.parametrize("module", [text, parse], ids=["classifier/text.py", "parse.py"])
def test_no_line_anchored_pattern_reads_past_its_own_line(module: ModuleType) -> None:
    patterns = module_patterns(module)
    assert patterns
    bad = {p.pattern: found for p in patterns if (found := line_crossing_repeats(p))}
    assert not bad, bad


@pytest.mark.parametrize("name", BLANK_RUNS)
def test_a_body_of_blank_lines_keeps_one_paragraph_break(name: str) -> None:
    body = "Dear Alex,\n" + BLANK_RUNS[name] + "We regret to tell you.\n"
    assert compose("Update", body) == "Update\n\nDear Alex,\n\nWe regret to tell you."


def test_one_or_two_line_breaks_are_kept_as_they_are() -> None:
    assert strip_history("a\nb\n\nc") == "a\nb\n\nc"
    assert strip_history("a\n   \nb") == "a\n   \nb"


def test_quoted_history_and_footers_still_go() -> None:
    body = (
        "Hi Alex,\n\nThank you for your time. We will not move forward.\n\nBest,\nDana\n\n"
        "On Tue, 17 Nov 2026 at 10:22, Alex Morgan <alex@example.org>\nwrote:\n> Any news?\n"
    )
    assert strip_history(body) == "Hi Alex,\n\nThank you for your time. We will not move forward.\n\nBest,\nDana"
    outlook = "Thanks for applying. " * 12 + "\n\nFrom: Alex Morgan\nSent: Monday\nSubject: application\n\nold text"
    assert strip_history(outlook) == ("Thanks for applying. " * 12).strip()
    for header in ("Von: Alex Morgan\nGesendet: Montag", "De : Alex Morgan\nEnvoyé : lundi", "Van: Alex Morgan\nVerzonden: maandag",
                   "De: Alex Morgan\nEnviado el: lunes", "-----Mensaje original-----", "-----Oorspronkelijk bericht-----",
                   "Op ma 16 nov. 2026 om 09:10 schreef Alex Morgan <alex@example.org>:",
                   "El lun, 16 nov 2026 a las 9:10, Alex Morgan (<alex@example.org>) escribió:"):
        reply = "Danke für Ihre Bewerbung. " * 4 + "\n\n" + header + "\nBetreff: Bewerbung\n\nalter Text"
        assert strip_history(reply) == ("Danke für Ihre Bewerbung. " * 4).strip(), header
    quoted = "New words.\n> old words\n   > older words\nMore new words."
    assert strip_history(quoted) == "New words.\nMore new words."


def test_each_pattern_is_searched_wherever_it_can_match() -> None:
    # A pattern is skipped when the lowercased body holds none of its words; so every match must hold one.
    samples = [
        "Hi\n\nOn Tue, 17 Nov 2026 at 10:22, Alex <a@b.c>\nWROTE:\nold",
        "Hallo\n\nAm 17.11.2026 um 10:22 schrieb Alex <a@b.c>:\nalt",
        "Bonjour\n\nLe mar. 17 nov. 2026, Alex a écrit :\nancien",
        "Hoi\n\nOp di 17 nov. 2026 om 10:22 schreef Alex <a@b.c>:\noud",
        "Hola\n\nEl mar, 17 nov 2026 a las 10:22, Alex (<a@b.c>) escribió:\nantiguo",
        "Hallo\n\nVon: Alex\nGesendet: Montag\nalt",
        "Bonjour\n\nDe : Alex\nEnvoyé : lundi\nancien",
        "Hi\n\n-----Original Message-----\nold",
        "Hi\n\nFROM: Alex\nSent: Monday\nold",
        "Hi\n\n__________\nold",
        "Hi\n\nCONFIDENTIALITY NOTICE: x",
        "Hi\n\nThis e-mail may be confidential",
        "Hi\n\nClick to Unsubscribe",
        "Hi\n\nYou received this message because",
    ]
    for triggers, pattern in [*text._QUOTE_HEADERS, *text._FOOTERS]:
        matched = [s for s in samples if pattern.search(s)]
        assert matched, pattern.pattern
        assert all(any(t in s.lower() for t in triggers) for s in matched), pattern.pattern


def test_every_letter_that_case_folding_matches_oddly_is_known() -> None:
    # re.IGNORECASE matches some letters that str.lower() does not turn into the letter of a word
    # (dotless 'ı' matches 'i'); a body with one of them skips no pattern.
    letters = sorted({c for triggers, _ in [*text._QUOTE_HEADERS, *text._FOOTERS] for t in triggers for c in t})
    any_letter = re.compile("[" + re.escape("".join(letters)) + "]", re.IGNORECASE)
    each = {c: re.compile(re.escape(c), re.IGNORECASE) for c in letters}
    odd = {
        ch
        for ch in map(chr, range(0x110000))
        if any_letter.fullmatch(ch) and any(p.fullmatch(ch) and c not in ch.lower() for c, p in each.items())
    }
    assert odd == set(text._ODD_CASE)
    assert strip_history("x" * 300 + "\n\nClick to unſubscribe") == "x" * 300


def test_html_markup_that_made_the_parser_quadratic_is_consumed_in_one_match() -> None:
    # html.parser searched to the end of the markup for each of these; one match to the end
    # means the pass reads the rest once.
    for unterminated in ("<!--x" * 1000, "<script>" + "</scrip" * 1000, "<head>" + "<" * 1000):
        match = parse._MARKUP.match(unterminated)
        assert match is not None and match.end() == len(unterminated)
    # A tag ends at the next "<" at the latest, so no "<" starts two reads.
    for stray in ("</" * 1000, "<?" * 1000, "<!" * 1000, "<a " * 1000):
        assert all(m.end() - m.start() <= 3 for m in parse._MARKUP.finditer(stray))


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<p>Hi Alex,</p><p>We regret&nbsp;to say</p>", "Hi Alex,\n\nWe regret to say"),
        ("<html><head><title>T</title><style>p {}</style></head><body>Text<br>more</body></html>", "Text\nmore"),
        ("<p>a &lt; b</p><script>alert(1)</script><!-- hidden -->shown", "a < b\nshown"),
        ("if a < b and c > d", "if a < b and c > d"),
        ("<a title='x>y' href=\"/q?a=1&b=2\">link</a> text", "link text"),
        ("<ul><li>one<li>two</ul>&amp;", "one\ntwo&"),
        ("<!--x" * 5000 + "never shown", ""),
    ],
)
def test_html_to_text(markup: str, expected: str) -> None:
    assert html_to_text(markup) == expected

