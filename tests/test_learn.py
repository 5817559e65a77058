"""`rebound learn`: a handful of corrections of one kind teach the kind, and the held-out split does not drop.

The kind: job mail in Portuguese, a language the team's corpus does not hold, so the shipped
pipeline misses most Portuguese rejections (tests/data/portuguese_mail.json, written by the team). Six
are corrected; four new ones must then come out right. The figures are printed (pytest -s).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from agent.classifier import Classifier
from agent.classifier.learn import MAX_HELDOUT_DROP, learn, read_rows
from agent.classifier.personal import NOTE, PipelineChoice, personal_dir, read_note
from agent.corrections.verdicts import Lesson
from agent.domain import IncomingEmail, Label
from agent.resources import bundled

REPO = Path(__file__).resolve().parent.parent
MAIL = json.loads((Path(__file__).parent / "data" / "portuguese_mail.json").read_text(encoding="utf-8"))
# "Does not drop": the held-out F1 may move by about one email in either direction (≈0.003 on
# ~280 rejections), as the update moves borderline emails both ways; measured: -0.002 to +0.003.
ONE_EMAIL = 0.004


def _mail(item: dict[str, str]) -> IncomingEmail:
    return IncomingEmail("", 0, "", item["subject"], "", "jordan@example.pt", "", "", None, item["text"])


@pytest.fixture(scope="module")
def rehearsal_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rehearsal sample and held-out split, written from the corpus as it is now (models/rehearsal.py)."""
    sys.path.insert(0, str(REPO / "models"))
    try:
        import rehearsal
    finally:
        sys.path.remove(str(REPO / "models"))
    out = tmp_path_factory.mktemp("rehearsal")
    rehearsal.main(out)
    return out


def test_a_handful_of_corrections_teaches_the_kind_and_the_heldout_split_holds(tmp_path: Path, rehearsal_data: Path) -> None:
    shipped = Classifier()
    new = [_mail(item) for item in MAIL["new"]]
    missed_before = sum(not r.is_rejection for r in shipped.classify_many(new))
    lessons = [Lesson(item["subject"], item["text"], "rejection", "rejection") for item in MAIL["corrected"]]

    done = learn(lessons, tmp_path / "rebound-pipeline", data=rehearsal_data)

    mine = Classifier(tmp_path / "rebound-pipeline")
    after = list(mine.classify_many(new))
    others = list(mine.classify_many(_mail(item) for item in MAIL["other"]))
    before_f, after_f = done.heldout_before, done.heldout_after
    print(
        f"\ncorrections right: {done.right_before}/{done.corrections} → {done.right_after}/{done.corrections} in {done.steps} steps"
        f"\nnew Portuguese rejections missed: {missed_before}/{len(new)} → {sum(not r.is_rejection for r in after)}/{len(new)}"
        f" (confidence {', '.join(f'{r.confidence:.2f}' for r in after)})"
        f"\nheld-out ({after_f.emails} emails): precision {before_f.precision:.3f} → {after_f.precision:.3f},"
        f" recall {before_f.recall:.3f} → {after_f.recall:.3f}, F1 {before_f.f1:.3f} → {after_f.f1:.3f}"
        f"\nPortuguese mail that is no rejection, after: "
        + ", ".join(f"{item['label']} → {r.label.value} {r.confidence:.2f}" for item, r in zip(MAIL["other"], others, strict=True))
    )
    # The shipped pipeline reads some Portuguese through its Spanish (one of the four since corpus round 7); the
    # corrections must still be what makes every one of them come out right.
    assert missed_before >= len(new) - 1, "the shipped pipeline already knows Portuguese rejections: pick another kind"
    assert done.right_after == done.corrections
    assert all(r.is_rejection for r in after)
    assert after_f.f1 >= before_f.f1 - ONE_EMAIL
    assert done.kept and read_note(tmp_path / "rebound-pipeline") is not None


def test_a_copy_that_forgets_is_not_kept(tmp_path: Path, rehearsal_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Corrections that contradict the team's labels wholesale: every held-out rejection's words, called not_job.
    heldout = [row for row in read_rows(rehearsal_data / "heldout.jsonl") if row["label"] == Label.REJECTION.value][:60]
    lessons = [Lesson(row.get("subject") or "", row["body"], "not_job", "not_job") for row in heldout]
    monkeypatch.setattr("agent.classifier.learn.MAX_STEPS", 15)

    done = learn(lessons, tmp_path / "rebound-pipeline", data=rehearsal_data)

    assert done.heldout_after.f1 < done.heldout_before.f1 - MAX_HELDOUT_DROP
    assert not done.kept and not (tmp_path / "rebound-pipeline").exists()


def test_the_personal_copy_is_chosen_when_it_fits_its_base(tmp_path: Path, rehearsal_data: Path) -> None:
    url = f"sqlite:///{tmp_path / 'rebound.db'}"
    choice = PipelineChoice(None, url)
    assert choice.current() == (choice.base, 0.0)
    out = personal_dir(url)
    assert out == tmp_path / "rebound-pipeline"
    learn([Lesson(MAIL["corrected"][0]["subject"], MAIL["corrected"][0]["text"], "rejection", "rejection")], out, data=rehearsal_data)
    path, stamp = choice.current()
    assert path == out and stamp > 0
    # Learned from another base (an upgrade of Rebound replaced the shipped pipeline): set aside.
    note = json.loads((out / NOTE).read_text())
    (out / NOTE).write_text(json.dumps({**note, "base_id": "something-else"}))
    assert PipelineChoice(None, url).current() == (choice.base, 0.0)


def test_the_shipped_rehearsal_files_cover_every_label_and_never_leak_the_heldout_split() -> None:
    sys.path.insert(0, str(REPO / "models"))
    try:
        from build import is_heldout
    finally:
        sys.path.remove(str(REPO / "models"))
    shipped = bundled("models") / "rehearsal"
    rehearsal, heldout = read_rows(shipped / "rehearsal.jsonl"), read_rows(shipped / "heldout.jsonl")
    assert {row["label"] for row in rehearsal} == {label.value for label in Label}
    assert not any(is_heldout(row["id"]) for row in rehearsal)
    assert all(is_heldout(row["id"]) for row in heldout)
    assert all(row.get("body") for row in rehearsal + heldout)
