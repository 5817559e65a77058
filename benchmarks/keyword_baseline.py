"""The keyword matching most job trackers use, scored like `rebound eval`, for comparison.

    python benchmarks/keyword_baseline.py FILE.jsonl
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent.evaluate import read_jsonl

# The usual list: words and phrases that signal bad news in a recruiter email.
KEYWORDS = re.compile(
    r"unfortunately|regret|not (been )?selected|unsuccessful|not (be )?moving forward|other candidates|"
    r"not (be )?proceeding|decided not to|position has been filled|not a (good )?fit|will not be",
    re.IGNORECASE,
)


def main(path: Path) -> None:
    tp = fp = fn = 0
    for row in read_jsonl(path):
        predicted = bool(KEYWORDS.search(f"{row.mail.subject}\n{row.mail.text}"))
        tp += predicted and bool(row.is_rejection)
        fp += predicted and not row.is_rejection
        fn += (not predicted) and bool(row.is_rejection)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    print(f"keyword baseline on {path}: precision {p:.3f}  recall {r:.3f}  F1 {f1:.3f}  (tp {tp}, fp {fp}, fn {fn})")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
