"""agent/drafts.py: which drafts a rejection gets, and what they look like on the wire."""

from __future__ import annotations

import base64
import email
import email.policy
import itertools
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from pathlib import Path

import pytest

from agent.config import DraftSettings, ProfileSettings
from agent.domain import Classification, DraftKind, Extraction, IncomingEmail, Label, Stage
from agent.drafts import MAX_REFERENCES, DraftWriter, reply_subject
from agent.errors import ConfigError
from agent.parse import parse_email

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
PROFILE = ProfileSettings(name="Alex Morgan", email="alex.morgan@example.org")


def writer(**settings: object) -> DraftWriter:
    return DraftWriter(PROFILE, DraftSettings(**settings))  # type: ignore[arg-type]


def incoming(**overrides: object) -> IncomingEmail:
    fields: dict[str, object] = {
        "folder": "INBOX",
        "uid": 7,
        "message_id": "<parent-7@mail.acme.example>",
        "subject": "Your application for Data Analyst",
        "from_name": "Rachel Osei",
        "from_addr": "rachel.osei@acme.example",
        "reply_to": "",
        "to": "Alex Morgan <alex.morgan@example.org>",
        "date": NOW - timedelta(days=1),
        "text": "We regret to tell you...",
    }
    fields.update(overrides)
    return IncomingEmail(**fields)  # type: ignore[arg-type]


def rejection(stage: Stage = Stage.APPLICATION, **extraction: object) -> Classification:
    ex: dict[str, object] = {"company": "Acme", "role": "Data Analyst", "contact_name": "Rachel", "stage": stage, "human_sender": True}
    ex.update(extraction)
    return Classification(label=Label.REJECTION, confidence=0.93, extraction=Extraction(**ex))  # type: ignore[arg-type]


def wire(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def one_draft(
    mail: IncomingEmail, result: Classification | None = None, kind: DraftKind = DraftKind.THANK_YOU, w: DraftWriter | None = None
) -> EmailMessage:
    w = w or writer()
    [plan] = w.plan([kind], mail, result or rejection(), NOW)
    return wire(plan.raw)


# --- subject --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Your application", "Re: Your application"),
        ("Re: Your application", "Re: Your application"),
        ("RE: Your application", "RE: Your application"),
        ("re:Your application", "re:Your application"),
        ("AW: Ihre Bewerbung", "AW: Ihre Bewerbung"),
        ("SV: Din ansökan", "SV: Din ansökan"),
        ("Fwd: Your application", "Re: Fwd: Your application"),
        ("Regarding your application", "Re: Regarding your application"),
        ("  Your\n application  ", "Re: Your application"),
    ],
)
def test_reply_subject(subject: str, expected: str) -> None:
    assert reply_subject(subject, rejection()) == expected


def test_reply_subject_when_empty_uses_role_and_company() -> None:
    subject = reply_subject("", rejection())
    assert subject.startswith("Thank you") and "Data Analyst" in subject and "Acme" in subject
    assert reply_subject("", rejection(role="", company="")) == "Thank you"


def test_draft_subject_header_has_single_re() -> None:
    msg = one_draft(incoming(subject="Re: Your application"))
    assert msg["Subject"] == "Re: Your application"


# --- headers on the wire -----------------------------------------------------------------


def test_threading_headers() -> None:
    parent_refs = ("<root@acme.example>", "<mid@acme.example>")
    mail = incoming(references=parent_refs)
    msg = one_draft(mail)
    assert msg["In-Reply-To"] == mail.message_id
    assert msg["References"].split() == [*parent_refs, mail.message_id]


def test_references_capped_keeping_root_side_recent() -> None:
    refs = tuple(f"<r{n}@acme.example>" for n in range(3 * MAX_REFERENCES))
    mail = incoming(references=refs)
    out = one_draft(mail)["References"].split()
    assert len(out) == MAX_REFERENCES
    assert out[-1] == mail.message_id
    # The most recent ancestors are the ones kept, in order.
    assert out[:-1] == list(refs[-(MAX_REFERENCES - 1) :])


