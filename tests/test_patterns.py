"""Unit tests for reading the extraction rules (agent/classifier/patterns/): a mistake names its file and key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import spacy

from agent.classifier.cues import UNNAMED_CLIENT, Cues, company_key, role_key
from agent.classifier.lexicon import PATTERNS, load_patterns, variants, words
from agent.classifier.role_reader import GROUPS, read_groups
from agent.errors import ClassifierError, PatternError


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the shipped rules, to break one file at a time."""
    shutil.copytree(PATTERNS, tmp_path / "patterns")
    return tmp_path / "patterns"


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_the_shipped_files_load_with_common_first(folder: Path) -> None:
    files = load_patterns(folder)
    assert [p.name for p, _ in files] == ["common.toml", "de.toml", "en.toml", "es.toml", "fr.toml", "nl.toml"]
    assert set(GROUPS) == set(files[0][1]["role"]["groups"])


def test_slots_expand_to_every_phrase() -> None:
    assert variants("a|b / c|") == ["a c", "a", "b c", "b"]


def test_a_file_that_is_not_toml_is_named(folder: Path) -> None:
    append(folder / "de.toml", '\n[role.words\nnouns = ["x"]\n')
    with pytest.raises(PatternError, match=r"de\.toml: not valid TOML"):
        load_patterns(folder)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('\n[role.extra]\nnouns = "engineer"\n', r"fr\.toml: role\.extra\.nouns: must be a list of phrases, not str"),
        ("\n[role.extra]\nnouns = [3]\n", r"fr\.toml: role\.extra\.nouns: 3: an entry must be a string"),
        ('\n[role.extra]\nnouns = ["  "]\n', r"fr\.toml: role\.extra\.nouns: '  ': an empty entry"),
        ('\n[role.extra]\nnouns = ["le|la| / "]\n', r"fr\.toml: role\.extra\.nouns: 'le\|la\| / ': a part that can match nothing"),
        ('\n[role.extra]\nnouns = ["poste...de"]\n', r"fr\.toml: role\.extra\.nouns: 'poste\.\.\.de': '\.\.\.' joins two parts"),
        ('\n[role.extra]\nnouns = ["poste ... |"]\n', r"fr\.toml: role\.extra\.nouns: .*a part that can match nothing"),
        ('\n[role.groups]\nloose = { weight = 1.0, cased = false, role = "loose" }\n', r"fr\.toml: role\.groups: settings belong in common\.toml"),
    ],
)
def test_a_malformed_list_names_file_and_key(folder: Path, text: str, message: str) -> None:
    append(folder / "fr.toml", text)
    with pytest.raises(PatternError, match=message):
        load_patterns(folder)


def test_a_cue_group_nobody_weighs_is_named(folder: Path) -> None:
    """A group of cues common.toml gives no weight to would never count: an error, not a silent no-op."""
    (folder / "sv.toml").write_text('[company.cues]\nstark = ["hos"]\n', encoding="utf-8")
    with pytest.raises(PatternError, match=r"sv\.toml: company\.cues\.stark: no such group in common\.toml \[company\.weights\]"):
        load_patterns(folder)


def test_a_weight_that_is_no_number_is_named(folder: Path) -> None:
    common = folder / "common.toml"
    common.write_text(common.read_text(encoding="utf-8").replace("weak = 1.0", 'weak = "1.0"'), encoding="utf-8")
    with pytest.raises(PatternError, match=r"common\.toml: company\.weights\.weak: '1\.0' is not a number"):
        load_patterns(folder)


def test_a_missing_common_file_is_named(folder: Path) -> None:
    (folder / "common.toml").unlink()
    with pytest.raises(PatternError, match=r"common\.toml: missing"):
        load_patterns(folder)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"x": {"weight": 1.0, "cased": True, "role": "title", "colour": "red"}}, r"\[role\.groups\]: x\.colour: no such setting"),
        ({"x": {"weight": "heavy", "cased": True, "role": "title"}}, r"x\.weight: 'heavy' is not a float"),
        ({"x": {"weight": True, "cased": True, "role": "title"}}, r"x\.weight: True is not a float"),
        ({"x": {"weight": 1.0, "cased": "yes", "role": "title"}}, r"x\.cased: 'yes' is not a bool"),
        ({"x": {"weight": 1.0, "role": "title"}}, r"x: missing cased"),
        ({"x": {"weight": 1.0, "cased": True, "role": "sentence"}}, r"x\.role: 'sentence' is none of als, loose, lowercase, title"),
        ({"x": {"weight": 1.0, "cased": True, "role": "title", "then": "nouns"}}, r"x\.then: 'nouns' is none of"),
        ({"x": 2.0}, r"x: must be a table of settings"),
    ],
)
def test_a_malformed_role_group_names_the_setting(settings: dict[str, object], message: str) -> None:
    with pytest.raises(PatternError, match=message):
        read_groups(settings)


def test_an_integer_weight_is_a_weight() -> None:
    assert read_groups({"x": {"weight": 2, "cased": False, "role": "loose"}})["x"].weight == 2


def test_a_pattern_error_is_a_classifier_error_the_command_line_reports() -> None:
    assert issubclass(PatternError, ClassifierError)


def test_cues_match_once_per_doc_with_their_parts() -> None:
    """'our client ... ' and 'recruiting ...12 for a ... fintech' are matched in parts; a possessive after 'client' is not a client."""
    nlp = spacy.blank("en")
    cues = Cues(nlp.vocab, nlp.tokenizer)
    hits = cues(nlp.make_doc("We are recruiting a Data Engineer for a fast-growing fintech in Leeds."))
    assert hits[UNNAMED_CLIENT]
    assert not cues(nlp.make_doc("Our client's team met you on Monday."))[UNNAMED_CLIENT]
    doc = nlp.make_doc("Thanks for your interest in the Payroll Specialist position at Quillfeather.")
    hits = cues(doc)
    assert any(doc[s:e].text == "interest in" for s, e in hits[company_key("strong")])
    assert hits[role_key("determiner")]


def test_a_key_no_file_holds_is_named() -> None:
    """A key the code reads and no file has (a typo on either side) fails at load, not as an empty list."""
    with pytest.raises(PatternError, match=r"no file has the key role\.words\.no_such_list"):
        words("role.words.no_such_list")
