"""agent/classifier/dates.py: the day an invitation names, in the email's language, counted from its arrival."""

from __future__ import annotations

from datetime import date

import pytest
import spacy

from agent.classifier.dates import DateReader, Event, event_of

ARRIVED = date(2026, 11, 17)  # a Tuesday


@pytest.fixture(scope="module")
def read() -> object:
    nlp = spacy.blank("en")
    reader = DateReader(nlp.vocab)

    def event(text: str, language: str = "en", arrived: date = ARRIVED) -> Event | None:
        return event_of(reader.days([t.text for t in nlp(text)], language, arrived))

    return event


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "Your interview is on Thursday, 3rd December at 10:00.", Event(date(2026, 12, 3), "appointment")),
        ("en", "Could you come in on December 3, 2026?", Event(date(2026, 12, 3), "appointment")),
        ("en", "See you on Thursday at 14:00.", Event(date(2026, 11, 19), "appointment")),
        ("en", "We have openings on Thursday 19 November or Friday 20 November.", Event(date(2026, 11, 19), "options")),
        ("en", "Please complete the exercise by Friday.", Event(date(2026, 11, 20), "deadline")),
        ("en", "Could we meet on 5 January?", Event(date(2027, 1, 5), "appointment")),
        ("de", "Wir laden Sie am Donnerstag, den 3. Dezember um 10 Uhr ein.", Event(date(2026, 12, 3), "appointment")),
        ("de", "Das Gespräch findet am 03.12.2026 um 14:30 Uhr statt.", Event(date(2026, 12, 3), "appointment")),
        ("de", "Bitte bearbeiten Sie die Aufgabe bis spätestens 4.12. und schicken Sie sie zurück.", Event(date(2026, 12, 4), "deadline")),
        ("fr", "Nous vous proposons un entretien le jeudi 3 décembre à 14h.", Event(date(2026, 12, 3), "appointment")),
        ("nl", "Kun je op donderdag 3 december langskomen?", Event(date(2026, 12, 3), "appointment")),
        ("es", "Le proponemos una entrevista el jueves 3 de diciembre.", Event(date(2026, 12, 3), "appointment")),
    ],
)
def test_the_day_is_read_in_the_emails_language(read: object, language: str, text: str, expected: Event) -> None:
    assert read(text, language) == expected  # type: ignore[operator]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Thanks for your time on Monday 9 November."),  # before the email arrived
        ("en", "You may 2 weeks from now hear from us."),  # "may" alone is not a month
        ("de", "So freuen wir uns, dass Sie Interesse haben."),  # "So" is not Sunday
        ("en", "We will be in touch at 14:00 on the day."),
        ("en", "Our office is at 31 Harbour Street."),
        ("de", "Bitte melden Sie sich am 31.02. bei uns."),  # no such day
    ],
)
def test_what_is_not_a_coming_day_is_not_read(read: object, language: str, text: str) -> None:
    assert read(text, language) is None  # type: ignore[operator]
