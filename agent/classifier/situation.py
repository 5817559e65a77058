"""What kind of no a rejection is, how far the application got, what it offers and what it asks.

Read from the cue phrases in phrases/<lang>.toml (see phrases/README.md), matched with spaCy's
PhraseMatcher on a copy of the email's tokens in which French and Italian-style elisions are split
("l'entretien" → "l'" "entretien"). Matching is linear in the length of the email; the rules
about what the matches mean are here, and they lean one way on purpose: a draft may only say
"interview" when the email shows there was one, so every stage needs positive evidence, and a
sentence that says a stage was not reached ("we will not be inviting you to interview", "we
moved other candidates to the final round") counts for nothing.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from itertools import compress, product
from operator import not_
from pathlib import Path

from spacy.matcher import PhraseMatcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.vocab import Vocab

from agent.classifier import lexicon
from agent.classifier.words import words_of
from agent.domain import HeldBack, Question, QuestionKind, Situation, Stage

PHRASES = Path(__file__).resolve().parent / "phrases"
# Parts of a cue joined by "..." may be this many tokens apart.
GAP = 8
# A "question" shorter than this ("Questions?", "Why us?") asks the candidate nothing.
MIN_QUESTION_WORDS = 4
# "Hola Juli, ¿qué tal?" is a greeting: short, and the greeting phrase closes it. "¿Cómo va el reembolso del curso?"
# opens with one and asks something.
MAX_SMALL_TALK_WORDS = 7
MAX_WORDS_FROM_SMALL_TALK = 5
MAX_QUESTION_CHARS = 200
# "Tengo otras dos vacantes en logística. ¿Te interesa?", "We have evening shifts open. Would that interest you?": a question
# this short, with nothing of its own to say what it asks, asks about what the sentence before it offered.
MAX_FOLLOW_UP_WORDS = 6
# Furthest first: the furthest step the email shows is how far the application got.
_STAGES = (Stage.FINAL, Stage.INTERVIEW, Stage.ASSESSMENT, Stage.SCREEN, Stage.APPLICATION)
_AFTER = {
    Stage.FINAL: Situation.AFTER_FINAL,
    Stage.INTERVIEW: Situation.AFTER_INTERVIEW,
    Stage.ASSESSMENT: Situation.AFTER_ASSESSMENT,
    Stage.SCREEN: Situation.AFTER_SCREEN,
    Stage.APPLICATION: Situation.APPLICATION,
    Stage.UNKNOWN: Situation.UNKNOWN,
}
# When several kinds of no are named, the first of these decides what the reply must fit.
_KINDS = (Situation.OFFER_WITHDRAWN, Situation.ROLE_CLOSED, Situation.MISMATCH, Situation.NO_OPENINGS)
# Keeping the CV asks for consent, which the reply must give, whatever else the question is about. Otherwise the kind
# named first decides: "Als je wilt, bel ik je voor uitgebreidere feedback" offers a call (the reply takes it up, and
# then does not ask for the feedback again); "Would brief feedback from the call be helpful?" offers feedback.
_QUESTION_KINDS = (QuestionKind.KEEP_ON_FILE, QuestionKind.FEEDBACK, QuestionKind.CALL, QuestionKind.OTHER_ROLE)
# The phrase groups that hold an email back, in the order their reason is told.
_HELD_BACK = ((HeldBack.WITHDRAWN, "decision.candidate_withdrew"), (HeldBack.PROMISED, "decision.pending"), (HeldBack.NOT_A_JOB, "decision.not_a_job"))
# The words come with their apostrophes made plain (words_of): "l’entretien" is "l'entretien" here.
_ELISION = re.compile(r"^([cdjlmnst]|qu|jusqu|lorsqu|puisqu)'(?=\w)", re.IGNORECASE)
_ELIDED = re.compile(r"^([cdjlmnst]|qu|jusqu|lorsqu|puisqu)$", re.IGNORECASE)
_SENTENCE_END = {".", "!", "?", "…"}
# A full stop after these ends no sentence ("max. 10 Stunden", "ca. 20 Std."); after a number, one before a
# month is a date ("bis zum 15. Juli"). Data: patterns/<lang>.toml [sentences].
_ABBREVIATIONS = lexicon.words("sentences.abbreviations")
_MONTHS = lexicon.words("sentences.months")
# "Re: ¿Necesitáis a alguien en verano?": a subject answered is the candidate's own question, not one to answer.
_REPLY_PREFIXES = lexicon.words("role.subject.replies")


@dataclass(frozen=True)
class Reading:
    """What the phrase lists found in one email."""

    situation: Situation = Situation.UNKNOWN
    stage: Stage = Stage.UNKNOWN
    sure: bool = False
    """False when nothing showed how far the application got, or the evidence disagreed."""
    offers_feedback: bool = False
    gives_feedback: bool = False
    """The email already holds feedback (what the panel felt, where it fell short, the reason in the employer's words)."""
    declines_feedback: bool = False
    """The email says feedback cannot be given, and offers none elsewhere."""
    keeps_on_file: bool = False
    questions: tuple[Question, ...] = ()
    register: str = ""
    """'formal' or 'informal' for the languages that distinguish them; '' for English."""
    voseo: bool = False
    """Informal, and the verbs are vos's ('querés', 'tenés'): Rioplatense and Central American Spanish."""
    held_back: HeldBack = HeldBack.NO
    """Why no employer's no to the user is in it: one only promised for when the candidate hears nothing
    (an acknowledgement), the candidate's own withdrawal answered, or something other than a job refused."""


def expand(cue: str) -> list[list[str]]:
    """A cue's parts, each as the phrases it stands for ('a|b / c|' → ['a c', 'a', 'b c', 'b'])."""
    return [
        [" ".join(w for w in combo if w) for combo in product(*(slot.strip().split("|") for slot in part.split(" / ")))]
        for part in cue.split(" ... ")
    ]


def normal_words(doc: Doc) -> tuple[list[str], list[int], list[int]]:
    """Words (elisions split, spaces dropped), the sentence of each word, and each word's character offset."""
    words: list[str] = []
    sentences: list[int] = []
    offsets: list[int] = []
    sentence = 0
    read = words_of(doc)
    texts, starts = read.texts, read.offsets
    # Most words are letters and digits only: no space, elision or sentence end. They are copied
    # in runs; the loop visits only the others (spaces and punctuation), a fraction of an email.
    copied = 0
    for k in compress(range(len(texts)), map(not_, map(str.isalnum, texts))):
        if k > copied:
            words += texts[copied:k]
            sentences += [sentence] * (k - copied)
            offsets += starts[copied:k]
        copied = k + 1
        text, idx = texts[k], starts[k]
        if text.isspace():
            if sentences and sentences[-1] == sentence and text.count("\n") >= 2:
                sentence += 1  # a blank line ends a sentence; a single line break is only wrapping
            continue
        m = _ELISION.match(text) if "'" in text else None  # an elision holds an apostrophe
        if text == "'" and words and offsets[-1] + len(words[-1]) == idx and _ELIDED.match(words[-1]):
            # A bare elision ("t'", "l'" in a phrase list, or before a line break) is split by the tokenizer into
            # the letter and the apostrophe: joined again, it matches the "t'" of "t'avait" split above.
            words[-1] += text
            continue
        if m:
            words += (m.group(0), text[m.end() :])
            sentences += (sentence, sentence)
            offsets += (idx, idx + m.end())
        else:
            words.append(text)
            sentences.append(sentence)
            offsets.append(idx)
        if (text in _SENTENCE_END or text.endswith("?")) and not (text == "." and _no_sentence_end(texts, k)):
            sentence += 1
    if len(texts) > copied:
        words += texts[copied:]
        sentences += [sentence] * (len(texts) - copied)
        offsets += starts[copied:]
    if "m" in words or "M" in words:
        _join_im(words, sentences, offsets)
    return words, sentences, offsets


def _no_sentence_end(texts: list[str], k: int) -> bool:
    """Whether the full stop at k closes an abbreviation or a German date rather than a sentence."""
    before = texts[k - 1] if k else ""
    if before.lower() in _ABBREVIATIONS:
        return True
    if not before[-1:].isdigit():
        return False
    after = next((t for t in texts[k + 1 : k + 3] if not t.isspace()), "")
    return after[:1].islower() or after.lower() in _MONTHS  # "Beginn 03.11. wird …", "15. Juli"


def _join_im(words: list[str], sentences: list[int], offsets: list[int]) -> None:
    """spaCy's English tokenizer splits "im" (as if "I'm") into "i" "m": German "im Team" is one word again."""
    keep = [True] * len(words)
    for j in range(1, len(words)):
        if words[j] in ("m", "M") and words[j - 1] in ("i", "I") and offsets[j - 1] + 1 == offsets[j]:
            words[j - 1] += words[j]
            keep[j] = False
    if not all(keep):  # one pass: deleting word by word would be quadratic in a long German letter
        words[:], sentences[:], offsets[:] = list(compress(words, keep)), list(compress(sentences, keep)), list(compress(offsets, keep))


@dataclass(frozen=True)
class _Cue:
    key: str
    parts: tuple[int, ...]
    """Matcher keys of the parts, in order."""


class CueTable:
    """One language's phrase lists, compiled."""

    def __init__(self, vocab: Vocab, tokenizer: Tokenizer, table: dict[str, dict[str, list[str]]]) -> None:
        self.lower = PhraseMatcher(vocab, attr="LOWER")
        self.cased = PhraseMatcher(vocab, attr="ORTH")
        self.cues: list[_Cue] = []
        part_ids: dict[tuple[bool, str], int] = {}
        for section, entries in table.items():
            for name, cues in entries.items():
                cased = section == "register"
                for cue in cues:
                    ids = []
                    for phrases in expand(cue):
                        label = "|".join(phrases)
                        if (cased, label) not in part_ids:
                            part_ids[(cased, label)] = len(part_ids)
                            docs = []
                            for phrase in phrases:
                                variants = {phrase, phrase[:1].upper() + phrase[1:]} if cased else {phrase}
                                for variant in sorted(variants):
                                    words, _, _ = normal_words(tokenizer(variant))
                                    docs.append(Doc(vocab, words=words))
                            (self.cased if cased else self.lower).add(str(part_ids[(cased, label)]), docs)
                        ids.append(part_ids[(cased, label)])
                    self.cues.append(_Cue(f"{section}.{name}", tuple(ids)))
        # A match's id is the hash of its part's label: read back as the part's number without the string store.
        self._part_of = {vocab.strings.add(str(part)): part for part in part_ids.values()}
        # The cues each part opens: a Doc's matches lead to the few cues they can start, not every cue to its matches.
        self._opening: dict[int, list[_Cue]] = defaultdict(list)
        for c in self.cues:
            self._opening[c.parts[0]].append(c)

    def hits(self, doc: Doc, sentences: list[int], first_at: dict[tuple[str, int], int] | None = None) -> dict[str, set[int]]:
        """For each section.name, the sentences in which one of its cues matched; first_at, when given, gets the
        token at which each (section.name, sentence) first matched."""
        starts: dict[int, list[tuple[int, int]]] = defaultdict(list)
        part_of = self._part_of
        for matcher in (self.lower, self.cased) if len(self.cased) else (self.lower,):  # English has no cased phrases
            for match_id, start, end in matcher(doc):
                starts[part_of[match_id]].append((start, end))
        found: dict[str, set[int]] = defaultdict(set)
        for part, spans in list(starts.items()):
            for cue in self._opening.get(part, ()):
                for start, end in spans:
                    if _rest_follows(cue.parts[1:], end, sentences[start], starts, sentences):
                        found[cue.key].add(sentences[start])
                        if first_at is not None:
                            where = (cue.key, sentences[start])
                            first_at[where] = min(start, first_at.get(where, start))
        return found


def _rest_follows(parts: tuple[int, ...], after: int, sentence: int, starts: dict[int, list[tuple[int, int]]], sentences: list[int]) -> bool:
    if not parts:
        return True
    for start, end in starts.get(parts[0], ()):
        if after <= start <= after + GAP and sentences[start] == sentence and _rest_follows(parts[1:], end, sentence, starts, sentences):
            return True
    return False


@cache
def _tables() -> dict[str, dict[str, dict[str, list[str]]]]:
    return {path.stem: tomllib.loads(path.read_text(encoding="utf-8")) for path in sorted(PHRASES.glob("*.toml"))}


class SituationReader:
    """Reads the situation of a rejection in any language that has a phrase file."""

    def __init__(self, vocab: Vocab, tokenizer: Tokenizer) -> None:
        self.vocab = vocab
        self._tokenizer = tokenizer
        # Built on first use: compiling a language's phrases is a tenth of a second of start-up,
        # and most mailboxes meet one or two of the five languages.
        self._languages: dict[str, CueTable] = {}

    def rules(self, language: str) -> CueTable:
        """The language's compiled phrases (English for a language with no phrase file)."""
        if language not in _tables():
            language = "en"
        if language not in self._languages:
            self._languages[language] = CueTable(self.vocab, self._tokenizer, _tables()[language])
        return self._languages[language]

    def read(self, doc: Doc, language: str) -> Reading:
        """The reading of one email (subject and new text, as the classifier saw it)."""
        rules = self.rules(language)
        words, sentences, offsets = normal_words(doc)
        if not words:
            return Reading()
        normal = Doc(self.vocab, words=words)
        first_at: dict[tuple[str, int], int] = {}
        hits = rules.hits(normal, sentences, first_at)
        vetoed = hits.get("stage.not_reached", set())
        shown = [stage for stage in _STAGES if hits.get(f"stage.{stage.value}", set()) - (set() if stage is Stage.APPLICATION else vetoed)]
        # A meeting named with its day ("the interview on Monday") was had, whatever else its sentence says (unless it
        # was cancelled, still to come, or the sentence speaks of being shortlisted or invited: stage.not_met). It
        # decides only where no stage past the application was shown: a visit beside a test or a screening call is,
        # in the corpus's labels, that test or call (measured: letting it outrank them made 5 situations wrong).
        met = bool(hits.get("stage.met", set()) - hits.get("stage.not_met", set()))
        if met and (not shown or shown[0] is Stage.APPLICATION):
            shown.insert(0, Stage.INTERVIEW)
        stage = shown[0] if shown else Stage.UNKNOWN
        kind = next((k for k in _KINDS if hits.get(f"situation.{k.value}")), None)
        situation = kind or _AFTER[stage]
        # Unsure: nothing showed the stage, or a sentence denied the very stage another one showed.
        denied = stage is not Stage.APPLICATION and bool(hits.get(f"stage.{stage.value}", set()) & vetoed) and not (met and stage is Stage.INTERVIEW)
        sure = stage is not Stage.UNKNOWN and not denied
        feedback = hits.get("offers.feedback", set()) - hits.get("offers.no_feedback", set())
        formal, informal = len(hits.get("register.formal", ())), len(hits.get("register.informal", ()))
        return Reading(
            situation=situation,
            stage=stage,
            sure=sure or kind is not None,
            offers_feedback=bool(feedback),
            # A sentence that offers feedback ("share more feedback from the panel") is not feedback given.
            # A reason told in the employer's words is feedback too, unless the sentence is the form letter's.
            gives_feedback=bool(
                (hits.get("offers.gives_feedback", set()) | (hits.get("offers.reason", set()) - hits.get("offers.stock_reason", set())))
                - hits.get("offers.feedback", set())
            ),
            # Said it cannot give feedback, and offered none elsewhere: the reply does not ask.
            declines_feedback=bool(hits.get("offers.refuses_feedback")) and not feedback,
            keeps_on_file=bool(hits.get("offers.keep_on_file")),
            questions=self._questions(doc, words, sentences, offsets, hits, first_at),
            register="" if language == "en" else ("informal" if informal > formal else "formal"),
            voseo=informal > formal and bool(hits.get("register.voseo")),
            held_back=next((reason for reason, key in _HELD_BACK if hits.get(key)), HeldBack.NO),
        )

    @staticmethod
    def _questions(
        doc: Doc, words: list[str], sentences: list[int], offsets: list[int], hits: dict[str, set[int]], first_at: dict[tuple[str, int], int]
    ) -> tuple[Question, ...]:
        asked = {sentences[i] for i, w in enumerate(words) if w.endswith("?")} | hits.get("question.ask", set())
        spans: dict[int, list[int]] = defaultdict(list)
        for i, sentence in enumerate(sentences):
            if sentence in asked:
                spans[sentence].append(i)
        out = []
        for sentence in sorted(asked):
            positions = spans[sentence]
            if len(positions) < MIN_QUESTION_WORDS or (
                sentence == 0 and words[positions[0]].lower().rstrip(":") in _REPLY_PREFIXES and len(positions) > 1 and words[positions[1]] == ":"
            ):
                continue
            asks_of = sentence
            kinds = [k for k in _QUESTION_KINDS if sentence in hits.get(f"question.{k.value}", set())]
            if (
                not kinds
                and sentence > 0
                and sentence not in hits.get("question.small_talk", set())  # "Hola Daniela, ¿qué tal?" follows the subject line
                and sum(any(ch.isalnum() for ch in words[p]) for p in positions) <= MAX_FOLLOW_UP_WORDS
            ):
                asks_of = sentence - 1
                kinds = [k for k in _QUESTION_KINDS if asks_of in hits.get(f"question.{k.value}", set())]
            if QuestionKind.KEEP_ON_FILE in kinds or not kinds:
                kind = kinds[0] if kinds else QuestionKind.OTHER
            else:
                kind = min(kinds, key=lambda k: first_at.get((f"question.{k.value}", asks_of), len(words)))
            if kind is QuestionKind.OTHER and sentence in hits.get("question.small_talk", set()):
                said = [p for p in positions if any(ch.isalnum() for ch in words[p])]
                greeting_at = first_at.get(("question.small_talk", sentence), 0)
                if len(said) <= MAX_SMALL_TALK_WORDS and sum(p >= greeting_at for p in said) <= MAX_WORDS_FROM_SMALL_TALK:
                    continue
            last = positions[-1]
            text = words_of(doc).text[offsets[positions[0]] : offsets[last] + len(words[last])]
            out.append(Question(kind, " ".join(text.split())[:MAX_QUESTION_CHARS]))
        return tuple(out)
