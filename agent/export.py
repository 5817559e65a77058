"""Every recorded application as a table a person can hand in: the history (CSV), a German Bewerbungsnachweis, a US work-search log.

What Rebound knows is what reached the mailbox: when an application was acknowledged, who
wrote, what came of it. How the user applied it cannot see, so the forms say "online / e-mail"
(where the acknowledgement came from), and the user signs what they checked. The PDF is drawn
by agent/pdf.py; this module decides what goes in each column.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path

from agent.applications import Application
from agent.errors import ReboundError
from agent.records import RecordedEmail

FORMATS = ("history", "bewerbungsnachweis", "work-search-log")
HISTORY_COLUMNS = ("applied", "company", "role", "contact", "outcome", "last_update", "history", "first_subject", "first_email_date")


@dataclass(frozen=True)
class Form:
    """One export's table: its title, the lines above the table, the header, the rows, and what goes below."""

    title: str
    meta: tuple[str, ...]
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]
    """Each column's share of the table's width."""
    footer: tuple[str, ...]
    """Notes, then the signature line: its fields separated by '|'."""
    page: str
    """'Page {page} of {pages}' in the form's language."""
    language: str


# What a job centre's form calls the result; the day is when the email came ("Absage vom …").
_GERMAN_OUTCOME = {
    "offer": "Zusage vom {day}",
    "rejection": "Absage vom {day}",
    "interview": "Einladung zum Vorstellungsgespräch, erhalten am {day}",
    "assessment": "Einladung zum Eignungstest / Assessment, erhalten am {day}",
    "application_ack": "Eingang bestätigt, noch keine Antwort",
}
_US_OUTCOME = {
    "offer": "Job offer received {day}",
    "rejection": "Not hired ({day})",
    "interview": "Interview invitation ({day})",
    "assessment": "Assessment / test ({day})",
    "application_ack": "Application acknowledged; no answer yet",
}
_EVENTS = {
    "application_ack": "application acknowledged",
    "interview": "interview invitation",
    "assessment": "assessment",
    "offer": "offer",
    "rejection": "rejection",
    "other_job": "update",
}


def history_rows(apps: Sequence[Application], zone: tzinfo) -> list[dict[str, str]]:
    """One row per application, its whole history in one cell: the CSV export."""
    out = []
    for app in apps:
        last = app.emails[-1]
        out.append(
            {
                "applied": _day(app.applied, zone).isoformat(),
                "company": app.company,
                "role": app.role,
                "contact": app.sender,
                "outcome": app.outcome,
                "last_update": _day(_arrived(last), zone).isoformat(),
                "history": "; ".join(f"{_day(_arrived(e), zone).isoformat()} {_EVENTS.get(e.label, e.label)}: {e.subject}" for e in app.emails),
                "first_subject": app.first.subject,
                "first_email_date": (app.first.header_date or _arrived(app.first)).isoformat(timespec="minutes"),
            }
        )
    return out