def test_own_message_id_at_profile_domain_and_unique() -> None:
    plans = writer(feedback_request="always").plan([DraftKind.THANK_YOU, DraftKind.FEEDBACK_REQUEST], incoming(), rejection(), NOW)
    ids = [p.message_id for p in plans]
    assert len(set(ids)) == 2
    for plan in plans:
        msg = wire(plan.raw)
        # A long Message-ID may be folded onto its own line (legal FWS): compare the id itself.
        assert msg["Message-ID"].strip() == plan.message_id
        assert re.fullmatch(r"<[^<>@\s]+@example\.org>", plan.message_id)
        assert plan.parent_message_id == incoming().message_id
        assert msg["X-Rebound-Draft"] == plan.kind.value


def test_date_and_from() -> None:
    msg = one_draft(incoming())
    assert parsedate_to_datetime(msg["Date"]) == NOW
    assert parseaddr(msg["From"]) == (PROFILE.name, PROFILE.email)


def test_to_is_sender_without_reply_to() -> None:
    mail = incoming()
    [plan] = writer().plan([DraftKind.THANK_YOU], mail, rejection(), NOW)
    assert parseaddr(wire(plan.raw)["To"]) == (mail.from_name, mail.from_addr)
    assert plan.to == mail.from_addr


def test_to_is_reply_to_when_present() -> None:
    mail = incoming(reply_to="recruiting@acme.example")
    [plan] = writer().plan([DraftKind.THANK_YOU], mail, rejection(), NOW)
    to = getaddresses([wire(plan.raw)["To"]])
    assert [addr for _, addr in to] == ["recruiting@acme.example"]
    # The sender's name is not pinned to a different address.
    assert to[0][0] == ""
    assert plan.to == "recruiting@acme.example"


def test_non_ascii_names_survive_the_round_trip() -> None:
    mail = incoming(from_name="Zoë Achterberg", subject="Entscheidung – Datenanalyst")
    msg = one_draft(mail, rejection(contact_name="Zoë"))
    assert parseaddr(msg["To"]) == ("Zoë Achterberg", mail.from_addr)
    assert msg["Subject"] == "Re: Entscheidung – Datenanalyst"
    assert "Hi Zoë," in msg.get_content()


def _headers_once(msg: EmailMessage) -> None:
    names = [k.lower() for k in msg]
    assert "bcc" not in names and "cc" not in names
    assert len(names) == len(set(names)), names


def _b64(text: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(text.encode()).decode()}?="


def test_no_bcc_from_hostile_incoming_bytes() -> None:
    raw = (
        f"From: {_b64('Eve' + chr(10) + 'Bcc: victim@evil.example')} <eve@corp.example>\r\n"
        f"Reply-To: {_b64('Mallory' + chr(13) + chr(10) + 'Cc: victim2@evil.example')} <hr@corp.example>\r\n"
        f"Subject: {_b64('Update' + chr(13) + chr(10) + 'Bcc: victim3@evil.example' + chr(10) + chr(10) + 'injected body')}\r\n"
        "Message-ID: <hostile@corp.example>\r\n"
        "References: <a@corp.example>\r\n <b@corp.example>\r\n"
        "Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n"
        "\r\nWe regret...\r\n"
    ).encode()
    mail = parse_email(raw)
    msg = one_draft(mail, kind=DraftKind.FEEDBACK_REQUEST, w=writer(feedback_request="always"))
    _headers_once(msg)
    recipients = [addr for _, addr in getaddresses(msg.get_all("To", []))]
    assert recipients == ["hr@corp.example"]
    assert "victim" not in msg["To"]
    assert "\n" not in msg["Subject"] and msg["Subject"].startswith("Re: Update")
    assert "injected body" not in msg.get_content()
    assert msg["In-Reply-To"] == "<hostile@corp.example>"


