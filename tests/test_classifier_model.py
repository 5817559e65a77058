"""The classifier's decision layer on inputs with nothing to judge."""

from __future__ import annotations

import pytest
import spacy

from agent.classifier import Classifier
from agent.domain import HeldBack, IncomingEmail, Label
from agent.resources import model_dir


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier()


def mail(subject: str, body: str) -> IncomingEmail:
    return IncomingEmail("INBOX", 1, "<t@example.org>", subject, "", "someone@example.org", "", "", None, body)


@pytest.mark.parametrize("subject,body", [("", ""), ("", "\ufffd" * 200), ("", "\x00\x01 ### 123 456 ---"), ("Re:", "ok")])
def test_mail_with_nothing_to_judge_is_uncertain_and_never_a_rejection(classifier: Classifier, subject: str, body: str) -> None:
    result = classifier.classify(mail(subject, body))
    assert result.label is Label.NOT_JOB
    assert result.uncertain
    assert not result.is_rejection


def test_a_plain_rejection_is_still_judged(classifier: Classifier) -> None:
    body = "Hi Sam,\n\nThank you for interviewing with us for the Data Analyst role. We have decided to move forward with another candidate.\n\nBest,\nDana"
    result = classifier.classify(mail("Your application", body))
    assert result.is_rejection
    assert not result.uncertain


def test_the_classifiers_read_words_whatever_their_case(classifier: Classifier) -> None:
    """The bag of n-grams hashes lowercased words (agent/classifier/architectures.py): casing changes nothing."""
    text = "Update on your application\n\nThank you for your interest. We have decided to move forward with other candidates."
    plain = classifier.nlp(text).cats
    for variant in (text.upper(), text.title(), text.lower()):
        assert classifier.nlp(variant).cats == pytest.approx(plain, abs=1e-6)


def test_the_tokenizer_built_from_the_config_is_the_one_on_disk(classifier: Classifier) -> None:
    """load_pipeline skips reading the tokenizer back from disk; that is only safe while it is spaCy's default."""
    # The vocab is left out: it grows with every text the module's classifier has read.
    assert classifier.nlp.tokenizer.to_bytes(exclude=["vocab"]) == spacy.load(model_dir()).tokenizer.to_bytes(exclude=["vocab"])


def test_the_runner_up_is_the_label_on_the_other_side_of_the_rejection_line(classifier: Classifier) -> None:
    rejection = classifier.classify(mail("Your application", "Thank you for interviewing with us. We have decided to move forward with another candidate."))
    assert rejection.label is Label.REJECTION and rejection.runner_up not in (None, Label.REJECTION)
    ack = classifier.classify(mail("Application received", "Thank you for applying to the Data Analyst role. We received your application and will review it."))
    assert ack.label is not Label.REJECTION and ack.runner_up is Label.REJECTION
    nothing = classifier.classify(mail("", ""))
    assert nothing.runner_up is None


def test_the_classifiers_share_each_docs_ngrams_without_mixing_them_up(classifier: Classifier) -> None:
    """The facets read the n-grams the 8-way classifier counted on the same Doc (architectures.py): scores as if each counted alone."""
    texts = ["Update\n\nWe have decided to move forward with other candidates.", "Lunch on Friday?\n\nSee you at noon.", "ok", "Interview " * 40]
    together = [doc.cats for doc in classifier.nlp.pipe(texts, batch_size=3)]
    for text, cats in zip(texts, together, strict=True):
        for name in ("textcat", "facets"):
            with classifier.nlp.select_pipes(enable=[name]):
                alone = classifier.nlp(text).cats
            assert alone == {label: cats[label] for label in alone}



def test_a_no_promised_only_for_silence_is_held_back_not_called_a_rejection(classifier: Classifier, monkeypatch: pytest.MonkeyPatch) -> None:
    """However sure the bag of n-grams is of a no, a no promised only for silence is held back: no reply, listed to check."""
    import agent.classifier.components as components
    import agent.classifier.model as model

    for module in (model, components):  # as sure as the held-out acknowledgement it was written after
        monkeypatch.setattr(module, "rejection_score", lambda cats: 0.98)
    said = "Hi Maya,\n\nThank you for applying for the design internship. Sadly we've gone with other applicants this time.\n\nHattie"
    promised = (
        "Hi Maya,\n\nThank you for applying for the design internship. We'll go through every portfolio over the next three weeks. "
        "If we haven't come back to you by 24 July, sadly it means we've gone with other applicants this time.\n\nHattie"
    )
    assert classifier.classify(mail("Your application", said)).is_rejection
    result = classifier.classify(mail("Your application", promised))
    assert result.extraction.held_back is HeldBack.PROMISED
    assert result.label is not Label.REJECTION and result.uncertain and result.runner_up is Label.REJECTION


def test_a_refusal_of_a_volunteer_place_is_held_back_with_its_reason(classifier: Classifier, monkeypatch: pytest.MonkeyPatch) -> None:
    """A volunteer office writes like an employer (held out, one such no scored 0.87); the phrase list holds it back."""
    import agent.classifier.components as components
    import agent.classifier.model as model

    for module in (model, components):
        monkeypatch.setattr(module, "rejection_score", lambda cats: 0.87)
    body = (
        "Dear Ms Aranda,\n\nThank you for applying to volunteer as a ward companion at Kingsfield General Hospital. We regret that we "
        "are unable to progress your application at present.\n\nYours sincerely,\nVolunteer Services"
    )
    result = classifier.classify(mail("Ward companion - your application", body))
    assert result.extraction.held_back is HeldBack.NOT_A_JOB
    assert not result.is_rejection and result.uncertain and result.runner_up is Label.REJECTION


@pytest.mark.parametrize(("score", "threshold", "held"), [(0.87, 0.55, True), (0.87, 0.5, True), (0.3, 0.55, False)])
def test_a_reason_is_kept_only_where_it_held_a_no_back(monkeypatch: pytest.MonkeyPatch, score: float, threshold: float, held: bool) -> None:
    """The phrases are read from a score well under 0.5; and a held-back email stays uncertain whatever the threshold."""
    import agent.classifier.components as components
    import agent.classifier.model as model

    for module in (model, components):
        monkeypatch.setattr(module, "rejection_score", lambda cats: score)
    body = "Hi Tom,\n\nThanks for applying to volunteer at the food bank. We can't take on any new volunteers until March.\n\nJune"
    result = Classifier(threshold=threshold).classify(mail("Volunteering", body))
    assert (result.extraction.held_back is HeldBack.NOT_A_JOB) is held
    assert not result.is_rejection and result.uncertain is held
