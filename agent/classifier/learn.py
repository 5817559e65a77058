"""`rebound learn`: update a copy of the pipeline from the user's corrections without forgetting the rest.

Both classifiers are linear bags of n-grams. Updates on the corrected emails alone move the weight
of every n-gram they hold, "unfortunately" and "application" included, and the pipeline forgets what
it knew about those words elsewhere. So every update step also rehearses (spaCy's rehearse) a fresh
draw of emails the pipeline was trained on: their predictions are pulled back to what the base
pipeline said of them. Those emails come from the sample that ships with Rebound (models/rehearsal,
written by models/rehearsal.py), so an installed Rebound rehearses without the team's corpus.
Rehearsing against gold labels instead was measured worse: the averaged base pipeline is not at a
minimum of the gold loss, so even rehearsal alone moved held-out F1 by up to 0.009.

Each correction teaches the 8-way classifier its label (for "not a rejection", the next-best
label Rebound gave it) and the facets what the verdict says: a rejection is about a job and says
no; another job label is about a job and says no to nothing; not_job is not about a job; "not a
rejection" alone says nothing about the facets, and "rejection" no longer ranking first in the
8-way classifier is what turns the email's score down (agent/classifier/components.rejection_score).

The copy starts from the base pipeline each time, with every correction so far: learning twice
gives the same copy, and a long history of small updates cannot drift. It is kept only when the
team's held-out split does not lose more than MAX_HELDOUT_DROP of F1.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.training import Example

from agent.classifier.model import DEFAULT_THRESHOLD, Classifier, load_pipeline
from agent.classifier.personal import Note, base_id, write_note
from agent.classifier.text import compose
from agent.corrections.verdicts import NOT_REJECTION, Lesson, satisfied
from agent.domain import IncomingEmail, Label
from agent.errors import ClassifierError
from agent.resources import bundled, model_dir

# Updates stop once every correction is classified right with at least MARGIN confidence, or after
# MAX_STEPS. Stopping there, not after a fixed number of steps, moves the weights no further than the
# corrections need: with 6 corrections of one kind (tests/test_learn.py) that took 9 steps, new mail
# of the kind came out right, and held-out F1 stayed within ±0.003 of where it was (three seeds).
MARGIN = 0.95
MAX_STEPS = 40
LESSONS_PER_STEP = 64
# Corpus emails rehearsed per step (spaCy's rehearse: pulled back to what the base pipeline said of them).
REHEARSAL = 192
DROPOUT = 0.1
# Adam's step size: twice the rate the pipeline was trained at, so that few steps are needed.
LEARN_RATE = 0.002
# A copy that loses more F1 than this on the held-out split forgot too much, and is not kept.
MAX_HELDOUT_DROP = 0.01
TEXTCAT, FACETS = "textcat", "facets"


@dataclass(frozen=True)
class Figures:
    """Rejection precision, recall and F1 on a labelled set."""

    precision: float
    recall: float
    f1: float
    emails: int


@dataclass(frozen=True)
class Learned:
    """What `rebound learn` did, for the report."""

    corrections: int
    heldout_before: Figures
    heldout_after: Figures
    right_before: int
    right_after: int
    kept: bool
    path: Path
    steps: int
    rehearsed: int


def data_dir() -> Path:
    """Where the rehearsal sample and the held-out split ship (models/rehearsal, written by `make train`)."""
    return bundled("models") / "rehearsal"


def read_rows(path: Path) -> list[dict[str, str]]:
    """A JSON Lines file of corpus rows (split on "\\n" only, as JSON Lines ends a record there)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ClassifierError(f"cannot read {path}: {exc.strerror or exc} (it ships with Rebound; `make train` writes it)") from exc
    return [json.loads(line) for line in text.split("\n") if line.strip()]


def learn(
    lessons: Sequence[Lesson],
    out: Path,
    *,
    base: Path | None = None,
    data: Path | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    seed: int = 0,
) -> Learned:
    """Learn the corrections onto a copy of the base pipeline, measure it, and keep it at out if it forgot nothing."""
    if not lessons:
        raise ClassifierError("nothing to learn from: no corrections yet")
    data = data or data_dir()
    rehearsal, heldout = read_rows(data / "rehearsal.jsonl"), read_rows(data / "heldout.jsonl")
    nlp = load_pipeline(base)
    judge = Classifier(threshold=threshold, nlp=nlp)
    before, right_before = measure(judge, heldout), _right(judge, lessons)
    steps = _update(nlp, judge, lessons, rehearsal, random.Random(seed))
    after, right_after = measure(judge, heldout), _right(judge, lessons)
    kept = after.f1 >= before.f1 - MAX_HELDOUT_DROP
    if kept:
        base_path = base or model_dir()
        note = Note(str(base_path), base_id(base_path), datetime.now(UTC).isoformat(timespec="seconds"), len(lessons), before.f1, after.f1)
        _replace(nlp, out, note)
    return Learned(len(lessons), before, after, right_before, right_after, kept, out, steps, len(rehearsal))


