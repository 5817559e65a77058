"""Write what `rebound learn` needs from the team's corpus into the package: a rehearsal sample and the held-out split.

    python models/rehearsal.py        # what `make train` runs after models/build.py

An installed Rebound has the trained pipeline but not the corpus (models/corpus is not in the
wheel). `rebound learn` updates a copy of the pipeline from the user's corrections and, so that
it forgets nothing else, mixes emails the pipeline was trained on into every update; then it
measures the copy on the team's held-out split. Both files ship as package data:

- rehearsal.jsonl: one training email in SAMPLE_EVERY from every language, label and kind (at
  least MIN_PER_KIND of each), chosen by a hash of the id, so the sample is stable and covers
  every kind of mail the pipeline knows, hard negatives included.
- heldout.jsonl: the whole held-out split (1 in 7, never trained on), as `make eval-heldout` uses it.

Written with the pipeline, from the same corpus: a sample and a pipeline from different corpora
would rehearse what the pipeline never learned.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build import is_heldout
from corpus import read_corpus

OUT = Path(__file__).resolve().parent / "rehearsal"
# One training email in five: ~1,300 emails (~0.7 MB), enough to rehearse every kind.
SAMPLE_EVERY = 5
MIN_PER_KIND = 2
# Only what learning and measuring read: the words and the labels.
FIELDS = ("id", "label", "lang", "kind", "subject", "body", "refusal")


def _rank(row: dict[str, str]) -> str:
    return hashlib.sha256(f"rehearsal:{row['id']}".encode()).hexdigest()


def sample(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The rehearsal sample: from each (language, label, kind), the first 1 in SAMPLE_EVERY by hash."""
    groups: dict[tuple[str, str, str], list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        groups[(row["lang"], row["label"], row["kind"])].append(row)
    chosen = []
    for key in sorted(groups):
        group = sorted(groups[key], key=_rank)
        chosen += group[: max(MIN_PER_KIND, -(-len(group) // SAMPLE_EVERY))]
    return sorted(chosen, key=lambda row: row["id"])


def write(path: Path, rows: list[dict[str, str]]) -> None:
    """One JSON object a line, only FIELDS."""
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps({k: row[k] for k in FIELDS if k in row}, ensure_ascii=False) + "\n")


def main(out: Path = OUT) -> None:
    rows = read_corpus()
    train = [row for row in rows if not is_heldout(row["id"])]
    heldout = [row for row in rows if is_heldout(row["id"])]
    out.mkdir(parents=True, exist_ok=True)
    rehearsal = sample(train)
    write(out / "rehearsal.jsonl", rehearsal)
    write(out / "heldout.jsonl", heldout)
    print(f"{len(rehearsal)} of {len(train)} training emails to rehearse and {len(heldout)} held-out emails written to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
