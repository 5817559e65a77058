"""What the drafts for a labelled file's rejections are like: `python benchmarks/draft_quality.py [FILE.jsonl]`.

The figures issue 10 asks for, on any file `rebound eval` reads (by default the real rejections of
../shared/corpus/dev.jsonl, which the team never trains on), through the real pipeline and
templates, as `rebound draft` writes them (each email from a person):
- exactly one draft per recognised rejection;
- the draft in the email's language (where the file labels it; else the languages are listed);
- drafts after a no that came before any contact (situation application / unknown / no_openings,
  or dev's subtypes application_stage and automated_ats) that speak of an interview or a
  conversation;
- broken constructions, placeholders and gender tags;
- words hunspell does not know for the draft's language, per 200, leaving out words the email
  itself holds (names, firms).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_draft_quality import BEFORE_CONTACT, MET_WORDS  # noqa: E402
from test_templates import DICTIONARIES  # noqa: E402

from agent.classifier import Classifier  # noqa: E402
from agent.config import DraftSettings, ProfileSettings  # noqa: E402
from agent.drafts import DraftWriter  # noqa: E402
from agent.evaluate import read_jsonl  # noqa: E402
from agent.preview import preview  # noqa: E402

DEV = ROOT.parent / "shared" / "corpus" / "dev.jsonl"
PROFILE = ProfileSettings(name="Alex Morgan", email="alex.morgan@example.org")
BEFORE_CONTACT_SUBTYPES = {"application_stage", "automated_ats"}
BROKEN = re.compile(r"[\[\]{}<>]|\([mwfdhvx]/[mwfdhvx]|  | [,.;:!?](?!\w)|\bknow at\b", re.IGNORECASE)
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# A French article or "de" elided onto a name the email holds ("d’Héliade", "l’Ehpad …") is still that name.
ELIDED = re.compile(r"^[dlDL]['’]")


def main(path: Path) -> None:
    rows = [row for row in read_jsonl(path) if row.is_rejection]
    items = [(row.id, row.mail) for row in rows]
    lines = list(preview(items, Classifier(), DraftWriter(PROFILE, DraftSettings())))
    recognised = [(row, line) for row, line in zip(rows, lines, strict=True) if line["is_rejection"]]
    counts = Counter(min(len(line["drafts"]), 2) for _, line in recognised)
    print(f"{path}: {len(rows)} rejections, {len(recognised)} recognised")
    print(f"exactly one draft: {counts[1]}/{len(recognised)} ({counts[1] / max(len(recognised), 1):.1%}); more than one: {counts[2]}")
    if counts[0]:
        reasons = Counter(line.get("no_draft", "?") for _, line in recognised if not line["drafts"])
        print(f"no draft, as the daemon decides: {counts[0]} (" + "; ".join(f"{r}: {n}" for r, n in reasons.most_common()) + ")")

    drafts = [(row, d) for row, line in recognised for d in line["drafts"]]
    labelled = [(row, d) for row, d in drafts if row.language]
    if labelled:
        same = sum(d["language"] == row.language for row, d in labelled)
        print(f"draft in the email's language: {same}/{len(labelled)} ({same / len(labelled):.1%})")
    else:
        print("draft languages (the file labels none): " + ", ".join(f"{k} {n}" for k, n in Counter(d["language"] for _, d in drafts).most_common()))

    before = [(row, d) for row, d in drafts if row.situation in BEFORE_CONTACT or row.subtype in BEFORE_CONTACT_SUBTYPES]
    claims = [(row.id, m.group(0)) for row, d in before if (m := re.search(MET_WORDS[d["language"]], d["body"], re.IGNORECASE))]
    print(f"drafts after a no before any contact that speak of a meeting: {len(claims)} of {len(before)}" + (f" {claims}" if claims else ""))

    broken = [(row.id, m.group(0)) for row, d in drafts if (m := BROKEN.search(d["body"]))]
    print(f"broken constructions, placeholders, gender tags: {len(broken)} of {len(drafts)} drafts" + (f" {broken}" if broken else ""))

    if shutil.which("hunspell") is None:
        print("hunspell is not installed: words not checked")
        return
    total, unknown = 0, []
    for row, d in drafts:
        # The user's own name and the email's words (names of people and firms) are not the template's.
        own = {w.lower() for w in WORD.findall(f"{row.mail.from_name} {row.mail.subject} {row.mail.text} {PROFILE.name}")}
        words = [w for w in WORD.findall(d["body"]) if w.lower() not in own and ELIDED.sub("", w).lower() not in own]
        total += len(WORD.findall(d["body"]))
        if words:
            out = subprocess.run(["hunspell", "-d", DICTIONARIES[d["language"]], "-l"], input="\n".join(words), capture_output=True, text=True, check=False)
            missed = out.stdout.split()
            if d["language"] == "de" and missed and "ß" not in d["body"]:
                # A reply to a Swiss address writes ss for ß ('weiss', 'Grüsse'): the German dictionary knows the ß spelling.
                again = subprocess.run(["hunspell", "-d", DICTIONARIES["de"], "-l"], input="\n".join(w.replace("ss", "ß") for w in missed),
                                       capture_output=True, text=True, check=False)
                missed = [w for w in missed if w.replace("ss", "ß") in again.stdout.split()]
            unknown += [(row.id, w) for w in missed]
    print(f"words hunspell does not know: {len(unknown)} of {total} ({200 * len(unknown) / max(total, 1):.2f} per 200)" + (f" {unknown[:20]}" if unknown else ""))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEV)
