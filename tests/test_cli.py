"""agent/cli.py: the commands, their output and their exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import agent.classifier
import agent.demo
from agent.classifier import Classifier
from agent.classifier.model import DEFAULT_THRESHOLD
from agent.cli import main
from agent.domain import Label
from agent.evaluate import evaluate, read_jsonl
from agent.parse import format_address, parse_email
from agent.resources import demo_mail_dir
from agent.store import Store

ROOT = Path(__file__).resolve().parent.parent
DEMO_FILES = sorted(demo_mail_dir().glob("*.eml"))
EXPECTED = json.loads((demo_mail_dir() / "expected.json").read_text(encoding="utf-8"))
CLASSIFY_KEYS = {"id", "label", "is_rejection", "confidence", "company", "role", "stage", "contact_name"}


@pytest.fixture(scope="module")
def loaded() -> Classifier:
    """The trained pipeline, loaded once for the module."""
    return Classifier()


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loaded: Classifier) -> Path:
    """No config, data or cwd of the real user; every Classifier() reuses the loaded pipeline."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REBOUND_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("REBOUND_TEST_PW", "pw")

    def reuse(path: Path | None = None, threshold: float = DEFAULT_THRESHOLD, *, extract_all: bool = False) -> Classifier:
        assert path is None
        clone = Classifier.__new__(Classifier)
        clone.nlp, clone.threshold, clone.extract_all = loaded.nlp, threshold, extract_all
        return clone

    monkeypatch.setattr(agent.classifier, "Classifier", reuse)
    monkeypatch.setattr(agent.demo, "Classifier", reuse)
    return tmp_path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def write_config(tmp_path: Path, extra_imap: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[imap]
host = "imap.example.org"
username = "me@example.org"
password_env = "REBOUND_TEST_PW"
{extra_imap}

[profile]
name = "Alex Morgan"
email = "me@example.org"

[database]
url = "sqlite:///{tmp_path / "db" / "rebound.db"}"
""",
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path


def demo_rows() -> list[dict[str, object]]:
    rows = []
    for path in DEMO_FILES:
        mail = parse_email(path.read_bytes())
        rows.append(
            {
                "id": path.stem,
                "subject": mail.subject,
                "body": mail.text,
                "from": format_address(mail.from_name, mail.from_addr),
                "label": EXPECTED[path.name]["label"],
                "company": EXPECTED[path.name]["company"] or "",
            }
        )
    return rows


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


# --- demo -----------------------------------------------------------------------------------


def test_demo(tmp_path: Path) -> None:
    keep = tmp_path / "demo"
    result = CliRunner(env={"COLUMNS": "200"}).invoke(main, ["demo", "--keep", str(keep)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "rejection" in result.stdout
    assert re.search(rf"{len(DEMO_FILES)} emails read, [1-9]\d* rejections recognised, [1-9]\d* drafts written", result.stdout)
    assert (keep / "rebound.db").is_file()
    drafts = list((keep / "Maildir" / ".Drafts" / "cur").iterdir())
    assert drafts and all(":2,DS" in p.name for p in drafts)
    # One of the drafts is shown in full.
    assert "Kind regards," in result.stdout or "Best wishes," in result.stdout


# --- classify -------------------------------------------------------------------------------


def test_classify_jsonl(tmp_path: Path, loaded: Classifier) -> None:
    rows = demo_rows()[:8]
    path = write_jsonl(tmp_path / "in.jsonl", [{k: r[k] for k in ("id", "subject", "body", "from")} for r in rows])
    result = invoke("classify", "--jsonl", str(path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == len(rows)
    loaded.extract_all = True  # classify reports extraction for every job email
    expected = list(loaded.classify_many(r.mail for r in read_jsonl(path)))
    loaded.extract_all = False
    for line, row, truth in zip(lines, rows, expected, strict=True):
        obj = json.loads(line)
        assert obj.keys() >= CLASSIFY_KEYS
        assert obj["id"] == row["id"]
        assert obj["label"] == ("uncertain" if truth.uncertain else truth.label.value)
        assert obj["label"] in {label.value for label in Label} | {"uncertain"}
        assert obj["is_rejection"] is truth.is_rejection
        assert obj["is_rejection"] == (obj["label"] == "rejection")
        assert 0.0 <= obj["confidence"] <= 1.0
        assert obj["confidence"] == round(truth.confidence, 4)
        assert obj["company"] == (truth.extraction.company or None)
        assert obj["stage"] == (truth.extraction.stage.value if truth.label is Label.REJECTION else None)
        for key in ("role", "contact_name", "company"):
            assert obj[key] is None or (isinstance(obj[key], str) and obj[key])


def test_classify_takes_a_jsonl_file_as_an_argument(tmp_path: Path) -> None:
    rows = demo_rows()[:3]
    path = write_jsonl(tmp_path / "in.jsonl", [{k: r[k] for k in ("id", "subject", "body", "from")} for r in rows])
    by_option = invoke("classify", "--jsonl", str(path))
    by_argument = invoke("classify", str(path))
    assert by_argument.exit_code == 0, by_argument.output
    assert by_argument.stdout == by_option.stdout
    assert [json.loads(line)["id"] for line in by_argument.stdout.splitlines()] == [r["id"] for r in rows]


def test_classify_eml_paths(loaded: Classifier) -> None:
    paths = [DEMO_FILES[5], DEMO_FILES[1]]
    result = invoke("classify", *map(str, paths))
    assert result.exit_code == 0, result.output
    objs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in objs] == [str(p) for p in paths]
    for obj, path in zip(objs, paths, strict=True):
        truth = loaded.classify(parse_email(path.read_bytes()))
        assert obj["label"] == ("uncertain" if truth.uncertain else truth.label.value)
        assert obj.keys() >= CLASSIFY_KEYS


def test_classify_uses_configured_threshold(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    config.write_text(config.read_text() + "\n[classifier]\nconfidence_threshold = 1.0\n")
    result = invoke("--config", str(config), "classify", str(DEMO_FILES[5]))
    assert result.exit_code == 0, result.output
    obj = json.loads(result.stdout)
    assert obj["label"] == "uncertain" and obj["is_rejection"] is False


def test_classify_needs_input() -> None:
    result = invoke("classify")
    assert result.exit_code == 2
    assert "--jsonl" in result.stderr


def test_classify_bad_jsonl_is_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "subject": "s", "body": "b"}\nnot json\n')
    result = invoke("classify", "--jsonl", str(path))
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and f"{path}:2" in result.stderr
    assert result.stdout == ""


def test_classify_jsonl_splits_records_on_newline_only(tmp_path: Path) -> None:
    # U+2028 and U+0085 are legal unescaped inside a JSON string; str.splitlines would cut the record there.
    rows = [{"id": "a", "subject": "Line\u2028separator", "body": "Thanks for applying.\u0085We chose another candidate."}, {"id": "b", "subject": "s", "body": "b"}]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert "\u2028" in path.read_text(encoding="utf-8")
    result = invoke("classify", str(path))
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in result.stdout.split("\n") if line] == ["a", "b"]


# --- eval -----------------------------------------------------------------------------------


def test_eval_prints_precision_recall_f1(tmp_path: Path, loaded: Classifier) -> None:
    path = write_jsonl(tmp_path / "labelled.jsonl", demo_rows())
    result = invoke("eval", str(path))
    assert result.exit_code == 0, result.output
    rows = list(read_jsonl(path))
    report = evaluate(rows, loaded.classify_many(r.mail for r in rows))
    match = re.search(r"precision\s+([\d.]+)\s+recall\s+([\d.]+)\s+F1\s+([\d.]+)", result.stdout)
    assert match, result.stdout
    assert [float(x) for x in match.groups()] == [round(report.precision, 3), round(report.recall, 3), round(report.f1, 3)]
    counts = re.search(r"tp\s+(\d+),\s+fp\s+(\d+),\s+fn\s+(\d+),\s+tn\s+(\d+)", result.stdout)
    assert counts and tuple(map(int, counts.groups())) == (report.tp, report.fp, report.fn, report.tn)
    rejections = sum(1 for info in EXPECTED.values() if info["label"] == "rejection")
    assert report.tp + report.fn == rejections
    assert report.tp + report.fp + report.fn + report.tn == len(DEMO_FILES)


def test_eval_needs_labels(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "unlabelled.jsonl", [{"id": "x1", "subject": "s", "body": "b"}])
    result = invoke("eval", str(path))
    assert result.exit_code == 1
    assert "x1" in result.stderr and "no label" in result.stderr
    assert "Traceback" not in result.output


# --- config errors --------------------------------------------------------------------------


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "REBOUND_CONFIG"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "agent", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_bad_config_exits_2_with_one_line(tmp_path: Path) -> None:
    config = write_config(tmp_path, extra_imap='hots = "typo.example.org"')
    proc = run_cli("--config", str(config), "list", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.endswith("\n")
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("rebound: config error: ")
    assert str(config) in proc.stderr and "[imap] hots: unknown key" in proc.stderr


def test_every_config_error_is_a_line_of_its_own(tmp_path: Path) -> None:
    config = write_config(tmp_path, extra_imap='hots = "typo.example.org"\npoll_seconds = 1')
    proc = run_cli("--config", str(config), "once", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 2 and all(line.startswith(f"rebound: config error: {config}: [imap] ") for line in lines)
    assert any("hots: unknown key" in line for line in lines) and any("poll_seconds" in line for line in lines)


@pytest.mark.parametrize("command", [["list"], ["list", "--failed"], ["once"], ["run"]])
def test_bad_config_same_for_every_command(tmp_path: Path, command: list[str]) -> None:
    config = write_config(tmp_path, extra_imap="poll_seconds = 1")
    result = invoke("--config", str(config), *command)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "[imap] poll_seconds" in result.stderr and str(config) in result.stderr


def test_missing_config_exits_2(tmp_path: Path) -> None:
    result = invoke("--config", str(tmp_path / "absent.toml"), "list")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "absent.toml" in result.stderr


def test_config_found_through_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = write_config(tmp_path, extra_imap="poll_seconds = 1")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("REBOUND_CONFIG", str(bad))
    result = invoke("list")
    assert result.exit_code == 2 and str(bad) in result.stderr


# --- list -----------------------------------------------------------------------------------


def test_list_failed_on_empty_database(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    result = invoke("--config", str(config), "list", "--failed")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "email" in result.stdout and "label" in result.stdout
    assert (tmp_path / "db" / "rebound.db").is_file()


def test_list_failed_shows_only_failures(tmp_path: Path) -> None:
    from agent.config import load_settings
    from agent.domain import Classification

    config = write_config(tmp_path)
    settings = load_settings(config)
    store = Store(settings.database_url)
    ok, bad = (parse_email(p.read_bytes(), folder="INBOX", uid=n) for n, p in ((1, DEMO_FILES[1]), (2, DEMO_FILES[5])))
    store.record(settings.account, ok, Classification(Label.NOT_JOB, 0.99), [], uidvalidity=1)
    store.record_failure(settings.account, bad, "RuntimeError: kaboom", uidvalidity=1)
    everything = invoke("--config", str(config), "list")
    failed = invoke("--config", str(config), "list", "--failed")
    assert everything.exit_code == failed.exit_code == 0
    assert "not_job" in everything.stdout and "kaboom" in everything.stdout
    assert "kaboom" in failed.stdout
    assert "not_job" not in failed.stdout


@pytest.mark.parametrize("order", ["before", "after", "split"])
def test_global_options_on_either_side_of_the_command(tmp_path: Path, order: str) -> None:
    config = write_config(tmp_path, extra_imap="poll_seconds = 1")  # a config error proves the file was read
    args = {
        "before": ["--config", str(config), "-v", "list"],
        "after": ["list", "-v", "--config", str(config)],
        "split": ["-v", "list", "--config", str(config)],
    }[order]
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert str(config) in result.stderr and "[imap] poll_seconds" in result.stderr


def test_verbose_after_the_command_turns_on_progress_logging(tmp_path: Path) -> None:
    import logging

    config = write_config(tmp_path)
    root = logging.getLogger()
    before = root.level
    try:
        result = invoke("list", "-vv", "--config", str(config))
        assert result.exit_code == 0, result.output
        assert root.level == logging.DEBUG
    finally:
        root.setLevel(before)


@pytest.mark.parametrize("args", [["-h"], ["list", "-h"], ["once", "-h"], ["digest", "-h"]])
def test_short_help(args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")
    assert "--config" in result.stdout


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout.startswith("rebound, version ")


# --- list: a table that fits, --wide, --json, --uncertain ---------------------------------------


def recorded(tmp_path: Path) -> Path:
    """A config whose database holds three demo emails: one sure, one uncertain, one failed."""
    from agent.config import load_settings
    from agent.domain import Classification

    config = write_config(tmp_path)
    settings = load_settings(config)
    store = Store(settings.database_url)
    sure, unsure, bad = (parse_email(p.read_bytes(), folder="INBOX", uid=n) for n, p in ((1, DEMO_FILES[0]), (2, DEMO_FILES[5]), (3, DEMO_FILES[8])))
    store.record(settings.account, sure, Classification(Label.APPLICATION_ACK, 0.97, runner_up=Label.REJECTION), [], uidvalidity=1)
    store.record(settings.account, unsure, Classification(Label.REJECTION, 0.52, uncertain=True, runner_up=Label.OTHER_JOB), [], uidvalidity=1)
    store.record_failure(settings.account, bad, "RuntimeError: " + "a long explanation " * 12, uidvalidity=1)
    return config


def test_list_fits_80_columns_and_cuts_nothing(tmp_path: Path) -> None:
    config = recorded(tmp_path)
    result = CliRunner(env={"COLUMNS": "80"}).invoke(main, ["list", "--config", str(config)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert all(len(line) <= 80 for line in result.stdout.splitlines()), result.stdout
    assert "…" not in result.stdout
    assert "application_ack" in result.stdout and "Achterberg" in result.stdout
    assert result.stdout.count("explanation") == 12, "the whole error, wrapped"


def test_list_uncertain_shows_the_score_and_the_two_labels(tmp_path: Path) -> None:
    config = recorded(tmp_path)
    result = CliRunner(env={"COLUMNS": "100"}).invoke(main, ["list", "--uncertain", "--config", str(config)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "rejection? 0.52" in result.stdout and "or other_job" in result.stdout
    assert "application_ack" not in result.stdout


def test_list_uncertain_says_why_an_email_was_held_back(tmp_path: Path) -> None:
    from agent.config import load_settings
    from agent.domain import Classification, Extraction, HeldBack

    config = write_config(tmp_path)
    settings = load_settings(config)
    refusal = parse_email(DEMO_FILES[5].read_bytes(), folder="INBOX", uid=7)
    held = Classification(Label.NOT_JOB, 0.51, uncertain=True, extraction=Extraction(held_back=HeldBack.NOT_A_JOB), runner_up=Label.REJECTION)
    Store(settings.database_url).record(settings.account, refusal, held, [], uidvalidity=1)
    result = CliRunner(env={"COLUMNS": "120"}).invoke(main, ["list", "--uncertain", "--wide", "--config", str(config)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "held back: what it turns down seems not to be a job" in result.stdout
    (row,) = [json.loads(line) for line in invoke("list", "--json", "--config", str(config)).stdout.splitlines()]
    assert row["held_back"] == "not_a_job"


def test_list_wide_is_one_line_an_email(tmp_path: Path) -> None:
    config = recorded(tmp_path)
    result = CliRunner(env={"COLUMNS": "80"}).invoke(main, ["list", "--wide", "--config", str(config)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    body = [line for line in result.stdout.splitlines() if line.strip() and not set(line.strip()) <= set("─━ ")][1:]
    assert len(body) == 3, result.stdout
    assert any(len(line) > 80 for line in body)
    assert "rejection? 0.52 or other_job" in result.stdout


def test_list_json_is_one_object_a_line(tmp_path: Path) -> None:
    config = recorded(tmp_path)
    result = invoke("list", "--json", "--config", str(config))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["uid"] for r in rows] == [1, 2, 3] or sorted(r["uid"] for r in rows) == [1, 2, 3]
    unsure = next(r for r in rows if r["uid"] == 2)
    assert (unsure["label"], unsure["uncertain"], unsure["runner_up"], unsure["confidence"]) == ("rejection", True, "other_job", 0.52)
    assert unsure["sender_name"] == "Zoë Achterberg" and isinstance(unsure["check"], list)
    assert next(r for r in rows if r["uid"] == 3)["status"] == "failed"
    failed_only = invoke("list", "--json", "--failed", "--config", str(config))
    assert [json.loads(line)["uid"] for line in failed_only.stdout.splitlines()] == [3]


def test_demo_fits_80_columns_and_shows_drafts_decoded(tmp_path: Path) -> None:
    result = CliRunner(env={"COLUMNS": "80"}).invoke(main, ["demo", "--keep", str(tmp_path / "demo")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    table = result.stdout.split("drafts written")[0]
    assert "…" not in table and "recognised as" in table and "application_ack" in table and "recruiter_outreach" in table
    assert "To: Zoë Achterberg <zoe.achterberg@brightwellhealth.com>" in result.stdout
    assert "=?utf-8?" not in result.stdout and "=C3=AB" not in result.stdout
