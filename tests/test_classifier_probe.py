"""The shipped pipeline on ordinary mail written for measuring only (models/probe, never trained on)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from agent.classifier import Classifier
from agent.evaluate import LabelledEmail, evaluate, read_jsonl

ROOT = Path(__file__).resolve().parent.parent
PROBE = ROOT / "models" / "probe"
# Ceilings a little over today's figures (0 of 460 called a rejection, 6 given a job label): a
# retrain that lets ordinary mail drift towards job labels fails here. Issue 13 asks at most 1 and
# 5 in 1,000 of real mail; see README "How well it recognises rejections" for where we stand.
MAX_REJECTIONS = 1
MAX_JOB_LABELS_PER_1000 = 20


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> list[LabelledEmail]:
    path = tmp_path_factory.mktemp("probe") / "probe.jsonl"
    path.write_text("\n".join(f.read_text(encoding="utf-8").strip() for f in sorted(PROBE.glob("*/*.jsonl"))) + "\n", encoding="utf-8")
    return list(read_jsonl(path))


def test_probe_is_ordinary_mail_in_every_language_and_apart_from_the_corpus(probe: list[LabelledEmail]) -> None:
    spec = importlib.util.spec_from_file_location("corpus", ROOT / "models" / "corpus.py")
    assert spec and spec.loader
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    trained_ids = {row["id"] for row in corpus.read_corpus()}
    ids = [row.id for row in probe]
    assert len(probe) >= 400 and len(set(ids)) == len(ids)
    assert not trained_ids & set(ids)
    assert {row.not_job for row in probe} == {"ordinary"}
    assert {row.language for row in probe} == {"en", "de", "fr", "nl", "es"}


def test_ordinary_mail_is_not_called_a_rejection_or_job_mail(probe: list[LabelledEmail]) -> None:
    report = evaluate(probe, Classifier().classify_many(row.mail for row in probe))
    tally = report.not_job["ordinary"]
    assert tally["rejection"] <= MAX_REJECTIONS, report.job_labelled
    assert 1000 * tally["job_label"] / tally["emails"] <= MAX_JOB_LABELS_PER_1000, report.job_labelled
