"""Precision, recall and company accuracy on a labelled JSONL file (the `rebound eval` command)."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path

from agent.domain import Classification, IncomingEmail, Label
from agent.errors import InputError

# The label (or subtype prefix) of mail that is not about a job: the team's corpus and probe files use it.
NOT_JOB = Label.NOT_JOB.value


@dataclass(frozen=True)
class LabelledEmail:
    """One line of an evaluation or classification file."""

    id: str
    mail: IncomingEmail
    is_rejection: bool | None = None
    subtype: str = ""
    company: str = ""
    situation: str = ""
    """The situation a reply must fit, where the file labels it."""
    language: str = ""
    """The email's language, where the file labels it ("lang" or "language")."""
    not_job: str = ""
    """For mail labelled not about a job at all: "ordinary" (lists, newsletters, friends) or "refusal"
    (a no to a paper, a grant, a flat); "" for job mail and where the file does not say."""


def read_jsonl(path: Path) -> Iterator[LabelledEmail]:
    """Objects with id, subject, body and optional from, to, date, label, subtype, company, situation, lang."""
    try:
        # JSON Lines ends a record at "\n" only; str.splitlines would also split at U+2028 or U+0085,
        # which a valid JSON string may hold unescaped.
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            name, addr = parseaddr(row.get("from") or "")
            mail = IncomingEmail(
                folder="",
                uid=n,
                message_id=str(row["id"]),
                subject=row.get("subject") or "",
                from_name=name,
                from_addr=addr.lower(),
                reply_to="",
                to=row.get("to") or "",
                date=_date(row.get("date")),
                text=row.get("body") or "",
            )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError) as exc:
            raise InputError(f"{path}:{n}: not an object with id, subject and body ({exc.__class__.__name__}: {exc})") from exc
        label = row.get("label")
        truth = None if label is None else label == "rejection"
        subtype = row.get("subtype") or label or ""
        not_job = ""
        if label == NOT_JOB or subtype.split("/")[0] == NOT_JOB:
            not_job = "refusal" if row.get("refusal") else "ordinary"
        yield LabelledEmail(
            str(row["id"]),
            mail,
            truth,
            subtype,
            row.get("company") or "",
            row.get("situation") or "",
            row.get("lang") or row.get("language") or "",
            not_job,
        )


def _date(value: object) -> datetime | None:
    """An RFC 5322 date ("Tue, 17 Nov 2026 10:22:00 +0100") or an ISO one ("2026-11-17T10:22:00+01:00")."""
    if not value:
        return None
    text = str(value)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = parsedate_to_datetime(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def same_company(predicted: str, truth: str) -> bool:
    """The same employer: equal once case, punctuation and legal suffixes are set aside, or one
    name is the other's leading words ("Palantir" for "Palantir Technologies") — the user still
    sees who said no."""

    def words(s: str) -> list[str]:
        s = re.sub(r"\b(inc|llc|ltd|gmbh|plc|corp|co|the)\b\.?", " ", s.lower())
        return re.findall(r"[a-z0-9]+", s)

    got, want = words(predicted), words(truth)
    if not got or not want:
        return False
    short, long = sorted((got, want), key=len)
    return long[: len(short)] == short


@dataclass
class Report:
    """The figures `rebound eval` prints."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    by_subtype: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    misclassified: list[tuple[str, str, str, float]] = field(default_factory=list)
    company_right: int = 0
    company_total: int = 0
    company_misses: list[tuple[str, str, str]] = field(default_factory=list)
    situations: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(labelled, read) situation of each labelled rejection."""
    languages: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(labelled, detected) language of each email that carries one."""
    scores: list[tuple[float, bool]] = field(default_factory=list)
    """(P(rejection), is it one) of every email: the reliability curve."""
    by_language: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    """tp, fp, fn and tn per labelled language: the per-language F1."""
    not_job: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    """For mail labelled not about a job, by kind ("ordinary", "refusal"): how many ("emails"), how
    many were called a rejection ("rejection") and how many got any job label ("job_label"), uncertain
    ones included: each is a wrong draft or a wrong line in the digest."""
    job_labelled: list[tuple[str, str, float]] = field(default_factory=list)
    """(id, label, confidence) of each email labelled not about a job that was given a job label."""

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def language_scores(self) -> list[tuple[str, float, float, float, int]]:
        """(language, precision, recall, F1, rejections) for each labelled language, most rejections first."""
        out = []
        for lang, c in self.by_language.items():
            p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
            r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
            out.append((lang, p, r, 2 * p * r / (p + r) if p + r else 0.0, c["tp"] + c["fn"]))
        return sorted(out, key=lambda row: (-row[4], row[0]))

    @property
    def company_accuracy(self) -> float:
        return self.company_right / self.company_total if self.company_total else 0.0

    @property
    def situation_accuracy(self) -> float:
        total = sum(self.situations.values())
        return sum(n for (want, got), n in self.situations.items() if want == got) / total if total else 0.0

    @property
    def language_accuracy(self) -> float:
        total = sum(self.languages.values())
        return sum(n for (want, got), n in self.languages.items() if want == got) / total if total else 0.0

    def reliability(self, bins: int = 10) -> list[tuple[float, float, int, float]]:
        """(from, to, emails, share that are rejections) for each band of P(rejection) that holds emails."""
        out = []
        for b in range(bins):
            low, high = b / bins, (b + 1) / bins
            inside = [truth for p, truth in self.scores if low <= p < high or (b == bins - 1 and p == 1.0)]
            if inside:
                out.append((low, high, len(inside), sum(inside) / len(inside)))
        return out

    @property
    def confidently_wrong(self) -> int:
        """Emails called right or wrong about being a rejection with P ≥ 0.9 (or ≤ 0.1), and wrong."""
        return sum(1 for p, truth in self.scores if (p >= 0.9 and not truth) or (p <= 0.1 and truth))


def evaluate(rows: Iterable[LabelledEmail], results: Iterable[Classification]) -> Report:
    """Compare predictions with labels; an uncertain rejection counts as not a rejection."""
    report = Report()
    for row, result in zip(rows, results, strict=True):
        if row.is_rejection is None:
            raise InputError(f"{row.id}: no label to evaluate against")
        predicted = result.is_rejection
        report.by_subtype[f"{'rejection' if row.is_rejection else 'not_rejection'}/{row.subtype}"][
            "right" if predicted == row.is_rejection else "wrong"
        ] += 1
        outcome = ("tp" if row.is_rejection else "fp") if predicted else ("fn" if row.is_rejection else "tn")
        setattr(report, outcome, getattr(report, outcome) + 1)
        if row.language:
            report.by_language[row.language][outcome] += 1
        if row.not_job:
            tally = report.not_job[row.not_job]
            tally["emails"] += 1
            tally["rejection"] += predicted
            tally["job_label"] += result.label is not Label.NOT_JOB
            if result.label is not Label.NOT_JOB:
                report.job_labelled.append((row.id, result.label.value, result.confidence))
        if predicted != row.is_rejection:
            report.misclassified.append((row.id, row.subtype, result.label.value, result.confidence))
        p_rejection = result.confidence if result.label.value == "rejection" else 1.0 - result.confidence
        report.scores.append((p_rejection, row.is_rejection))
        if row.situation and row.is_rejection:
            report.situations[(row.situation, result.extraction.situation.value)] += 1
        if row.language:
            report.languages[(row.language, result.extraction.language)] += 1
        if row.company:
            report.company_total += 1
            if same_company(result.extraction.company, row.company):
                report.company_right += 1
            else:
                report.company_misses.append((row.id, row.company, result.extraction.company))
    return report
