"""Short mail: with a few words to go on, the decision must come from what the words say, not from
how little there is. Corpus round 10 was written for this: short recruiter outreach, short notes of
every other kind, short job no's, and short no's to things that are not jobs.
These texts are written for this test and are in no corpus file."""

from __future__ import annotations

import pytest

from agent.classifier import Classifier
from agent.domain import IncomingEmail, Label


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier()


def mail(subject: str, body: str) -> IncomingEmail:
    return IncomingEmail("INBOX", 1, "<t@example.org>", subject, "", "someone@example.org", "", "", None, body)


NOT_REJECTIONS = [
    ("Opportunities at Tallyforge", "Hi Mo,\n\nWe move fast and only hire the very best engineers."),
    ("Roles at Tallyforge", "Hi Mo,\n\n[...]\n\nWe ship daily, hire slowly and only take people who love hard problems."),
    ("", "Hey Mo - bumping this up in case it got buried. Still keen to chat about the platform role? Jen"),
    ("Re: Saturday viewing", "Hi Mo, sorry, the landlord has gone with another tenant for the flat. Good luck with the search. Kate"),
    ("Your talk proposal", "Thanks for submitting to Pydays North. We had to pass on your talk this year; we hope you'll still come along."),
    ("Quick one", "Sorry Mo, can't do Thursday for the interview any more. Would Friday at 11 work instead? Raj"),
]

REJECTIONS = [
    ("Re: Thursday", "Hi Mo, heard back from the hiring manager. They won't be taking you forward for the analyst role, sorry. Raj"),
    ("", "Mo - the panel went with another candidate for the ops lead job. Thanks for all the time you gave us. Jen"),
]


@pytest.mark.parametrize("subject,body", NOT_REJECTIONS)
def test_short_mail_that_refuses_no_job_is_not_called_a_rejection(classifier: Classifier, subject: str, body: str) -> None:
    assert classifier.classify(mail(subject, body)).label is not Label.REJECTION  # not even an uncertain one


@pytest.mark.parametrize("subject,body", REJECTIONS)
def test_a_short_no_to_a_job_is_a_rejection(classifier: Classifier, subject: str, body: str) -> None:
    assert classifier.classify(mail(subject, body)).is_rejection
