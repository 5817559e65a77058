"""Rebuild the shipped pipeline from the team's corpus: convert → spacy train → add the extractor.

    python models/build.py            # what `make train` runs

Reproducible: a fixed split (by a hash of each id) and fixed seeds (SEEDS), whose runs are averaged.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import DocBin

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import read_corpus

from agent.classifier.components import EXTRACTOR
from agent.classifier.text import compose
from agent.domain import Label

MODELS = Path(__file__).resolve().parent
BUILD = MODELS / "build"
PIPELINE = MODELS / "pipeline"
ARCHITECTURES = MODELS.parent / "agent" / "classifier" / "architectures.py"
# One email in seven is held out: the team's own test split, never trained on.
HELDOUT_EVERY = 7
LABELS = [label.value for label in Label]
# Each classifier is trained once per seed and the runs are averaged (train_averaged). Six seeds were tried on
# 2026-12-07 with corpus round 10 (branch wt-corpus10), on its 1,553-email split: F1 0.954 against the shipped
# pipeline's 0.957 (German 0.912 -> 0.940, French 0.967 -> 0.941, English 0.959 -> 0.953); three seeds gave 0.949.
# Its German emails alone (2026-12-07 evening, three seeds, 1,534-email split): F1 0.951 against 0.955 (German 0.912 ->
# 0.933, French 0.956 -> 0.920, English 0.959 -> 0.951, confidently wrong 4 -> 10). Neither was kept.
# 2026-12-08, round 10 plus 350 emails on small paid jobs (seasonal, camps, trial shifts, apprenticeships) and their
# unpaid look-alikes in five languages (branch wt-corpus11), scored with main's pipeline on the same 1,623-email split
# (F1 0.949, German 0.910): retrained F1 0.947 (German 0.924, English 0.955 -> 0.945); each non-English email twice in
# training 0.946 (German 0.924, English 0.937); one feature shared by all languages for words naming paid work
# (branch wt-concept) 0.946 (German 0.917). The German no's still missed are seasonal and apprenticeship letters the
# 8-way model calls not-job with 0.6-0.96. None was kept.
SEEDS = (0, 1, 2)


def is_heldout(example_id: str) -> bool:
    """Deterministic split by a hash of the id, so adding emails never reshuffles the rest."""
    return int(hashlib.sha256(example_id.encode()).hexdigest(), 16) % HELDOUT_EVERY == 0


def facets(row: dict[str, str]) -> dict[str, float]:
    """The two facet labels: about a job at all, and saying no (to a job or to anything else)."""
    return {
        "job": float(row["label"] != "not_job"),
        "refusal": float(row["label"] == "rejection" or bool(row.get("refusal"))),
    }


def write_docbins(splits: dict[str, list[dict[str, Any]]], out: Path) -> None:
    """Each split's DocBins, in corpus order: `<split>.spacy` (the 8 labels) and `facets-<split>.spacy`."""
    nlp = spacy.blank("en")
    out.mkdir(parents=True, exist_ok=True)
    for split, rows in splits.items():
        labels, two = DocBin(), DocBin()
        for row in rows:
            text = compose(row.get("subject", ""), row["body"])
            doc = nlp.make_doc(text)
            doc.cats = {label: float(label == row["label"]) for label in LABELS}
            labels.add(doc)
            doc = nlp.make_doc(text)
            doc.cats = facets(row)
            two.add(doc)
        labels.to_disk(out / f"{split}.spacy")
        two.to_disk(out / f"facets-{split}.spacy")


def convert() -> tuple[int, int]:
    """Write train and held-out DocBins for the 8-way labels and for the two facets."""
    rows = read_corpus()
    splits = {"train": [r for r in rows if not is_heldout(r["id"])], "heldout": [r for r in rows if is_heldout(r["id"])]}
    write_docbins(splits, BUILD)
    return len(splits["train"]), len(splits["heldout"])


def train(config: str, output: str, seed: int) -> Path:
    """Run `spacy train` on one config with one seed; returns the final model's folder.

    The last model, not spaCy's model-best: model-best is picked by its score on the held-out
    split, and a split that chooses the model can no longer measure it honestly.
    """
    out = BUILD / f"{output}-seed{seed}"
    with (BUILD / f"{output}-seed{seed}.log").open("w") as log:
        subprocess.run(
            [sys.executable, "-m", "spacy", "train", str(MODELS / config), "--output", str(out), "--code", str(ARCHITECTURES),
             "--system.seed", str(seed)],
            check=True, cwd=MODELS.parent, stdout=log, stderr=subprocess.STDOUT,
        )
    return out / "model-last"


def train_averaged(config: str, output: str, component: str) -> Language:
    """Train once per seed and average the weights into the first run's pipeline.

    One run's weights depend on its seed (the order of the batches): on the held-out split, F1
    moved between 0.915 and 0.940 from the seed alone. A bag of n-grams is linear up to its
    softmax or sigmoid, so the mean of the runs' weights gives exactly the mean of their logits:
    an ensemble that costs nothing when classifying.
    """
    with ThreadPoolExecutor(max_workers=max(1, min(len(SEEDS), os.cpu_count() or 1))) as pool:
        paths = list(pool.map(lambda seed: train(config, output, seed), SEEDS))
    nlps = [spacy.load(path) for path in paths]
    walks = [list(nlp.get_pipe(component).model.walk()) for nlp in nlps]
    for i, node in enumerate(walks[0]):
        for name in node.param_names:
            if node.has_param(name):
                node.set_param(name, sum(walk[i].get_param(name) for walk in walks) / len(walks))
    print(f"{component}: {len(SEEDS)} runs (seeds {', '.join(map(str, SEEDS))}) averaged; logs in {BUILD.relative_to(MODELS.parent)}")
    return nlps[0]


def main() -> None:
    n_train, n_heldout = convert()
    print(f"corpus: {n_train} training emails, {n_heldout} held out")
    nlp = train_averaged("config.cfg", "training", "textcat")
    nlp.add_pipe("facets", source=train_averaged("config_facets.cfg", "training-facets", "facets"))
    nlp.add_pipe(EXTRACTOR, last=True)
    if PIPELINE.exists():
        shutil.rmtree(PIPELINE)
    nlp.to_disk(PIPELINE)
    print(f"pipeline written to {PIPELINE.relative_to(MODELS.parent)}")


if __name__ == "__main__":
    main()