def test_no_bcc_even_if_incoming_fields_were_never_folded() -> None:
    # A source other than parse.py could hand over raw values: the writer folds them itself.
    mail = incoming(
        subject="Hello\r\nBcc: victim@evil.example",
        from_name="Eve\nBcc: victim@evil.example",
        message_id="<m@corp.example>\r\nBcc: victim@evil.example",
    )
    msg = one_draft(mail)
    _headers_once(msg)
    assert [addr for _, addr in getaddresses([msg["To"]])] == [mail.from_addr]


# --- policy ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        (Stage.APPLICATION, [DraftKind.THANK_YOU]),
        (Stage.UNKNOWN, [DraftKind.THANK_YOU]),
        (Stage.SCREEN, [DraftKind.THANK_YOU, DraftKind.FEEDBACK_REQUEST]),
        (Stage.INTERVIEW, [DraftKind.THANK_YOU, DraftKind.FEEDBACK_REQUEST]),
        (Stage.FINAL, [DraftKind.THANK_YOU, DraftKind.FEEDBACK_REQUEST]),
    ],
)
def test_after_interview_policy(stage: Stage, expected: list[DraftKind]) -> None:
    kinds, reason = writer().kinds_for(incoming(), rejection(stage), NOW)
    assert kinds == expected and reason == ""


def test_offered_feedback_is_taken_up_even_after_an_application_stage_no() -> None:
    result = rejection(Stage.APPLICATION, offers_feedback=True)
    w = writer()
    assert w.kinds_for(incoming(), result, NOW)[0] == [DraftKind.THANK_YOU, DraftKind.FEEDBACK_REQUEST]
    assert "You kindly offered to share feedback" in w.render(DraftKind.FEEDBACK_REQUEST, incoming(), result)
    assert "kindly offered" not in w.render(DraftKind.FEEDBACK_REQUEST, incoming(), rejection(Stage.INTERVIEW))
    assert writer(feedback_request="never").kinds_for(incoming(), result, NOW)[0] == [DraftKind.THANK_YOU]


@pytest.mark.parametrize("stage", list(Stage))
def test_always_and_never(stage: Stage) -> None:
    assert writer(feedback_request="always").kinds_for(incoming(), rejection(stage), NOW)[0] == [
        DraftKind.THANK_YOU,
        DraftKind.FEEDBACK_REQUEST,
    ]
    assert writer(feedback_request="never").kinds_for(incoming(), rejection(stage), NOW)[0] == [DraftKind.THANK_YOU]


def test_thank_you_off() -> None:
    assert writer(thank_you=False).kinds_for(incoming(), rejection(Stage.FINAL), NOW)[0] == [DraftKind.FEEDBACK_REQUEST]
    kinds, reason = writer(thank_you=False, feedback_request="never").kinds_for(incoming(), rejection(Stage.FINAL), NOW)
    assert kinds == [] and "turned off" in reason


@pytest.mark.parametrize("label", [label for label in Label if label is not Label.REJECTION])
def test_no_drafts_for_other_labels(label: Label) -> None:
    result = Classification(label=label, confidence=0.99, extraction=Extraction(company="Acme", stage=Stage.FINAL))
    assert writer(feedback_request="always").kinds_for(incoming(), result, NOW) == ([], "")


def test_no_drafts_for_automated_sender() -> None:
    kinds, reason = writer().kinds_for(incoming(from_addr="no-reply@hire.ats.example"), rejection(human_sender=False), NOW)
    assert kinds == [] and "automated" in reason


def test_no_drafts_when_uncertain() -> None:
    result = replace(rejection(Stage.FINAL), confidence=0.41, uncertain=True)
    kinds, reason = writer().kinds_for(incoming(), result, NOW)
    assert kinds == [] and "uncertain" in reason and "0.41" in reason


