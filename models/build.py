"""Rebuild the shipped pipeline from the team's corpus: convert → spacy train → add the extractor.

    python models/build.py            # what `make train` runs

Reproducible: a fixed split (by a hash of each id) and a fixed seed in config.cfg.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import spacy
from spacy.tokens import DocBin

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent.classifier.components import EXTRACTOR  # noqa: E402
from agent.classifier.text import compose  # noqa: E402
from agent.domain import Label  # noqa: E402

MODELS = Path(__file__).resolve().parent
CORPUS = MODELS / "corpus"
BUILD = MODELS / "build"
PIPELINE = MODELS / "pipeline"
# One email in seven is held out: the team's own test split, never trained on.
HELDOUT_EVERY = 7
LABELS = [label.value for label in Label]


def is_heldout(example_id: str) -> bool:
    """Deterministic split by a hash of the id, so adding emails never reshuffles the rest."""
    return int(hashlib.sha256(example_id.encode()).hexdigest(), 16) % HELDOUT_EVERY == 0


def read_corpus() -> list[dict[str, str]]:
    """Every example of every JSONL file in models/corpus."""
    rows = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                row = json.loads(line)
                if row["label"] not in LABELS:
                    raise SystemExit(f"{path.name}:{n}: unknown label {row['label']!r}")
                rows.append(row)
    return rows


def convert() -> tuple[int, int]:
    """Write the train and held-out DocBins."""
    nlp = spacy.blank("en")
    train, heldout = DocBin(), DocBin()
    n_train = n_heldout = 0
    for row in read_corpus():
        doc = nlp.make_doc(compose(row.get("subject", ""), row["body"]))
        doc.cats = {label: float(label == row["label"]) for label in LABELS}
        if is_heldout(row["id"]):
            heldout.add(doc)
            n_heldout += 1
        else:
            train.add(doc)
            n_train += 1
    BUILD.mkdir(exist_ok=True)
    train.to_disk(BUILD / "train.spacy")
    heldout.to_disk(BUILD / "heldout.spacy")
    return n_train, n_heldout


def main() -> None:
    n_train, n_heldout = convert()
    print(f"corpus: {n_train} training emails, {n_heldout} held out")
    subprocess.run(
        [sys.executable, "-m", "spacy", "train", str(MODELS / "config.cfg"), "--output", str(BUILD / "training")],
        check=True,
        cwd=MODELS.parent,
    )
    nlp = spacy.load(BUILD / "training" / "model-best")
    nlp.add_pipe(EXTRACTOR, last=True)
    if PIPELINE.exists():
        shutil.rmtree(PIPELINE)
    nlp.to_disk(PIPELINE)
    print(f"pipeline written to {PIPELINE.relative_to(MODELS.parent)}")


if __name__ == "__main__":
    main()
