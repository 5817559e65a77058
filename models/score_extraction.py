"""Score the rule-based extractor against the labelled corpus, field by field.

    PYTHONPATH=. .venv/bin/python models/score_extraction.py --both [--show [FIELD ...]] [--label L] [--files GLOB]
                                                             [--job-only] [--by-label] [--half a|b]

The Doc is built as the product builds it (compose(subject, body) on spacy.blank("en")), with the From header parsed
into Headers. --no-from blanks the header, as for the many real emails that arrive as subject+body only; that mode
matters as much as the default, so --both prints the two side by side.

Company is compared without case, punctuation, a leading 'The' or legal suffixes (Inc, LLC, Ltd, GmbH...); an empty
truth needs an empty prediction. Role and contact ignore case and punctuation (the stage is the situation reader's: `rebound eval` scores it).
Every row counts by default, not_job rows included (their truth is empty everywhere, and the product never runs the
extractor on them): --job-only leaves them out. ms/email covers compose, tokenizing and extraction.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import zlib
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import spacy

from agent.classifier.extract import Extractor, Headers
from agent.classifier.text import compose

CORPUS = Path(__file__).resolve().parent / "corpus"
FIELDS = ("company", "role", "contact_name")
_LEGAL = re.compile(r"\b(inc|llc|llp|ltd|limited|gmbh|plc|corp|corporation|co|sa|bv|b\.v|ag|pty|pvt|oy|ab|s\.p\.a|spa|srl|sas|nv|eg|kg)\b\.?",
                    re.IGNORECASE)


def norm_company(text: str) -> str:
    """Case, punctuation, spacing, a leading 'The' and legal suffixes do not make a company name wrong."""
    text = _LEGAL.sub(" ", re.sub(r"^\s*the\s+", "", text.lower()))
    return re.sub(r"[^\w]+", "", text)


def norm_text(text: str) -> str:
    return re.sub(r"[^\w]+", " ", text.lower()).strip()


@dataclass
class Tally:
    right: int = 0
    total: int = 0
    misses: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, ok: bool, row_id: str, truth: str, pred: str) -> None:
        self.total += 1
        self.right += ok
        if not ok:
            self.misses.append((row_id, truth, pred))

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0


def load_rows(label: str | None = None, half: str | None = None, pattern: str = "*/*/*.jsonl") -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in sorted(CORPUS.glob(pattern)):
        rows.extend(json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip())
    rows = [r for r in rows if label is None or r["label"] == label]
    if half:  # a stable split by id, to tune rules on one half and check they carry over to the other
        rows = [r for r in rows if "ab"[zlib.crc32(r["id"].encode()) % 2] == half]
    return rows


def score(rows: list[dict[str, Any]], no_from: bool) -> tuple[dict[str, Tally], float]:
    nlp = spacy.blank("en")
    extractor = Extractor(nlp.vocab)
    tallies = {f: Tally() for f in FIELDS}
    started = time.perf_counter()
    for row in rows:
        doc = nlp.make_doc(compose(row.get("subject") or "", row.get("body") or ""))
        name, addr = ("", "") if no_from else parseaddr(row.get("from") or "")
        who = extractor(doc, Headers(name, addr, ""))
        rid = row["id"]
        tallies["company"].add(norm_company(who.company) == norm_company(row["company"] or ""), rid, row["company"] or "", who.company)
        tallies["role"].add(norm_text(who.role) == norm_text(row["role"] or ""), rid, row["role"] or "", who.role)
        tallies["contact_name"].add(norm_text(who.contact_name) == norm_text(row["contact_name"] or ""), rid, row["contact_name"] or "",
                                    who.contact_name)
    return tallies, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-from", action="store_true", help="blank the From header (subject+body only)")
    parser.add_argument("--both", action="store_true", help="score with and without the From header")
    parser.add_argument("--show", nargs="*", choices=FIELDS, help="print the misses for these fields (all when none given)")
    parser.add_argument("--label", help="only rows with this label (e.g. rejection)")
    parser.add_argument("--files", default="*/*/*.jsonl", help="which corpus files, as a glob under models/corpus (default: all; e.g. 'de/rejection/*.jsonl')")
    parser.add_argument("--job-only", action="store_true", help="leave out not_job rows, which the product never extracts from")
    parser.add_argument("--by-label", action="store_true", help="also break accuracy down by email label")
    parser.add_argument("--half", choices=["a", "b"], help="only one stable half of the corpus (tune on a, check on b)")
    args = parser.parse_args(argv)
    rows = [r for r in load_rows(args.label, args.half, args.files) if not (args.job_only and r["label"] == "not_job")]
    modes = [False, True] if args.both else [args.no_from]
    results = {m: score(rows, m) for m in modes}
    header = "field".ljust(14) + "".join(("no From" if m else "with From").rjust(22) for m in modes)
    print(f"{len(rows)} rows" + (f" labelled {args.label}" if args.label else "") + (" (job mail only)" if args.job_only else "")
          + (f", half {args.half}" if args.half else ""))
    print(header)
    for f in FIELDS:
        cells = "".join(f"{t[f].accuracy:8.1%} ({t[f].right:4d}/{t[f].total:4d})".rjust(22) for t, _ in results.values())
        print(f.ljust(14) + cells)
    print("ms/email".ljust(14) + "".join(f"{1000 * secs / max(len(rows), 1):22.2f}" for _, secs in results.values()))
    if args.by_label:
        for label in sorted({r["label"] for r in rows}):
            subset = [r for r in rows if r["label"] == label]
            cells = []
            for m in modes:
                tallies, _ = score(subset, m)
                cells.append("  ".join(f"{f[:7]} {t.accuracy:6.1%}" for f, t in tallies.items() if t.total))
            print(f"{label:20s} n={len(subset):4d}  " + "   |   ".join(cells))
    if args.show is not None:
        for m, (tallies, _) in results.items():
            for f in args.show or FIELDS:
                print(f"\n== {f} misses ({'no From' if m else 'with From'}) ==")
                for rid, truth, pred in tallies[f].misses:
                    print(f"{rid:12s} truth={truth!r:40s} got={pred!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
