"""The figures `rebound eval` computes, on labelled emails and judgements made up for the purpose."""

from __future__ import annotations

from agent.domain import Classification, Extraction, IncomingEmail, Label
from agent.evaluate import LabelledEmail, evaluate


def _row(n: int, *, rejection: bool, lang: str) -> LabelledEmail:
    mail = IncomingEmail(folder="", uid=n, message_id=f"m{n}", subject="", from_name="", from_addr="", reply_to="", to="", date=None, text="")
    return LabelledEmail(f"m{n}", mail, rejection, "x", language=lang)


def _said(rejection: bool, lang: str) -> Classification:
    return Classification(Label.REJECTION if rejection else Label.NOT_JOB, 0.9, extraction=Extraction(language=lang))


def test_per_language_scores_count_each_language_apart() -> None:
    # English: 2 right rejections, 1 false alarm. German: 1 right, 1 missed, 1 right non-rejection.
    cases = [
        ("en", True, True), ("en", True, True), ("en", False, True),
        ("de", True, True), ("de", True, False), ("de", False, False),
    ]
    rows = [_row(n, rejection=truth, lang=lang) for n, (lang, truth, _) in enumerate(cases)]
    report = evaluate(rows, [_said(said, lang) for lang, _, said in cases])
    scores = {lang: (round(p, 3), round(r, 3), round(f1, 3), n) for lang, p, r, f1, n in report.language_scores()}
    assert scores == {"en": (0.667, 1.0, 0.8, 2), "de": (1.0, 0.5, 0.667, 2)}
    assert (report.tp, report.fp, report.fn, report.tn) == (3, 1, 1, 1)
    assert report.language_accuracy == 1.0
