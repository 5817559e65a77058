"""How long the worst bodies take to become classifier text: `python benchmarks/trim_speed.py`.

Each line: a hostile body or HTML part, its length, and the time for agent/classifier/text.py's
compose() or agent/parse.py's html_to_text(). A linear pass takes milliseconds on each; the
patterns and the HTML parser these replaced took 7-19 s on the 20,000-character bodies and up to
13 s on the 200,000-character HTML (see docs/reliability.md). Doubling the sizes (TRIM_SCALE=2)
should about double the times.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent.classifier.text import compose
from agent.parse import html_to_text

SCALE = int(os.environ.get("TRIM_SCALE", "1"))
N = 20_000 * SCALE  # the parser keeps at most 20,000 characters of a body
H = 200_000 * SCALE

BODIES = {
    "blank lines": "Hi\n" + "\n" * N,
    "lines of one space": "Hi\n" + " \n" * (N // 2),
    "tab, blank line": "Hi\n" + "\t\n\n" * (N // 3),
    "'On x' lines": "Hi\n" + "On x\n" * (N // 5),
    "'From: a' lines": "Hi\n" + "From: a\n\n" * (N // 9),
    "'>' lines": "Hi\n" + ">\n" * (N // 2),
}
MARKUP = {
    "'<!--x' unterminated": "<!--x" * (H // 5),
    "'</' unterminated": "</" * (H // 2),
    "'<?' unterminated": "<?" * (H // 2),
    "'<![CDATA[' unterminated": "<![CDATA[" * (H // 9),
    "'<p>' tags": "<p>" * (H // 3),
}


def timed(func: object, arg: str) -> float:
    started = time.perf_counter()
    func(arg)  # type: ignore[operator]
    return time.perf_counter() - started


def main() -> None:
    for name, body in BODIES.items():
        print(f"compose       {name:26s} {len(body):8d} chars {timed(lambda b: compose('s', b), body) * 1000:8.1f} ms")
    for name, markup in MARKUP.items():
        print(f"html_to_text  {name:26s} {len(markup):8d} chars {timed(html_to_text, markup) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
