"""Tables and figures for the terminal (rich), kept out of the command definitions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from agent.evaluate import Report
from agent.store import RecordedEmail

console = Console()


def print_eval(path: Path, report: Report, *, show_companies: bool = False) -> None:
    """What `rebound eval` prints."""
    console.print(f"[bold]{path}[/]: {report.tp + report.fn} rejections, {report.fp + report.tn} other emails")
    console.print(
        f"rejection precision {report.precision:.3f}  recall {report.recall:.3f}  F1 {report.f1:.3f}"
        f"   (tp {report.tp}, fp {report.fp}, fn {report.fn}, tn {report.tn})"
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
    if show_companies and report.company_misses:
        console.print("company misses: " + "; ".join(f"{i}: {truth!r} ≠ {got!r}" for i, truth, got in report.company_misses))


def print_emails(rows: Sequence[RecordedEmail]) -> None:
    """A table of recorded emails."""
    table = Table("received", "from", "subject", "label", "company")
    # The note carries a failed message's whole error: wrap it rather than cut it off.
    table.add_column("drafts / note", overflow="fold", ratio=2)
    for r in rows:
        label = f"{r.label}?" if r.uncertain else r.label
        if r.status == "failed":
            label, note = "failed", r.error
        else:
            note = ", ".join(r.drafts) or r.skip_reason
            if r.check:
                note += "".join(f"\ncheck: {reason}" for reason in r.check)
        # Text(), not str: a subject from a stranger must not be read as rich markup.
        cells = [r.received.strftime("%Y-%m-%d") if r.received else "", r.sender, r.subject[:60], label, r.company, note]
        table.add_row(*(Text(c) for c in cells))
    console.print(table)