def bewerbungsnachweis(apps: Sequence[Application], zone: tzinfo, name: str, period: tuple[date, date]) -> Form:
    """The German job-centre layout (Nachweis über Eigenbemühungen): date, employer, position, how applied, result.

    The date is the acknowledgement's day; an application first seen in an employer's answer was sent
    earlier, on a day the mailbox does not show, so its date is starred and the note below says so.
    """
    rows = []
    unsure_day = False
    for n, app in enumerate(apps, 1):
        employer = app.company or "Arbeitgeber unbekannt"
        day, unsure = _applied_day(app, zone, "%d.%m.%Y")
        unsure_day |= unsure
        rows.append(
            (
                str(n),
                day,
                f"{employer}\n{app.sender}" if app.sender else employer,
                app.role or "–",
                "online / per E-Mail",
                _outcome(app, zone, _GERMAN_OUTCOME, "%d.%m.%Y"),
            )
        )
    first, last = period
    notes = ["Erstellt aus den E-Mails in meinem Postfach. Datum der Bewerbung ist der Tag, an dem der Arbeitgeber den Eingang bestätigt hat."]
    if unsure_day:
        notes.append("* Keine Eingangsbestätigung im Postfach: angegeben ist der Tag der ersten Antwort des Arbeitgebers; die Bewerbung selbst wurde früher verschickt.")
    return Form(
        title="Nachweis über Bewerbungsbemühungen",
        meta=(
            f"Name: {name}",
            "Kundennummer / BG-Nummer: ______________________________",
            f"Zeitraum: {first:%d.%m.%Y} bis {last:%d.%m.%Y}",
            f"Anzahl der Bewerbungen: {len(rows)}",
        ),
        header=("Lfd. Nr.", "Datum der Bewerbung", "Arbeitgeber (Name, Kontakt)", "Stellenbezeichnung", "Art der Bewerbung", "Ergebnis"),
        rows=tuple(rows),
        widths=(0.05, 0.11, 0.27, 0.2, 0.12, 0.25),
        footer=(*notes,
                "Ich versichere, dass die Angaben zutreffen.",
                "Ort, Datum: ______________________________ | Unterschrift: ______________________________"),
        page="Seite {page} von {pages}",
        language="de",
    )


def work_search_log(apps: Sequence[Application], zone: tzinfo, name: str, period: tuple[date, date]) -> Form:
    """A US-style work search log: date, employer, contact, position, method, result (dates starred as above)."""
    rows = []
    unsure_day = False
    for app in apps:
        day, unsure = _applied_day(app, zone, "%m/%d/%Y")
        unsure_day |= unsure
        rows.append(
            (
                day,
                app.company or "Employer unknown",
                app.sender or "–",
                app.role or "–",
                "Online / email",
                _outcome(app, zone, _US_OUTCOME, "%m/%d/%Y"),
            )
        )
    first, last = period
    notes = ["Taken from the emails in my mailbox. The date of contact is the day the employer confirmed the application."]
    if unsure_day:
        notes.append("* No confirmation in the mailbox: the date is that of the employer's first answer; the application itself was sent earlier.")
    return Form(
        title="Work Search Log",
        meta=(f"Claimant: {name}", f"Period: {first:%m/%d/%Y} to {last:%m/%d/%Y}", f"Employer contacts: {len(rows)}"),
        header=("Date of contact", "Employer", "Contact (email)", "Position applied for", "Method", "Result"),
        rows=tuple(rows),
        widths=(0.11, 0.2, 0.22, 0.18, 0.1, 0.19),
        # "True", not "complete": contacts by phone, post or in person are not in the mailbox.
        footer=(*notes,
                "I certify that these entries are true.",
                "Signature: ______________________________ | Date: ____________________"),
        page="Page {page} of {pages}",
        language="en",
    )


def _applied_day(app: Application, zone: tzinfo, pattern: str) -> tuple[str, bool]:
    """The day applied, starred when no acknowledgement dates it (then the employer's first answer does)."""
    day = _day(app.applied, zone).strftime(pattern)
    unsure = app.first.label != "application_ack"
    return (day + "*" if unsure else day), unsure


def _outcome(app: Application, zone: tzinfo, words: dict[str, str], pattern: str) -> str:
    outcome = app.outcome
    when = next((e for e in reversed(app.emails) if e.label == outcome), app.emails[-1])
    return words.get(outcome, words["application_ack"]).format(day=_day(_arrived(when), zone).strftime(pattern))


def _arrived(e: RecordedEmail) -> datetime:
    assert e.received is not None
    return e.received


def _day(moment: datetime, zone: tzinfo) -> date:
    return moment.astimezone(zone).date()


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A UTF-8 CSV with a byte-order mark, so that spreadsheet programs read umlauts right."""
    try:
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(rows)
    except OSError as exc:
        raise ReboundError(f"cannot write {path}: {exc.strerror or exc}") from exc
