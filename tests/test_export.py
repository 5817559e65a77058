"""`rebound export`: the CSV history, the Bewerbungsnachweis and the work-search log, read back from the real files.

The PDFs are rendered to images with pdftoppm (Debian's poppler-utils) and their text read back
with pdftotext: what a job centre's clerk would see, not what ReportLab was asked to draw.
"""

from __future__ import annotations

import csv
import os
import shutil
import struct
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from agent import cli
from agent.applications import applications
from agent.domain import Classification, Extraction, IncomingEmail, Label, Stage
from agent.store import Store

ACCOUNT = "me@imap.example.org"
NOW = datetime.now(UTC)
HOSTILE = "<b>Bold & Co</b>"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"CI=true but {name} is not installed (apt-get install poppler-utils)", pytrace=False)
    pytest.skip(f"{name} is not installed (apt-get install poppler-utils)")


def record(store: Store, n: int, label: Label, company: str, days_ago: float, *, role: str = "Analyst", stage: Stage = Stage.UNKNOWN,
           reply_to: str = "") -> None:
    arrived = NOW - timedelta(days=days_ago)
    mail = IncomingEmail(
        folder="INBOX",
        uid=n,
        message_id=f"<e{n}@employer.example>",
        subject=f"{label.value.replace('_', ' ')} from {company or 'someone'}",
        from_name="",
        from_addr=f"jobs@{(company or 'unknown').split()[0].lower().strip('<>')}.example",
        reply_to="",
        to="alex@example.org",
        date=arrived - timedelta(days=3),  # a sender's clock, days off: the arrival is what counts
        received=arrived,
        text="…",
        in_reply_to=reply_to,
    )
    result = Classification(label, 0.95, extraction=Extraction(company=company, role=role, stage=stage, human_sender=True))
    store.record(ACCOUNT, mail, result, [], uidvalidity=1)


@pytest.fixture
def rebound(tmp_path: Path) -> tuple[Path, Store]:
    config = tmp_path / "config.toml"
    db = tmp_path / "r.db"
    config.write_text(
        '[imap]\nhost = "imap.example.org"\nusername = "me"\npassword = "pw"\n'
        '[profile]\nname = "Alex Müller"\nemail = "alex@example.org"\n'
        f'[database]\nurl = "sqlite:///{db}"\n[digest]\ntimezone = "Europe/Berlin"\n'
    )
    config.chmod(0o600)
    store = Store(f"sqlite:///{db}")
    record(store, 1, Label.APPLICATION_ACK, "Müller & Söhne GmbH", 30, role="Buchhalterin")
    record(store, 2, Label.REJECTION, "Müller & Söhne", 12, role="Buchhalterin", stage=Stage.APPLICATION)
    record(store, 3, Label.APPLICATION_ACK, "Quillfeather", 20, role="Analytics Engineer")
    record(store, 4, Label.INTERVIEW, "Quillfeather", 9, role="Analytics Engineer", reply_to="<e3@employer.example>")
    record(store, 5, Label.APPLICATION_ACK, "Harbor & Vine", 16, role="Operations Analyst")
    record(store, 6, Label.OFFER, "Pinecrest Learning", 2, role="")
    record(store, 7, Label.REJECTION, HOSTILE, 5)
    record(store, 8, Label.REJECTION, "", 4)  # no employer named
    record(store, 9, Label.NOT_JOB, "", 3)  # not an application
    for n in range(10, 50):  # enough for a second page
        record(store, n, Label.APPLICATION_ACK, f"Firma {n}", 60 - n / 2)
    return config, store


