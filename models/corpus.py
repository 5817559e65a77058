"""The team's training corpus: reading it, checking its layout, and counting what it holds.

    python models/corpus.py            # check the layout and rewrite corpus/README.md's counts

Layout: ``corpus/<lang>/<label>/<kind>.jsonl``. The path says what a file holds (its language, its
label, and what kind of email of that label it is); one JSON object a line, split on "\\n" only.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"
LANGUAGES = ("en", "de", "fr", "nl", "es")
LABELS = ("rejection", "application_ack", "interview", "assessment", "offer", "recruiter_outreach", "other_job", "not_job")
REQUIRED = ("id", "label", "subject", "body", "lang")


class CorpusError(ValueError):
    """A corpus file is out of place or holds a malformed row."""


def corpus_files(root: Path = CORPUS) -> list[Path]:
    """Every corpus file, in a stable order."""
    return sorted(root.glob("*/*/*.jsonl"))


def read_file(path: Path) -> list[dict[str, str]]:
    """The rows of one file, checked against the folder they live in."""
    lang, label, kind = path.parent.parent.name, path.parent.name, path.stem
    if lang not in LANGUAGES or label not in LABELS:
        raise CorpusError(f"{path}: not in <lang>/<label>/ (languages {', '.join(LANGUAGES)}; labels {', '.join(LABELS)})")
    rows = []
    # str.splitlines would also split on U+2028 inside a JSON string: JSON Lines ends a record at "\n" only.
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{path}:{n}: not JSON: {exc}") from None
        missing = [k for k in REQUIRED if k not in row]
        if missing:
            raise CorpusError(f"{path}:{n}: missing {', '.join(missing)}")
        if (row["lang"], row["label"]) != (lang, label):
            raise CorpusError(f"{path}:{n}: a {row['lang']}/{row['label']} row in {lang}/{label}/")
        rows.append({**row, "kind": kind})
    return rows


def read_corpus(root: Path = CORPUS) -> list[dict[str, str]]:
    """Every row of the corpus, each with its file's kind; ids are unique."""
    rows = [row for path in corpus_files(root) for row in read_file(path)]
    seen: Counter[str] = Counter(row["id"] for row in rows)
    doubled = [i for i, n in seen.items() if n > 1]
    if doubled:
        raise CorpusError(f"ids used more than once: {', '.join(sorted(doubled)[:10])}")
    return rows


def counts_table(rows: list[dict[str, str]]) -> str:
    """A Markdown table: one line per label and kind, one column per language."""
    by = Counter((row["label"], row["kind"], row["lang"]) for row in rows)
    keys = sorted({(label, kind) for label, kind, _ in by}, key=lambda k: (LABELS.index(k[0]), k[1]))
    lines = ["| label | kind | " + " | ".join(LANGUAGES) + " | all |", "|---|---|" + "---:|" * (len(LANGUAGES) + 1)]
    for label, kind in keys:
        cells = [by[(label, kind, lang)] for lang in LANGUAGES]
        lines.append(f"| {label} | {kind} | " + " | ".join(str(c or "") for c in cells) + f" | {sum(cells)} |")
    totals = [sum(1 for r in rows if r["lang"] == lang) for lang in LANGUAGES]
    lines.append("| **all** | | " + " | ".join(str(t) for t in totals) + f" | **{len(rows)}** |")
    return "\n".join(lines)


MARK = "<!-- counts: written by `python models/corpus.py` -->"


def write_readme(rows: list[dict[str, str]], root: Path = CORPUS) -> None:
    """Replace the counts table in corpus/README.md (everything after MARK)."""
    readme = root / "README.md"
    head = readme.read_text(encoding="utf-8").split(MARK)[0] if readme.exists() else "# The team's corpus\n\n"
    readme.write_text(f"{head.rstrip()}\n\n{MARK}\n\n{counts_table(rows)}\n", encoding="utf-8")


def main() -> None:
    try:
        rows = read_corpus()
    except CorpusError as exc:
        sys.exit(f"corpus: {exc}")
    write_readme(rows)
    print(f"{len(rows)} emails in {len(corpus_files())} files; {CORPUS.relative_to(CORPUS.parent.parent)}/README.md updated")


if __name__ == "__main__":
    main()