def measure(judge: Classifier, rows: Sequence[dict[str, str]]) -> Figures:
    """Rejection precision, recall and F1 on corpus rows, as `rebound eval` counts them."""
    results = judge.classify_many(_mail(row) for row in rows)
    tp = fp = fn = 0
    for row, result in zip(rows, results, strict=True):
        truth = row["label"] == Label.REJECTION.value
        tp += truth and result.is_rejection
        fp += not truth and result.is_rejection
        fn += truth and not result.is_rejection
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Figures(precision, recall, f1, len(rows))


def _right(judge: Classifier, lessons: Sequence[Lesson]) -> int:
    results = judge.classify_many(_lesson_mail(lesson) for lesson in lessons)
    return sum(satisfied(lesson.verdict, result) for lesson, result in zip(lessons, results, strict=True))


def _lesson_mail(lesson: Lesson) -> IncomingEmail:
    return IncomingEmail("", 0, "", lesson.subject, "", "", "", "", None, lesson.text)


def _mail(row: dict[str, str]) -> IncomingEmail:
    return IncomingEmail("", 0, str(row["id"]), row.get("subject") or "", "", "", "", "", None, row.get("body") or "")


def _update(nlp: Language, judge: Classifier, lessons: Sequence[Lesson], rehearsal: Sequence[dict[str, str]], rng: random.Random) -> int:
    """Update both classifiers until the corrections are learned (or MAX_STEPS); the number of steps taken.

    Each step: the corrections' gradients, plus rehearsal of a fresh draw of corpus emails.
    """
    optimizer = nlp.resume_training()  # keeps a frozen copy of each classifier to rehearse against
    optimizer.learn_rate = LEARN_RATE
    taught = [(nlp.make_doc(compose(lesson.subject, lesson.text)), _targets(lesson)) for lesson in lessons]
    rehearsed = [Example.from_dict(nlp.make_doc(compose(row.get("subject") or "", row.get("body") or "")), {}) for row in rehearsal]
    pipes = [(column, pipe) for column, name in enumerate((TEXTCAT, FACETS)) if isinstance(pipe := nlp.get_pipe(name), TrainablePipe)]
    for step in range(MAX_STEPS):
        if _learned(judge, lessons):
            return step
        mine = rng.sample(taught, min(len(taught), LESSONS_PER_STEP))
        theirs = rng.sample(rehearsed, min(len(rehearsed), max(REHEARSAL, 4 * len(mine))))
        for column, pipe in pipes:
            examples = [Example.from_dict(doc, {"cats": targets[column]}) for doc, targets in mine if targets[column]]
            if examples:
                pipe.update(examples, drop=DROPOUT)  # gradients only: the rehearsal's optimizer step takes both
            pipe.rehearse(theirs, sgd=optimizer)
    return MAX_STEPS


def _learned(judge: Classifier, lessons: Sequence[Lesson]) -> bool:
    results = judge.classify_many(_lesson_mail(lesson) for lesson in lessons)
    return all(satisfied(lesson.verdict, r) and r.confidence >= MARGIN for lesson, r in zip(lessons, results, strict=True))


def _targets(lesson: Lesson) -> tuple[dict[str, float], dict[str, float]]:
    """What one correction teaches: the 8-way label, and the facets its verdict vouches for."""
    cats = _one_hot(lesson.label)
    if lesson.verdict == NOT_REJECTION:
        return cats, {}
    if lesson.label == Label.NOT_JOB.value:
        return cats, {"job": 0.0}  # a no to something else is still a refusal: the verdict does not say
    return cats, {"job": 1.0, "refusal": float(lesson.label == Label.REJECTION.value)}


def _one_hot(label: str) -> dict[str, float]:
    return {lb.value: float(lb.value == label) for lb in Label}


def _replace(nlp: Language, out: Path, note: Note) -> None:
    """Write the copy beside the old one, then swap: a daemon never loads half a copy."""
    fresh, stale = out.with_name(out.name + ".new"), out.with_name(out.name + ".old")
    for leftover in (fresh, stale):
        shutil.rmtree(leftover, ignore_errors=True)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        nlp.to_disk(fresh)
        write_note(fresh, note)
        if out.exists():
            out.rename(stale)
        fresh.rename(out)
    except OSError as exc:
        raise ClassifierError(f"cannot write the personal pipeline to {out}: {exc.strerror or exc}") from exc
    shutil.rmtree(stale, ignore_errors=True)
