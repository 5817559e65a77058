"""Company and role accuracy of the extractor on the team's corpus, overall and on the held-out split.

    python benchmarks/extract_accuracy.py [--dump FILE.jsonl]

Runs the shipped pipeline with extraction on every email (Classifier(extract_all=True)), as
`rebound eval` does, over models/corpus. A company counts as right by agent.evaluate.same_company
(the digest still names who said no); a role is right when it equals the labelled one after trimming,
without regard to case. Only emails whose label names a company (or a role) count towards that total;
emails labelled with none are counted apart, as a guess there ("a person's name") is the other way to be
wrong. --dump writes each email's id, truth and prediction, to compare two branches line by line.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "models"))

from build import is_heldout  # noqa: E402
from corpus import read_corpus  # noqa: E402

from agent.classifier import Classifier  # noqa: E402
from agent.domain import IncomingEmail  # noqa: E402
from agent.evaluate import same_company  # noqa: E402


@dataclass
class Tally:
    """Right answers among emails that name the thing, and guesses among those that do not."""

    right: int = 0
    total: int = 0
    guessed: int = 0
    unnamed: int = 0

    def add(self, truth: str, got: str, ok: bool) -> None:
        if truth:
            self.total += 1
            self.right += ok
        else:
            self.unnamed += 1
            self.guessed += bool(got)

    def line(self, what: str) -> str:
        share = self.right / self.total if self.total else 0.0
        return f"{what} right {self.right}/{self.total} ({share:.1%}); named where the label has none {self.guessed}/{self.unnamed}"


def same_role(got: str, truth: str) -> bool:
    """Equal after trimming, whatever the case."""
    return got.strip().casefold() == truth.strip().casefold()


def mail_of(row: dict[str, str]) -> IncomingEmail:
    """The corpus row as the product reads an email (the From header parsed as `rebound eval` does)."""
    name, addr = parseaddr(row.get("from") or "")
    return IncomingEmail("", 0, row["id"], row.get("subject") or "", name, addr.lower(), "", "", None, row.get("body") or "")


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dump", type=Path, help="write id, truth and prediction of every email to this JSONL file")
    args = parser.parse_args(list(argv) if argv is not None else None)
    rows = read_corpus()
    classifier = Classifier(extract_all=True)
    tallies = {split: {"company": Tally(), "role": Tally()} for split in ("all", "held-out")}
    dump = []
    for row, result in zip(rows, classifier.classify_many(mail_of(r) for r in rows), strict=True):
        got = result.extraction
        want_company, want_role = (row.get("company") or "").strip(), (row.get("role") or "").strip()
        company_ok, role_ok = same_company(got.company, want_company), same_role(got.role, want_role)
        for split in ("all", "held-out") if is_heldout(row["id"]) else ("all",):
            tallies[split]["company"].add(want_company, got.company, company_ok)
            tallies[split]["role"].add(want_role, got.role, role_ok)
        dump.append({"id": row["id"], "company": [want_company, got.company], "role": [want_role, got.role]})
    for split, by in tallies.items():
        print(f"{split} ({by['company'].total + by['company'].unnamed} emails):")
        print("  " + by["company"].line("company"))
        print("  " + by["role"].line("role"))
    if args.dump:
        args.dump.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in dump), encoding="utf-8")


if __name__ == "__main__":
    main()
