"""Tables and figures for the terminal (rich), kept out of the command definitions."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from agent.domain import HeldBack
from agent.evaluate import Report
from agent.parse import format_address
from agent.store import RecordedEmail

console = Console()
# --wide: as wide as the table needs, to scroll sideways or pipe into a pager.
WIDE = 10_000


def print_eval(path: Path, report: Report, *, show_companies: bool = False) -> None:
    """What `rebound eval` prints."""
    console.print(f"[bold]{path}[/]: {report.tp + report.fn} rejections, {report.fp + report.tn} other emails")
    if report.tp + report.fn:
        console.print(
            f"rejection precision {report.precision:.3f}  recall {report.recall:.3f}  F1 {report.f1:.3f}"
            f"   (tp {report.tp}, fp {report.fp}, fn {report.fn}, tn {report.tn})"
        )
    else:  # a file of mail that is not about jobs: precision and recall have nothing to count
        console.print(f"no rejections in this file: {report.fp} of {report.fp + report.tn} emails called one")
    for kind, tally in sorted(report.not_job.items()):
        n = tally["emails"]
        console.print(
            f"not about a job ({kind}): {n} emails; called a rejection {tally['rejection']} ({1000 * tally['rejection'] / n:.1f} per 1,000),"
            f" given a job label {tally['job_label']} ({1000 * tally['job_label'] / n:.1f} per 1,000)"
        )
    if report.company_total:
        console.print(f"company right on {report.company_right}/{report.company_total} emails that name it ({report.company_accuracy:.1%})")
    table = Table("truth / subtype", "right", "wrong", title="by subtype")
    for key in sorted(report.by_subtype):
        counts = report.by_subtype[key]
        table.add_row(key, str(counts["right"]), str(counts["wrong"]) if counts["wrong"] else "")
    console.print(table)
    if report.situations:
        total = sum(report.situations.values())
        console.print(f"situation right on {report.situation_accuracy:.1%} of {total} labelled rejections")
        wrong = Counter({pair: n for pair, n in report.situations.items() if pair[0] != pair[1]})
        if wrong:
            console.print("  most confused (labelled → read): " + ", ".join(f"{a} → {b} ({n})" for (a, b), n in wrong.most_common(6)))
    if len(report.by_language) > 1 and report.tp + report.fn:
        console.print(
            "by language (F1, precision/recall, rejections): "
            + ", ".join(f"{lang} {f1:.3f} ({p:.2f}/{r:.2f}, {n})" for lang, p, r, f1, n in report.language_scores())
        )
    if report.languages:
        console.print(f"language right on {report.language_accuracy:.1%} of {sum(report.languages.values())} emails")
    curve = report.reliability()
    console.print(
        "calibration (P(rejection) band: emails, share that are rejections): "
        + ", ".join(f"{low:.1f}–{high:.1f}: {n}, {share:.2f}" for low, high, n, share in curve)
    )
    console.print(f"confidently wrong (P ≥ 0.9 or ≤ 0.1 and wrong): {report.confidently_wrong} of {len(report.scores)}")
    if report.misclassified:
        console.print("misclassified: " + ", ".join(f"{i} ({sub} → {label} {conf:.2f})" for i, sub, label, conf in report.misclassified))
    if report.job_labelled:
        console.print("not about a job, given a job label: " + ", ".join(f"{i} ({label} {conf:.2f})" for i, label, conf in report.job_labelled))
    if show_companies and report.company_misses:
        console.print("company misses: " + "; ".join(f"{i}: {truth!r} ≠ {got!r}" for i, truth, got in report.company_misses))


def held_back_note(reason: str) -> str:
    """Why an email was held back, from the reason as stored (HeldBack's value); '' for none."""
    try:
        return HeldBack(reason).note
    except ValueError:  # a reason only a newer Rebound knows, read from a shared database
        return ""


def label_text(label: str, *, uncertain: bool, confidence: float, runner_up: str = "") -> str:
    """A label as the tables show it: for an uncertain one, the score and the label it might be instead."""
    if not uncertain:
        return label
    return f"{label}? {confidence:.2f}" + (f"\nor {runner_up}" if runner_up else "")


def email_text(received: datetime | None, sender: str, subject: str) -> Text:
    """Date and sender over the subject, for a table cell that wraps."""
    cell = Text(f"{received:%Y-%m-%d} " if received else "", style="dim")
    cell.append(sender)
    cell.append("\n" + subject)  # Text(), not str: a subject from a stranger must not be read as rich markup
    return cell


def _note(r: RecordedEmail) -> str:
    if r.status == "failed":
        return r.error
    note = ", ".join(r.drafts) or r.skip_reason or held_back_note(r.held_back)
    return note + "".join(f"\ncheck: {reason}" for reason in r.check)


def print_emails(rows: Sequence[RecordedEmail], *, wide: bool = False, out: Console | None = None) -> None:
    """A table of recorded emails that fits the terminal (cells wrap); wide: one row a line, as wide as it needs."""
    out = out or (Console(width=WIDE, soft_wrap=False) if wide else console)
    table = Table(box=box.SIMPLE_HEAD if wide else box.HEAVY_HEAD, show_lines=not wide)
    if wide:
        for name in ("received", "from", "subject", "label", "company", "drafts / note"):
            table.add_column(name, no_wrap=True)
    else:
        # Four columns, none cut short: the label keeps its width, the rest share what is left.
        table.add_column("email", ratio=5, overflow="fold")
        table.add_column("label", min_width=15, overflow="fold")
        table.add_column("company", ratio=2, overflow="fold")
        table.add_column("drafts / note", ratio=3, overflow="fold")
    for r in rows:
        label = "failed" if r.status == "failed" else label_text(r.label, uncertain=r.uncertain, confidence=r.confidence, runner_up=r.runner_up)
        if wide:
            sender = format_address(r.sender_name, r.sender) if r.sender_name else r.sender
            cells = [r.received.strftime("%Y-%m-%d") if r.received else "", sender, r.subject, label.replace("\n", " "), r.company, _note(r).replace("\n", "; ")]
            table.add_row(*(Text(c) for c in cells))
        else:
            # The name alone, where there is one: the address is in --wide and --json.
            table.add_row(email_text(r.received, r.sender_name or r.sender, r.subject), Text(label), Text(r.company), Text(_note(r)))
    out.print(table)


def emails_json(rows: Sequence[RecordedEmail]) -> Iterator[str]:
    """One JSON object a line per recorded email, every field, for scripts (`rebound list --json`)."""
    for r in rows:
        record = asdict(r)
        for key, value in record.items():
            if isinstance(value, datetime):
                record[key] = value.isoformat()
            elif isinstance(value, tuple):
                record[key] = list(value)
        yield json.dumps(record, ensure_ascii=False)
