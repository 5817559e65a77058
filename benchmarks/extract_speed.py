"""CPU time of the extractor alone, per email, beside spaCy's bare tokenizer: `python benchmarks/extract_speed.py`.

`make bench-classify` times the whole pipeline, where the text classifier's share and a shared
machine move the ratio by a whole point from run to run; this times only Extractor.__call__ (the
company, role and contact rules) on the same texts, Docs made beforehand, best of three, so a
change to the rules shows in its own figure. BENCH_EMAILS sets how many texts (3,000 by default).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("BENCH_EMAILS", "3000")

import classify_speed  # noqa: E402  (its texts: the corpus shuffled, with quoted history and footers)

from agent.classifier import Classifier  # noqa: E402
from agent.classifier.components import EXTRACTOR  # noqa: E402
from agent.classifier.extract import Headers  # noqa: E402
from agent.classifier.text import compose  # noqa: E402
from agent.classifier.words import TEXT  # noqa: E402


def main() -> None:
    nlp = Classifier().nlp
    extractor = nlp.get_pipe(EXTRACTOR).extractor
    texts, docs = [], []
    for mail in classify_speed.corpus_mails():
        text = compose(mail.subject, mail.text)
        doc = nlp.make_doc(text)
        doc.user_data[TEXT] = text
        texts.append(text)
        docs.append((doc, Headers(mail.from_name, mail.from_addr, mail.reply_to)))
    for doc, headers in docs:  # the first pass fills caches and the string store: not what a daemon pays
        extractor(doc, headers)
    tok_s = classify_speed._best(lambda: [nlp.tokenizer(text) for text in texts])
    ext_s = classify_speed._best(lambda: [extractor(doc, headers) for doc, headers in docs])
    n = len(docs)
    print(f"emails: {n}")
    print(f"bare tokenizer: {tok_s / n * 1e6:.0f} µs/email")
    print(f"extractor: {ext_s / n * 1e6:.0f} µs/email, {ext_s / tok_s:.2f}× the tokenizer's time")


if __name__ == "__main__":
    main()
