"""The figures `rebound eval` computes, on labelled emails and judgements made up for the purpose."""

from __future__ import annotations

import json
from pathlib import Path

from agent.domain import Classification, Extraction, IncomingEmail, Label
from agent.evaluate import LabelledEmail, evaluate, read_jsonl


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


def test_mail_not_about_a_job_is_tallied_by_kind_and_any_job_label_counts(tmp_path: Path) -> None:
    # The team's files mark it by label (probe files) or by subtype (the held-out split); refusals apart.
    lines = [
        {"id": "a", "subject": "s", "body": "b", "label": "not_job"},
        {"id": "b", "subject": "s", "body": "b", "label": "not_rejection", "subtype": "not_job/de"},
        {"id": "c", "subject": "s", "body": "b", "label": "not_rejection", "subtype": "not_job/en", "refusal": True},
        {"id": "d", "subject": "s", "body": "b", "label": "not_rejection", "subtype": "interview/en"},
    ]
    path = tmp_path / "x.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    rows = list(read_jsonl(path))
    assert [r.not_job for r in rows] == ["ordinary", "ordinary", "refusal", ""]
    said = [
        Classification(Label.INTERVIEW, 0.4, uncertain=True),  # uncertain, and still a wrong line in the digest
        Classification(Label.NOT_JOB, 0.9),
        Classification(Label.REJECTION, 0.9),
        Classification(Label.INTERVIEW, 0.9),
    ]
    report = evaluate(rows, said)
    assert dict(report.not_job["ordinary"]) == {"emails": 2, "rejection": 0, "job_label": 1}
    assert dict(report.not_job["refusal"]) == {"emails": 1, "rejection": 1, "job_label": 1}
    assert "" not in report.not_job
    assert report.job_labelled == [("a", "interview", 0.4), ("c", "rejection", 0.9)]  # what eval names, to be read
