"""Write the team's held-out split (1 email in 7, never trained on) as JSONL for `rebound eval`.

    python models/heldout.py models/build/heldout.jsonl && rebound eval models/build/heldout.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build import BUILD, is_heldout, read_corpus


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else BUILD / "heldout.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = [row for row in read_corpus() if is_heldout(row["id"])]
    with out.open("w", encoding="utf-8") as f:
        for row in rows:
            kind = "rejection" if row["label"] == "rejection" else "not_rejection"
            f.write(json.dumps({**row, "label": kind, "subtype": f"{row['label']}/{row.get('lang', 'en')}"}) + "\n")
    print(f"{len(rows)} held-out emails written to {out}")


if __name__ == "__main__":
    main()
