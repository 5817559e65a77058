"""A backlog of varied, recruiter-like emails built from the team's own corpus (models/corpus/<lang>/<label>/<kind>.jsonl).

Deterministic for a given seed: the same rows, the same Message-IDs, the same MIME shapes, so
an uninterrupted run and a crashed-and-restarted run see byte-identical mail. Dates are recent
(the last few hours), so every rejection from a person is young enough to get a draft.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from html import escape
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "models" / "corpus"
TO = "Alex Morgan <alex.morgan@example.com>"
# About a third rejections, the rest spread over everything else a job seeker's inbox holds.
SHARES = {
    "rejection": 0.35,
    "application_ack": 0.12,
    "interview": 0.08,
    "assessment": 0.05,
    "offer": 0.04,
    "recruiter_outreach": 0.06,
    "other_job": 0.08,
    "not_job": 0.22,
}
SHAPES = ("plain", "alternative", "html", "quoted-printable", "base64", "attachment", "reply", "reply-to")


@dataclass(frozen=True)
class BacklogMail:
    message_id: str
    label: str
    shape: str
    raw: bytes


def corpus_rows() -> list[dict[str, str]]:
    """Every labelled row of the corpus, in a stable order."""
    rows = []
    for path in sorted(CORPUS.glob("*/*/*.jsonl")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.strip():
                row = json.loads(line)
                if row.get("label") and row.get("body") and row.get("from"):
                    rows.append(row)
    return sorted(rows, key=lambda r: str(r["id"]))


def _pick(rows: Sequence[dict[str, str]], count: int, rng: random.Random) -> list[dict[str, str]]:
    by_label: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_label.setdefault(row["label"], []).append(row)
    chosen: list[dict[str, str]] = []
    for label, share in SHARES.items():
        pool = by_label.get(label, [])
        chosen += rng.sample(pool, min(len(pool), round(count * share)))
    rest = [r for r in rows if r not in chosen]
    chosen += rng.sample(rest, max(0, count - len(chosen)))
    rng.shuffle(chosen)
    return chosen[:count]


def _html(body: str) -> str:
    paragraphs = "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>\n" for p in body.split("\n\n"))
    return f'<html><head><style>p {{ font-family: Arial }}</style></head><body>\n{paragraphs}<p style="color:#999">Sent via our careers portal</p></body></html>\n'


def _domain(sender: str) -> str:
    addr = parseaddr(sender)[1]
    # Some corpus rows keep template placeholders ("[company].com"): not a valid msg-id domain.
    domain = re.sub(r"[^a-z0-9.-]+", "", addr.rsplit("@", 1)[-1].lower()).strip(".-") if "@" in addr else ""
    return domain or "example.org"


def build(row: dict[str, str], index: int, shape: str, when: datetime, tag: str) -> BacklogMail:
    """One corpus row as a complete email in the given MIME shape."""
    msg = EmailMessage()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", str(row["id"])).strip("-")
    message_id = f"<{tag}-{index:03d}-{slug}@{_domain(row['from'])}>"
    msg["From"] = row["from"]
    msg["To"] = TO
    msg["Subject"] = row["subject"]
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = message_id
    body = row["body"] if row["body"].endswith("\n") else row["body"] + "\n"
    if shape == "plain":
        msg.set_content(body)
    elif shape == "alternative":
        msg.set_content(body)
        msg.add_alternative(_html(row["body"]), subtype="html")
    elif shape == "html":
        msg.set_content(_html(row["body"]), subtype="html")
    elif shape == "quoted-printable":
        msg.set_content(body, cte="quoted-printable")
    elif shape == "base64":
        msg.set_content(body, cte="base64")
    elif shape == "attachment":
        msg.set_content(body)
        msg.add_attachment(b"%PDF-1.4\n" + bytes(range(256)) * 8, maintype="application", subtype="pdf", filename="details.pdf")
    elif shape == "reply":
        msg["In-Reply-To"] = f"<application-{slug}@example.com>"
        msg["References"] = f"<application-{slug}@example.com>"
        msg.set_content(body + "\n> On an earlier day, Alex Morgan wrote:\n> I am writing to apply for the role.\n")
    elif shape == "reply-to":
        name, addr = parseaddr(row["from"])
        if "@" in addr and not re.match(r"(?i)no-?reply|do-?not-?reply", addr):
            msg["Reply-To"] = f"{name or 'Recruiting'} <recruiting+{index}@{addr.rsplit('@', 1)[-1]}>"
        msg.set_content(body)
    else:
        raise ValueError(shape)
    return BacklogMail(message_id, row["label"], shape, msg.as_bytes(policy=SMTP))


def backlog(count: int = 160, *, seed: int = 5, tag: str = "backlog", now: datetime | None = None) -> list[BacklogMail]:
    """count varied emails, oldest first, one a minute up to a few minutes ago."""
    rng = random.Random(seed)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    rows = _pick(corpus_rows(), count, rng)
    return [build(row, i, SHAPES[i % len(SHAPES)], now - timedelta(minutes=count - i + 2), tag) for i, row in enumerate(rows)]


def everyday_inbox(count: int, *, job_share: float = 0.1, seed: int = 7, tag: str = "inbox", now: datetime | None = None) -> list[BacklogMail]:
    """count emails as a real inbox holds them: job_share about jobs (as SHARES spreads them), the rest not.

    The corpus has fewer emails than a large mailbox: rows are used again, each time in another
    MIME shape and under a Message-ID of its own. Dates run one every few seconds up to now.
    """
    rng = random.Random(seed)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    rows = corpus_rows()
    everyday = [r for r in rows if r["label"] == "not_job"]
    jobs = [r for r in rows if r["label"] != "not_job"]
    n_jobs = round(count * job_share)
    picked = [rng.choice(jobs) for _ in range(n_jobs)] + [rng.choice(everyday) for _ in range(count - n_jobs)]
    rng.shuffle(picked)
    step = timedelta(seconds=max(1, int(timedelta(days=7).total_seconds()) // max(count, 1)))
    return [build(row, i, SHAPES[rng.randrange(len(SHAPES))], now - step * (count - i), tag) for i, row in enumerate(picked)]