def test_no_drafts_for_old_mail() -> None:
    w = writer(draft_max_age_days=7)
    kinds, reason = w.kinds_for(incoming(date=NOW - timedelta(days=7, minutes=1)), rejection(), NOW)
    assert kinds == [] and "7 days" in reason
    assert w.kinds_for(incoming(date=NOW - timedelta(days=6, hours=23)), rejection(), NOW)[0] == [DraftKind.THANK_YOU]
    # Undated mail cannot be too old.
    assert w.kinds_for(incoming(date=None), rejection(), NOW)[0] == [DraftKind.THANK_YOU]


def test_age_check_works_for_mail_dated_without_zone() -> None:
    raw = b"From: Rachel <rachel@acme.example>\r\nDate: Mon, 02 Nov 2026 09:00:00 -0000\r\nSubject: s\r\n\r\nno\r\n"
    kinds, reason = writer(draft_max_age_days=7).kinds_for(parse_email(raw), rejection(), NOW)
    assert kinds == [] and "older than 7 days" in reason


def test_no_drafts_for_mail_sent_by_user() -> None:
    kinds, reason = writer().kinds_for(incoming(from_addr="Alex.Morgan@Example.org"), rejection(), NOW)
    assert kinds == [] and "you" in reason


# --- templates ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(DraftKind))
def test_templates_render_cleanly_with_any_fields_missing(kind: DraftKind) -> None:
    w = writer()
    combos = itertools.product(list(Stage), ["", "Zoë"], ["", "Acme Robotics"], ["", "Data Analyst"], [False, True], [False, True])
    for stage, name, company, role, reapply, feedback in combos:
        result = rejection(stage, contact_name=name, company=company, role=role, invites_reapply=reapply, offers_feedback=feedback)
        text = w.render(kind, incoming(), result)
        where = (kind, stage, name, company, role, reapply)
        assert "None" not in text, where
        assert "  " not in text, where
        assert "\n\n\n" not in text, where
        assert not re.search(r" [,.;:!?]", text), where
        assert not re.search(r"[ \t]$", text, re.MULTILINE), where
        assert "{" not in text and "}" not in text, where
        assert text.endswith(PROFILE.name + "\n"), where
        first_line = text.splitlines()[0]
        assert first_line == (f"Hi {name}," if name else "Hello,"), where
        if company:
            assert company in text, where
        if role:
            assert role in text, where


def test_rendered_body_is_the_draft_body() -> None:
    result = rejection(Stage.INTERVIEW)
    w = writer()
    msg = one_draft(incoming(), result, DraftKind.FEEDBACK_REQUEST, w)
    assert msg.get_content().replace("\r\n", "\n") == w.render(DraftKind.FEEDBACK_REQUEST, incoming(), result)
    assert msg.get_content_type() == "text/plain"


def test_templates_dir_override_takes_precedence(tmp_path: Path) -> None:
    (tmp_path / "thank_you.txt.j2").write_text("Custom thanks, {{ first_name or 'friend' }}, from {{ user_name }} to {{ company }}.\n")
    w = writer(templates_dir=tmp_path)
    result = rejection(Stage.SCREEN)
    assert w.render(DraftKind.THANK_YOU, incoming(), result) == "Custom thanks, Rachel, from Alex Morgan to Acme.\n"
    # Templates not overridden still come from the bundled set.
    assert w.render(DraftKind.FEEDBACK_REQUEST, incoming(), result) == writer().render(DraftKind.FEEDBACK_REQUEST, incoming(), result)


def test_templates_dir_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="templates_dir"):
        writer(templates_dir=tmp_path / "missing")


def test_broken_custom_template_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "thank_you.txt.j2").write_text("Hi {{ firstname }}\n")  # typo: undefined names are errors
    w = writer(templates_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"thank_you\.txt\.j2"):
        w.render(DraftKind.THANK_YOU, incoming(), rejection())
