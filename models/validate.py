"""How the classifier's views combine, chosen where no test email can sway it: `python models/validate.py`.

The training emails (never the held-out split) are split again, 1 in 7 by another hash: both
classifiers are trained once (seed 0) on the rest, and each way of combining their scores into
P(rejection) is scored on the emails set aside, overall and on the short ones (under 40 words),
where the "about a job?" facet has least to go on. agent/classifier/components.py rejection_score
uses what this prints best; its docstring gives the figures.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import spacy
from spacy.tokens import DocBin

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build import ARCHITECTURES, BUILD, MODELS, is_heldout, write_docbins
from corpus import read_corpus

from agent.classifier.text import compose

VALIDATE_EVERY = 7
SHORT_WORDS = 40
OUT = BUILD / "validate"
Views = tuple[float, bool, float, float]  # P(rejection) of the 8-way model, ranked first?, P(job), P(refusal)


def _first(rejection: float, first: bool) -> float:
    return 1.0 if first else rejection


# Each way of turning the three views into P(rejection).
COMBINATIONS: dict[str, Callable[[float, bool, float, float], float]] = {
    "all three must agree (min)": lambda rej, first, job, ref: min(_first(rej, first), job, ref),
    "job facet vetoes only below 0.4": lambda rej, first, job, ref: min(_first(rej, first), ref, 1.0 if job >= 0.4 else job),
    "job facet vetoes only below 0.3": lambda rej, first, job, ref: min(_first(rej, first), ref, 1.0 if job >= 0.3 else job),
    "8-way and refusal facet only": lambda rej, first, job, ref: min(_first(rej, first), ref),
    "8-way score alone": lambda rej, first, job, ref: rej if first else 0.0,
}


def _is_validation(example_id: str) -> bool:
    return int(hashlib.sha256(f"validate:{example_id}".encode()).hexdigest(), 16) % VALIDATE_EVERY == 0


def convert() -> list[tuple[bool, int]]:
    """Training DocBins without the validation emails; (is a rejection, words) of each validation email."""
    rows = [row for row in read_corpus() if not is_heldout(row["id"])]
    val = [row for row in rows if _is_validation(row["id"])]
    write_docbins({"train": [row for row in rows if not _is_validation(row["id"])], "val": val}, OUT)
    nlp = spacy.blank("en")
    return [(row["label"] == "rejection", len(nlp.make_doc(compose(row.get("subject", ""), row["body"])))) for row in val]


def train(config: str, prefix: str) -> Path:
    out = OUT / f"{prefix or 'textcat'}-model"
    with (OUT / f"{prefix or 'textcat'}.log").open("w") as log:
        subprocess.run(
            [sys.executable, "-m", "spacy", "train", str(MODELS / config), "--output", str(out), "--code", str(ARCHITECTURES),
             "--paths.train", str(OUT / f"{prefix}train.spacy"), "--paths.dev", str(OUT / f"{prefix}val.spacy"), "--system.seed", "0"],
            check=True, cwd=MODELS.parent, stdout=log, stderr=subprocess.STDOUT,
        )
    return out / "model-last"


def views() -> list[Views]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        textcat, facet = pool.map(lambda args: train(*args), [("config.cfg", ""), ("config_facets.cfg", "facets-")])
    eight, two = spacy.load(textcat), spacy.load(facet)
    docs = list(DocBin().from_disk(OUT / "val.spacy").get_docs(eight.vocab))
    out = []
    for a, b in zip(eight.pipe(d.text for d in docs), two.pipe(d.text for d in docs), strict=True):
        rejection = a.cats["rejection"]
        out.append((rejection, rejection >= max(a.cats.values()), b.cats["job"], b.cats["refusal"]))
    return out


def score(pairs: list[tuple[bool, float]], threshold: float) -> str:
    tp = sum(p >= threshold and t for t, p in pairs)
    fp = sum(p >= threshold and not t for t, p in pairs)
    fn = sum(p < threshold and t for t, p in pairs)
    precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f"P {precision:.3f} R {recall:.3f} F1 {f1:.3f}"


def main() -> None:
    truth = convert()
    scored = views()
    print(f"validation: {len(truth)} training emails set aside, {sum(t for t, _ in truth)} rejections; "
          f"{sum(n < SHORT_WORDS for _, n in truth)} of them under {SHORT_WORDS} words")
    for name, combine in COMBINATIONS.items():
        for threshold in (0.5, 0.55):
            pairs = [(t, combine(*v)) for (t, _), v in zip(truth, scored, strict=True)]
            short = [pair for pair, (_, n) in zip(pairs, truth, strict=True) if n < SHORT_WORDS]
            print(f"{name:34} {threshold:.2f}  all: {score(pairs, threshold)}   short: {score(short, threshold)}")


if __name__ == "__main__":
    main()