def run(config: Path, *args: str) -> str:
    result = CliRunner().invoke(cli.main, ["--config", str(config), "export", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_applications_join_by_thread_and_by_employer(rebound: tuple[Path, Store]) -> None:
    _config, store = rebound
    apps = applications(store.digest_emails(ACCOUNT, NOW, NOW + timedelta(days=1)))
    by_company = {a.company: a for a in apps}
    assert len(apps) == 46  # 45 named employers and one unnamed; the personal email is none
    assert by_company["Müller & Söhne GmbH"].outcome == "rejection"
    assert len(by_company["Müller & Söhne GmbH"].emails) == 2
    assert by_company["Quillfeather"].outcome == "interview" and by_company["Quillfeather"].interviewed
    assert by_company["Harbor & Vine"].response is None
    assert by_company["Quillfeather"].days_to_response == pytest.approx(11, abs=0.01)


def test_csv_lists_every_application_with_its_history(rebound: tuple[Path, Store], tmp_path: Path) -> None:
    config, _store = rebound
    out = tmp_path / "history.csv"
    assert "46 application(s)" in run(config, "--csv", str(out))
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 46
    muller = next(r for r in rows if r["company"] == "Müller & Söhne GmbH")
    assert (muller["role"], muller["outcome"]) == ("Buchhalterin", "rejection")
    assert muller["history"].count("; ") == 1 and "application acknowledged" in muller["history"] and "rejection" in muller["history"]
    assert muller["applied"] == (NOW - timedelta(days=30)).astimezone().date().isoformat() or muller["applied"]
    assert next(r for r in rows if r["company"] == "Harbor & Vine")["outcome"] == "application_ack"
    assert next(r for r in rows if r["company"] == HOSTILE)["outcome"] == "rejection"  # kept as written: a CSV is not markup
    assert sum(r["company"] == "" for r in rows) == 1


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _read_back(pdf: Path, tmp_path: Path) -> tuple[str, list[Path]]:
    pages = tmp_path / "page"
    subprocess.run([_tool("pdftoppm"), "-png", "-r", "60", str(pdf), str(pages)], check=True, capture_output=True, timeout=60)
    images = sorted(tmp_path.glob("page-*.png"))
    text = subprocess.run([_tool("pdftotext"), "-layout", str(pdf), "-"], check=True, capture_output=True, text=True, timeout=60).stdout
    keep = os.environ.get("REBOUND_EXPORT_SHOTS")  # for a person to look at
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for image in images:
            shutil.copy(image, Path(keep) / f"{pdf.stem}-{image.name}")
    return text, images


def test_the_bewerbungsnachweis_pdf_opens_and_shows_the_table(rebound: tuple[Path, Store], tmp_path: Path) -> None:
    config, _store = rebound
    pdf = tmp_path / "nachweis.pdf"
    run(config, "--format", "bewerbungsnachweis", "--pdf", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF-")
    text, images = _read_back(pdf, tmp_path)
    assert len(images) >= 2  # 46 rows do not fit one page: the table goes on, its header repeated
    for image in images:
        width, height = _png_size(image)
        assert width > height  # landscape A4
        assert image.stat().st_size > 4_000  # a drawn page, not a blank one (a blank A4 at 60 dpi is about 1 kB)
    flat = " ".join(text.split())
    assert "Nachweis über Bewerbungsbemühungen" in flat and "Name: Alex Müller" in flat
    for column in ("Datum der", "Arbeitgeber (Name,", "Stelle", "Art der", "Ergebnis"):
        assert column in text
    with_rows = [page for page in text.split("\f") if "per E-Mail" in page]
    assert len(with_rows) >= 2 and all("Ergebnis" in page for page in with_rows)  # the header on every page of the table
    assert "Müller & Söhne GmbH" in flat and "Buchhalterin" in flat and "Absage vom" in flat
    assert "Einladung zum Vorstellungsgespräch" in flat and "Eingang bestätigt, noch keine Antwort" in flat
    assert HOSTILE in flat  # printed as text, not read as markup
    assert "* Keine Eingangsbestätigung im Postfach" in flat  # a date from a rejection is starred, and said so
    assert f"Seite 1 von {len(images)}" in flat and f"Seite {len(images)} von {len(images)}" in flat and "Unterschrift" in flat


def test_the_work_search_log_as_csv_and_pdf(rebound: tuple[Path, Store], tmp_path: Path) -> None:
    config, _store = rebound
    out, pdf = tmp_path / "log.csv", tmp_path / "log.pdf"
    run(config, "--format", "work-search-log", "--csv", str(out), "--pdf", str(pdf))
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["Date of contact", "Employer", "Contact (email)", "Position applied for", "Method", "Result"]
    assert len(rows) == 47
    results = {r[1]: r[5] for r in rows[1:]}
    assert results["Pinecrest Learning"].startswith("Job offer received")
    assert results["Employer unknown"].startswith("Not hired")
    # An application first seen in a rejection was sent on a day the mailbox does not show.
    by_employer = {r[1]: r[0] for r in rows[1:]}
    assert by_employer["Müller & Söhne GmbH"][-1].isdigit()  # acknowledged: its day is known
    assert by_employer["Employer unknown"].endswith("*")
    text, images = _read_back(pdf, tmp_path)
    assert images and "Work Search Log" in text and "Claimant: Alex Müller" in text and "Page 1 of" in text
    flat = " ".join(text.split())
    assert "* No confirmation in the mailbox" in flat and "true and complete" not in flat


def test_export_filters_by_day_and_refuses_what_makes_no_sense(rebound: tuple[Path, Store], tmp_path: Path) -> None:
    config, _store = rebound
    out = tmp_path / "recent.csv"
    since = (NOW - timedelta(days=10)).astimezone().date().isoformat()
    assert "3 application(s)" in run(config, "--since", since, "--csv", str(out))
    refused = CliRunner().invoke(cli.main, ["--config", str(config), "export"])
    assert refused.exit_code == 2 and "give --csv FILE or --pdf FILE" in refused.output
    refused = CliRunner().invoke(cli.main, ["--config", str(config), "export", "--pdf", str(tmp_path / "x.pdf")])
    assert refused.exit_code == 2 and "history is a CSV" in refused.output
